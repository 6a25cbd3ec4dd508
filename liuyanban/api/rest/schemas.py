"""Output schemas shared by several endpoints, and the functions that fill them.

Input schemas live next to their endpoint (one per endpoint). Nothing here
exposes contact data: the original wording is shown to the author and to staff
who may act on the message, never to the public.
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema

from liuyanban.accounts.selectors import AnyUser
from liuyanban.lifecycle import permissions
from liuyanban.lifecycle.models import Message, Reply, ReplyState
from liuyanban.lifecycle.selectors import available_actions, images_for, timeline
from liuyanban.lifecycle.stats_public import published_replies


class RefOut(Schema):
    """A directory object by its stable code and its name."""

    code: str
    name: str


class ReplyOut(Schema):
    id: int
    kind: str
    organization: str
    body: str
    resolution: str
    state: str
    created_at: datetime
    published_at: datetime | None


class OriginalOut(Schema):
    """The author's own words, for the author and for staff over the message."""

    title: str
    body: str
    location: str


class ImageOut(Schema):
    """An attached image; ``url`` is a path on this site. The public sees published ones only."""

    id: int
    url: str
    content_type: str
    width: int
    height: int
    state: str


class MessageSummaryOut(Schema):
    tracking_number: str
    status: str
    status_label: str
    resolution: str
    board: RefOut
    domain: RefOut
    kind: RefOut
    title: str
    author_nickname: str
    published_at: datetime | None
    replied_at: datetime | None
    current_due: date | None
    support_count: int
    available_actions: list[str]


class MessageOut(MessageSummaryOut):
    body: str
    location: str
    region: RefOut | None
    office: RefOut
    unit: RefOut | None
    submitted_at: datetime | None
    closed_at: datetime | None
    merged_into: str | None
    replies: list[ReplyOut]
    original: OriginalOut | None
    images: list[ImageOut]


class MessagePageOut(Schema):
    items: list[MessageSummaryOut]
    next_cursor: str | None


class TimelineEntryOut(Schema):
    action: str
    label: str
    at: datetime
    status: str
    actor: str
    details: dict[str, object]


class ActionOut(Schema):
    """The outcome of an action: the new status, and the message if the caller still sees it."""

    action: str
    status: str
    message: MessageOut | None


def ref(obj: object | None) -> dict[str, str] | None:
    if obj is None:
        return None
    # Named objects (domain, kind, board, body) in the request's language.
    name = getattr(obj, "local_name", None) or obj.name  # type: ignore[attr-defined]
    return {"code": str(obj.code), "name": str(name)}  # type: ignore[attr-defined]


def summary(user: AnyUser, message: Message) -> dict[str, object]:
    """The list form of a message, with what the caller may do to it now."""
    return {
        "tracking_number": message.tracking_number,
        "status": message.status,
        "status_label": message.get_status_display(),
        "resolution": message.resolution,
        "board": ref(message.board),
        "domain": ref(message.domain),
        "kind": ref(message.kind),
        "title": message.public_title,
        "author_nickname": message.author_nickname,
        "published_at": message.published_at,
        "replied_at": message.replied_at,
        "current_due": message.current_due,
        "support_count": message.support_count,
        "available_actions": available_actions(user, message),
    }


def _reply(reply: Reply, staff: bool) -> dict[str, object]:
    return {
        "id": reply.pk,
        "kind": reply.kind,
        "organization": reply.organization.name,
        "body": reply.body if staff and reply.state != ReplyState.PUBLISHED else reply.public_body,
        "resolution": reply.resolution,
        "state": reply.state,
        "created_at": reply.created_at,
        "published_at": reply.published_at,
    }


def detail(user: AnyUser, message: Message) -> dict[str, object]:
    """The full form: public text, published replies (drafts too for staff), the original for insiders."""
    staff = permissions.is_insider(user, message)
    if staff:  # drafts and replies under review too
        replies = list(message.replies.select_related("organization").order_by("pk"))
    else:
        replies = published_replies(message, order="written")
    original = (
        {"title": message.title, "body": message.body, "location": message.location}
        if permissions.may_see_private(user, message)
        else None
    )
    return {
        **summary(user, message),
        "body": message.public_body,
        "location": message.public_location,
        "region": ref(message.region),
        "office": ref(message.office),
        "unit": ref(message.unit),
        "submitted_at": message.submitted_at,
        "closed_at": message.closed_at,
        "merged_into": message.canonical.tracking_number if message.canonical else None,
        "replies": [_reply(r, staff) for r in replies],
        "original": original,
        "images": [
            {
                "id": a.pk,
                "url": a.get_absolute_url(),
                "content_type": a.content_type,
                "width": a.width,
                "height": a.height,
                "state": a.state,
            }
            for a in images_for(user, message)
        ],
    }


def history(user: AnyUser, message: Message) -> list[dict[str, object]]:
    """The timeline, with private steps for staff only."""
    staff = permissions.is_insider(user, message)
    return [dict(entry) for entry in timeline(message, staff=staff)]
