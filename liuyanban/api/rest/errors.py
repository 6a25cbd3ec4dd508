"""The one mapping from errors to the REST error object ``{"code", "message", "fields"}``.

Domain errors carry their own status and code; ninja's own errors (bad JSON,
schema violations, missing credentials, throttling, CSRF) get the same shape.
What Django answers before or around the API (no such route, a method the route
does not take, a body over the size limit, a bug's 500) is turned into the same
object by ``liuyanban.api.middleware.JsonErrorsMiddleware`` with ``http_error_body``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from liuyanban.core.errors import (
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RateLimited,
)

ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 429)


class ErrorOut(Schema):
    """Every error answer: a stable code, a message for people, and per-field messages."""

    code: str
    message: str
    fields: dict[str, list[str]]


# Declared on every operation so that the OpenAPI document lists every answer a client can get.
ERROR_RESPONSES: dict[int, type[ErrorOut]] = {status: ErrorOut for status in ERROR_STATUSES}


def error_body(error: DomainError) -> dict[str, Any]:
    return {"code": error.code, "message": error.message, "fields": error.fields}


def _respond(api: NinjaAPI, request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, error_body(error), status=error.status)


def _field_name(loc: list[Any]) -> str:
    """("body", "payload", "title") → "title"; query and path parameters keep their name."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form", "file")]
    return ".".join(parts) or "body"


def _validation(exc: ValidationError) -> InvalidInput:
    fields: dict[str, list[str]] = {}
    for item in exc.errors:
        fields.setdefault(_field_name(list(item.get("loc", []))), []).append(str(item.get("msg")))
    return InvalidInput(fields=fields)


def _http_error(exc: HttpError) -> DomainError:
    if isinstance(exc, Throttled):
        return RateLimited()
    if isinstance(exc, AuthenticationError):
        return NotAuthenticated()
    by_status: dict[int, type[DomainError]] = {
        401: NotAuthenticated,
        403: NotPermitted,
        404: NotFound,
        429: RateLimited,
    }
    if exc.status_code in by_status:
        return by_status[exc.status_code]()
    if exc.status_code == 400:
        # ninja's "Cannot parse request body": invalid JSON.
        return InvalidInput("请求内容不是有效的 JSON", fields={"body": [str(exc)]})
    error = DomainError(str(exc))
    error.status = exc.status_code
    return error


def _too_large() -> DomainError:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    error = DomainError(
        _("请求内容过大，上限为 %(mb)d MB") % {"mb": max(1, limit // (1024 * 1024))}
    )
    error.status, error.code = 413, "too_large"
    return error


def http_error_body(status: int) -> dict[str, Any]:
    """The error object for a bare HTTP status that no domain error produced."""
    known: dict[int, DomainError] = {
        400: InvalidInput(_("请求无效")),
        401: NotAuthenticated(),
        403: NotPermitted(),
        404: NotFound(_("接口地址不存在")),
        429: RateLimited(),
    }
    if status == 413:
        return error_body(_too_large())
    if status in known:
        return error_body(known[status])
    code, message = {
        405: ("method_not_allowed", _("该接口不支持此请求方法")),
        406: ("not_acceptable", _("无法提供所要求的格式")),
        415: ("unsupported_media_type", _("请求内容类型不受支持，请使用 application/json")),
    }.get(status, ("server_error", _("服务器内部错误，请稍后重试")))
    if status < 500 and code == "server_error":
        code, message = "invalid", _("请求无效")
    return {"code": code, "message": message, "fields": {}}


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api`` (the last registered class wins for its subclasses)."""
    api.add_exception_handler(DomainError, lambda r, e: _respond(api, r, e))  # type: ignore[arg-type]
    api.add_exception_handler(
        ValidationError,
        lambda r, e: _respond(api, r, _validation(e)),  # type: ignore[arg-type]
    )
    api.add_exception_handler(
        HttpError,
        lambda r, e: _respond(api, r, _http_error(e)),  # type: ignore[arg-type]
    )
    api.add_exception_handler(Http404, lambda r, e: _respond(api, r, NotFound()))
    api.add_exception_handler(RequestDataTooBig, lambda r, e: _respond(api, r, _too_large()))
    # A form or multipart body sent to a JSON endpoint: the stream was already parsed.
    api.add_exception_handler(
        RawPostDataException,
        lambda r, e: _respond(
            api, r, InvalidInput(_("请求内容必须是 JSON（Content-Type: application/json）"))
        ),
    )
