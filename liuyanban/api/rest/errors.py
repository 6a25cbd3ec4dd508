"""The one mapping from errors to the REST error object ``{"code", "message", "fields"}``.

Domain errors carry their own status and code; ninja's own errors (bad JSON,
schema violations, missing credentials, throttling, CSRF) get the same shape.
Anything else is a bug and stays a 500.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
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

ERROR_STATUSES = (400, 401, 403, 404, 409, 429)


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
