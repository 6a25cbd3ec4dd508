"""Replies: interim and final, and the office review before publishing."""

from __future__ import annotations

from typing import Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from liuyanban.accounts.models import Role, User
from liuyanban.core.errors import (
    InvalidInput,
    InvalidTransition,
)
from liuyanban.core.inputs import checked_text as _text
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import notice
from liuyanban.organizations.models import Organization

from .. import events
from ..models import (
    AssignmentState,
    Message,
    Reply,
    ReplyKind,
    ReplyState,
    Resolution,
    Status,
)
from ..redaction import author_identity, public_reply_text
from ._base import _check, _lock, _notify_authors, _record, _staff_of, _url

# ---------------------------------------------------------------------------
# Replies
# ---------------------------------------------------------------------------


def _reply_text(body: str) -> str:
    return _text(body, field_name="body", label=_("回复内容"), min_len=10, max_len=5000)


@transaction.atomic
def reply_interim(*, actor: User, message_id: int, body: str) -> Reply:
    """Publish an interim reply (阶段性回复); the message stays in handling."""
    message = _lock(message_id)
    _check(actor, message, "reply_interim")
    text = _reply_text(body)
    now = timezone.now()
    reply = Reply.objects.create(
        message=message,
        organization=message.unit or message.office,
        author=actor,
        kind=ReplyKind.INTERIM,
        body=text,
        public_body=public_reply_text(text, author_identity(message)),
        state=ReplyState.PUBLISHED,
        created_at=now,
        published_at=now,
    )
    if message.first_reply_at is None:
        message.first_reply_at = now
        message.save(update_fields=["first_reply_at", "updated_at"])
    _record(
        message=message,
        action="reply_interim",
        from_status=message.status,
        actor=actor,
        actor_org=reply.organization,
        details={"reply": reply.pk},
    )
    _notify_authors(
        message,
        "interim_reply",
        notice(gettext_noop("您的留言“%s”有了阶段性回复"), message.public_title),
    )
    return reply


@transaction.atomic
def reply_final(*, actor: User, message_id: int, body: str, resolution: str) -> Reply:
    """Write the final reply (正式回复); published now, or after the office's review."""
    message = _lock(message_id)
    _check(actor, message, "reply_final")
    text = _reply_text(body)
    valid = {r.value for r in Resolution} - {"", Resolution.REJECTED}
    if resolution not in valid:
        raise InvalidInput(fields={"resolution": [_("请选择办理结果")]})
    needs_review = message.office.requires_reply_review()
    now = timezone.now()
    reply = Reply.objects.create(
        message=message,
        organization=message.unit or message.office,
        author=actor,
        kind=ReplyKind.FINAL,
        body=text,
        public_body=public_reply_text(text, author_identity(message)),
        resolution=resolution,
        state=ReplyState.PENDING_REVIEW if needs_review else ReplyState.PUBLISHED,
        created_at=now,
        published_at=None if needs_review else now,
    )
    before = message.status
    if needs_review:
        message.status = Status.REVIEWING
        message.save()
        _record(
            message=message,
            action="reply_final",
            from_status=before,
            actor=actor,
            actor_org=reply.organization,
            details={"reply": reply.pk, "review": True},
            public=False,
        )
        notify(
            users=_staff_of(message.office, Role.CLERK),
            verb="review",
            text=notice(gettext_noop("待审核的回复：%s"), message.public_title),
            message_id=message.pk,
            url=_url(message),
        )
    else:
        _publish_final(
            message, reply, action="reply_final", actor=actor, actor_org=reply.organization
        )
    return reply


def _publish_final(
    message: Message,
    reply: Reply,
    *,
    action: Literal["reply_final", "approve_reply"],
    actor: User,
    actor_org: Organization | None,
) -> None:
    """The final reply becomes the answer: the message is replied, one event, authors told.

    The one path for both ways a final reply goes public (sent without review, or
    approved by the office).
    """
    before = message.status
    now = timezone.now()
    message.status = Status.REPLIED
    message.resolution = reply.resolution
    message.replied_at = now
    if message.first_reply_at is None:
        message.first_reply_at = now
    message.current_due = None
    message.save()
    message.assignments.filter(state=AssignmentState.SIGNED).update(state=AssignmentState.DONE)
    published: events.PublishedReplyDetails = {"reply": reply.pk, "resolution": reply.resolution}
    _record(
        message=message,
        action=action,
        from_status=before,
        actor=actor,
        actor_org=actor_org,
        details=published,
    )
    _notify_authors(
        message,
        "replied",
        notice(gettext_noop("您的留言“%s”已正式回复，欢迎评价"), message.public_title),
    )


def _pending_reply(message: Message) -> Reply:
    reply = (
        message.replies.filter(kind=ReplyKind.FINAL, state=ReplyState.PENDING_REVIEW)
        .order_by("-id")
        .first()
    )
    if reply is None:
        raise InvalidTransition()
    return reply


@transaction.atomic
def approve_reply(*, actor: User, message_id: int, public_body: str | None = None) -> Reply:
    """The office approves the final reply, which becomes public."""
    message = _lock(message_id)
    _check(actor, message, "approve_reply")
    reply = _pending_reply(message)
    if public_body is not None:
        reply.public_body = _reply_text(public_body)
    reply.state = ReplyState.PUBLISHED
    reply.published_at = timezone.now()
    reply.reviewed_by = actor
    reply.save()
    _publish_final(message, reply, action="approve_reply", actor=actor, actor_org=message.office)
    return reply


@transaction.atomic
def send_back_reply(*, actor: User, message_id: int, comment: str) -> Reply:
    """The office sends the final reply back to the unit with comments."""
    message = _lock(message_id)
    _check(actor, message, "send_back_reply")
    comment = _text(comment, field_name="comment", label=_("修改意见"), min_len=2, max_len=1000)
    reply = _pending_reply(message)
    reply.state = ReplyState.SENT_BACK
    reply.review_comment = comment
    reply.reviewed_by = actor
    reply.save()
    before = message.status
    message.status = Status.IN_HANDLING
    message.save()
    _record(
        message=message,
        action="send_back_reply",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={"reply": reply.pk, "comment": comment},
        public=False,
    )
    notify(
        users=_staff_of(message.unit, Role.OFFICER),
        verb="sent_back",
        text=notice(gettext_noop("回复被退回修改：%s"), comment),
        message_id=message.pk,
        url=_url(message),
    )
    return reply
