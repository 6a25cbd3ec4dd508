"""Messages: write, read, search, track. Every read goes through the lifecycle's funnels."""

from __future__ import annotations

import base64
import binascii
from typing import Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from liuyanban.accounts.selectors import AnyUser
from liuyanban.core.clientip import client_ip
from liuyanban.core.errors import InvalidInput
from liuyanban.lifecycle import selectors
from liuyanban.lifecycle.actions import Contact, Draft, submit_message
from liuyanban.lifecycle.attachments import Upload
from liuyanban.lifecycle.models import Message
from liuyanban.lifecycle.selectors import PublicFilters, get_message_for_user, keyset_page
from liuyanban.organizations.models import Board, Region
from liuyanban.taxonomy.models import Domain, Kind

from ..auth import AUTHENTICATED, OPTIONAL, caller, signed_in
from .errors import ERROR_RESPONSES
from .schemas import MessageOut, MessagePageOut, TimelineEntryOut, detail, history, summary

router = Router(tags=["messages"])

Scope = Literal["public", "mine", "moderation", "office", "unit", "supervised"]
# Worklists are not published yet (or are ordered by when they came in), so they page on submission.
WORKLISTS = {
    "moderation": selectors.moderation_queue,
    "office": selectors.office_inbox,
    "unit": selectors.unit_inbox,
    "supervised": selectors.supervised_messages,
}


class MessageFilters(Schema):
    scope: Scope = Field("public", description="public list, my messages, or a staff worklist")
    board: str | None = Field(None, max_length=80, description="board code")
    domain: str | None = Field(None, max_length=64, description="domain code")
    kind: str | None = Field(None, max_length=20, description="kind code")
    region: str | None = Field(None, max_length=12, description="region code")
    status: str | None = Field(None, max_length=16, description="a status, or open / answered")
    search: str | None = Field(None, max_length=200, description="words in the public text")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=100)


def _id_of(model: type[Board | Domain | Kind | Region], code: str | None) -> int | None:
    """The id of a directory object by code; an unknown code matches nothing (-1)."""
    if not code:
        return None
    pk = model.objects.filter(code=code).values_list("pk", flat=True).first()
    return int(pk) if pk is not None else -1


def _public_filters(f: MessageFilters) -> PublicFilters:
    filters: PublicFilters = {}
    for key, model, code in (
        ("board_id", Board, f.board),
        ("domain_id", Domain, f.domain),
        ("kind_id", Kind, f.kind),
        ("region_id", Region, f.region),
    ):
        pk = _id_of(model, code)
        if pk is not None:
            filters[key] = pk  # type: ignore[literal-required]
    if f.status:
        filters["status"] = f.status
    return filters


def _narrow(qs: QuerySet[Message], filters: PublicFilters, search: str | None) -> QuerySet[Message]:
    """The public filters on a worklist or on "my messages"."""
    for key in ("board_id", "domain_id", "kind_id", "region_id"):
        if key in filters:
            qs = qs.filter(**{key: filters[key]})
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(public_title__icontains=search) | Q(search_text__icontains=search))
    return qs


