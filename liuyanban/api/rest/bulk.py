"""Bulk export (CSV, XLSX) and import of messages, and an organisation's webhook deliveries."""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from liuyanban.accounts.models import Role, User
from liuyanban.accounts.selectors import has_role_over, role_paths, subtree_q
from liuyanban.core.errors import InvalidInput, NotPermitted
from liuyanban.lifecycle.selectors import STAFF_ROLES, messages_visible_to
from liuyanban.organizations.models import Board

from .. import exporting
from ..auth import AUTHENTICATED, signed_in
from ..importing import import_messages
from ..models import WebhookDelivery
from .errors import ERROR_RESPONSES

router = Router(tags=["bulk"])
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _staff(request: HttpRequest) -> User:
    """Exports are for staff: any role at any organisation (their scope is what they see)."""
    user = signed_in(request)
    if not (user.is_superuser or role_paths(user, STAFF_ROLES)):
        raise NotPermitted()
    return user


class ExportIn(Schema):
    board: str = Field("", max_length=80)
    domain: str = Field("", max_length=64)
    kind: str = Field("", max_length=20)
    status: str = Field("", max_length=16)
    since: date | None = None
    until: date | None = None


def _export_qs(request: HttpRequest, params: ExportIn) -> Any:
    user = _staff(request)
    filters = exporting.ExportFilters(**params.dict())
    return exporting.filtered(messages_visible_to(user), filters)


def _file_response(kind: str, description: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {"description": description, "content": {kind: {"schema": {"type": "string"}}}}
        }
    }


def _filename(ext: str) -> str:
    return f"messages-{datetime.now():%Y%m%d-%H%M%S}.{ext}"


@router.get(
    "/exports/messages.csv",
    response=ERROR_RESPONSES,
    auth=AUTHENTICATED,
    openapi_extra=_file_response("text/csv", "UTF-8 CSV with a BOM"),
)
def export_csv(request: HttpRequest, params: Query[ExportIn]) -> StreamingHttpResponse:
    """Messages in the caller's scope with final reply and ratings, streamed as CSV."""
    response = StreamingHttpResponse(
        exporting.stream_csv(_export_qs(request, params)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/exports/messages.xlsx",
    response=ERROR_RESPONSES,
    auth=AUTHENTICATED,
    openapi_extra=_file_response(XLSX, "XLSX workbook"),
)
def export_xlsx(request: HttpRequest, params: Query[ExportIn]) -> FileResponse:
    """The same as XLSX, written to a temporary file in constant memory."""
    path = exporting.xlsx_tempfile(_export_qs(request, params))
    handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    os.unlink(path)  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=_filename("xlsx"), content_type=XLSX)


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    rows: int
    created: list[str]
    skipped_rows: list[int]
    errors: list[RowErrorOut]


@router.post("/imports/messages", response={200: ImportOut, **ERROR_RESPONSES}, auth=AUTHENTICATED)
def import_file(
    request: HttpRequest, board: Form[str], file: File[UploadedFile]
) -> dict[str, object]:
    """Import hotline or mailbox messages (CSV/XLSX) into a board; see docs/api.md for columns."""
    user = signed_in(request)
    target = Board.objects.select_related("organization").filter(code=board).first()
    if target is None:
        raise InvalidInput(fields={"board": ["留言板不存在"]})
    if not has_role_over(user, target.organization, Role.CLERK, Role.MODERATOR, Role.ADMIN):
        raise NotPermitted()
    if (file.size or 0) > MAX_IMPORT_BYTES:
        raise InvalidInput(fields={"file": ["文件不能超过 10MB"]})
    report = import_messages(file.read(), file.name or "", board=target)
    return {
        "rows": report.rows,
        "created": report.created,
        "skipped_rows": report.skipped,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors],
    }


class DeliveryOut(Schema):
    id: int
    endpoint: str
    organization: str
    event_kind: str
    tracking_number: str
    state: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryPageOut(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


class DeliveryFilters(Schema):
    state: str | None = Field(None, max_length=10)
    cursor: str | None = Field(None, max_length=20, description="the last id seen")
    limit: int = Field(50, ge=1, le=200)


def _delivery(d: WebhookDelivery) -> dict[str, object]:
    return {
        "id": d.pk,
        "endpoint": d.endpoint.url,
        "organization": d.endpoint.organization.code,
        "event_kind": d.event_kind,
        "tracking_number": str(d.payload.get("message", {}).get("tracking_number", "")),
        "state": d.state,
        "attempts": d.attempts,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "created_at": d.created_at,
        "next_attempt_at": d.next_attempt_at,
        "delivered_at": d.delivered_at,
    }


@router.get(
    "/webhooks/deliveries",
    response={200: DeliveryPageOut, **ERROR_RESPONSES},
    auth=AUTHENTICATED,
    tags=["webhooks"],
)
def list_deliveries(request: HttpRequest, filters: Query[DeliveryFilters]) -> dict[str, object]:
    """Deliveries of the webhook endpoints of the caller's organisations, newest first."""
    user = signed_in(request)
    qs = WebhookDelivery.objects.select_related("endpoint__organization")
    if not user.is_superuser:
        qs = qs.filter(subtree_q(role_paths(user, STAFF_ROLES), "endpoint__organization"))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.cursor and filters.cursor.isdigit():
        qs = qs.filter(pk__lt=int(filters.cursor))
    rows = list(qs.order_by("-pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [_delivery(d) for d in rows],
        "next_cursor": str(rows[-1].pk) if more and rows else None,
    }
