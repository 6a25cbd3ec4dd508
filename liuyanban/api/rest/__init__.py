"""The REST API (django-ninja) under /api/v1/: one NinjaAPI, routers per area."""

from __future__ import annotations

from ninja import NinjaAPI

from . import bulk, campaigns, directory, errors, messages, suggestions, workflow
from .docs import LocalSwagger
from .throttle import CallerThrottle

DESCRIPTION = """留言板开放接口。认证：机构系统使用 `Authorization: Bearer <令牌>`；
网页会话使用 Cookie（写操作需 `X-CSRFToken`）。错误统一为 `{"code", "message", "fields"}`。
See docs/api.md."""


def build_api() -> NinjaAPI:
    """The API object: routers, the error mapping and the throttle."""
    api = NinjaAPI(
        title="Liuyanban API",
        version="1.0",
        description=DESCRIPTION,
        urls_namespace="api-v1",
        docs=LocalSwagger(),
        docs_url="/docs",
        openapi_url="/openapi.json",
        throttle=[CallerThrottle()],
    )
    errors.install(api)
    api.add_router("", messages.router)
    api.add_router("", workflow.router)
    api.add_router("", directory.router)
    api.add_router("", bulk.router)
    api.add_router("", campaigns.router)
    api.add_router("", suggestions.router)
    return api


api = build_api()