def _search_page(f: MessageFilters, filters: PublicFilters) -> dict[str, object] | None:
    """Full-text search through the lifecycle's search module, when it is there."""
    try:
        from liuyanban.lifecycle.search import search_messages
    except ImportError:  # pragma: no cover - the module is optional
        return None
    assert f.search is not None
    page = search_messages(f.search, filters, cursor=f.cursor, limit=f.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


def _page(user: AnyUser, f: MessageFilters) -> dict[str, object]:
    filters = _public_filters(f)
    if f.scope == "public":
        if f.search and (found := _search_page(f, filters)) is not None:
            return found
        qs = selectors.public_messages(filters)
        if f.search:
            qs = _narrow(qs, {}, f.search)
        page = keyset_page(qs, field="published_at", cursor=f.cursor, limit=f.limit)
    else:
        me = signed_in_user(user)
        base = (
            selectors.messages_visible_to(me).filter(author_id=me.pk)
            if f.scope == "mine"
            else WORKLISTS[f.scope](me)
        )
        qs = _narrow(base, filters, f.search)
        page = keyset_page(qs, field="submitted_at", cursor=f.cursor, limit=f.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


def signed_in_user(user: AnyUser) -> AnyUser:
    """Private scopes need a signed-in caller."""
    from liuyanban.core.errors import NotAuthenticated

    if not user.is_authenticated:
        raise NotAuthenticated()
    return user


@router.get("/messages", response={200: MessagePageOut, **ERROR_RESPONSES}, auth=OPTIONAL)
def list_messages(request: HttpRequest, filters: Query[MessageFilters]) -> dict[str, object]:
    """Public messages, my messages (scope=mine) or a staff worklist, newest first, by keyset."""
    user = caller(request)
    page = _page(user, filters)
    items = page["items"]
    assert isinstance(items, list)
    return {"items": [summary(user, m) for m in items], "next_cursor": page["next_cursor"]}


@router.get(
    "/messages/{tracking_number}", response={200: MessageOut, **ERROR_RESPONSES}, auth=OPTIONAL
)
def get_message(request: HttpRequest, tracking_number: str) -> dict[str, object]:
    """One message with its replies and the actions the caller may take now."""
    user = caller(request)
    return detail(user, get_message_for_user(user, tracking_number=tracking_number))


@router.get(
    "/messages/{tracking_number}/timeline",
    response={200: list[TimelineEntryOut], **ERROR_RESPONSES},
    auth=OPTIONAL,
)
def get_timeline(request: HttpRequest, tracking_number: str) -> list[dict[str, object]]:
    """What happened to the message; staff also see the internal steps."""
    user = caller(request)
    return history(user, get_message_for_user(user, tracking_number=tracking_number))


class ContactIn(Schema):
    real_name: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=200)


class AttachmentIn(Schema):
    name: str = Field(..., max_length=200)
    data_base64: str = Field(..., description="the image's bytes, base64-encoded")


class MessageIn(Schema):
    board: str = Field(..., max_length=80, description="board code")
    domain: str = Field(..., max_length=64, description="domain code (level 1)")
    kind: str = Field(..., max_length=20, description="kind code")
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=10000)
    region: str | None = Field(None, max_length=12, description="region code")
    location: str = Field("", max_length=400)
    nickname: str = Field("", max_length=30)
    contact: ContactIn | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)
    idempotency_key: str = Field("", max_length=64)


def _uploads(items: list[AttachmentIn]) -> list[Upload]:
    uploads = []
    for item in items:
        try:
            data = base64.b64decode(item.data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                fields={"attachments": [f"“{item.name[:40]}”不是有效的 base64"]}
            ) from None
        uploads.append(Upload(name=item.name, data=data))
    return uploads


def draft_from(payload: MessageIn) -> Draft:
    """The lifecycle's Draft from the API's codes (unknown codes become the action's field errors)."""
    return Draft(
        board_id=_id_of(Board, payload.board) or -1,
        domain_id=_id_of(Domain, payload.domain) or -1,
        kind_id=_id_of(Kind, payload.kind) or -1,
        title=payload.title,
        body=payload.body,
        region_id=_id_of(Region, payload.region),
        location=payload.location,
        nickname=payload.nickname,
        contact=Contact(**payload.contact.dict()) if payload.contact else Contact(),
        attachments=_uploads(payload.attachments),
        idempotency_key=payload.idempotency_key,
        source="api",
    )


@router.post("/messages", response={201: MessageOut, **ERROR_RESPONSES}, auth=AUTHENTICATED)
def create_message(request: HttpRequest, payload: MessageIn) -> Status:
    """Write a message; it waits for moderation. Attachments are base64 images in the JSON body."""
    user = signed_in(request)
    message = submit_message(author=user, draft=draft_from(payload), ip=client_ip(request))
    return Status(201, detail(user, get_message_for_user(user, pk=message.pk)))
