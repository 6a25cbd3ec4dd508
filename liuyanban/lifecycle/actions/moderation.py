"""Moderation (审核): approve, reject, merge, edit the public text, reclassify."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from liuyanban.accounts.models import User
from liuyanban.core import jobs
from liuyanban.core.errors import (
    InvalidInput,
)
from liuyanban.core.inputs import checked_text as _text
from liuyanban.core.inputs import set_public_text
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import notice
from liuyanban.taxonomy.models import Domain, Kind

from .. import events
from ..deadlines import due_date
from ..models import (
    MERGE_TARGET_STATUSES,
    Attachment,
    AttachmentState,
    Message,
    Resolution,
    Status,
    Step,
)
from ._base import BODY_MAX, TITLE_MAX, _check, _lock, _notify_authors, _record, _today, _url

# ---------------------------------------------------------------------------
# Moderation
# ---------------------------------------------------------------------------


def _set_public(message: Message, title: str | None, body: str | None) -> events.EditPublicDetails:
    """Set the public text; its search index follows in the worker (``tasks.index_for_search``,
    recorded in this transaction: segmentation is no part of the moderator's request)."""
    from ..tasks import index_for_search

    changed = set_public_text(
        message, title=title, body=body, title_max=TITLE_MAX, body_max=BODY_MAX + 500
    )
    jobs.record(index_for_search, message.pk)
    return changed


ImageDecisions = Mapping[int, str]
DECIDED = (AttachmentState.PUBLISHED, AttachmentState.WITHHELD)


def _decide_images(message: Message, decisions: ImageDecisions) -> events.ModerateImagesDetails:
    """Set each named image's state; the event's details list what went which way."""
    if not decisions:
        return {}  # nothing named: nothing to read, lock or change
    images = {a.pk: a for a in Attachment.objects.select_for_update().filter(message=message)}
    unknown = [pk for pk in decisions if pk not in images]
    bad = [state for state in decisions.values() if state not in DECIDED]
    if unknown or bad:
        raise InvalidInput(fields={"images": [_("图片不存在或审核结果无效")]})
    now = timezone.now()
    published: list[int] = []
    withheld: list[int] = []
    for pk, state in sorted(decisions.items()):
        image = images[pk]
        image.state, image.moderated_at = state, now
        image.save(update_fields=["state", "moderated_at"])
        (published if state == AttachmentState.PUBLISHED else withheld).append(pk)
    out: events.ModerateImagesDetails = {}
    if published:
        out["images_published"] = published
    if withheld:
        out["images_withheld"] = withheld
    return out


@transaction.atomic
def approve_message(
    *,
    actor: User,
    message_id: int,
    public_title: str | None = None,
    public_body: str | None = None,
    images: ImageDecisions | None = None,
) -> Message:
    """Publish a message (审核通过), with the moderator's final public version.

    ``images`` maps attachment ids to "published" or "withheld"; images not named stay
    pending (bulk approval never publishes an image the moderator has not looked at).
    """
    message = _lock(message_id)
    _check(actor, message, "approve")
    before = message.status
    # Every job the approval records (search index, hot issue, e-mail, fold) in one INSERT.
    with jobs.batch():
        edits: events.ApproveDetails = {
            **_set_public(message, public_title, public_body),
            **_decide_images(message, images or {}),
        }
        today = _today()
        message.status = Status.PUBLISHED
        message.published_at = timezone.now()
        message.accept_due = due_date(
            start=today, organization=message.office, kind=message.kind, step=Step.ACCEPT
        )
        message.current_due = message.accept_due
        message.save()
        _record(message=message, action="approve", from_status=before, actor=actor, details=edits)
        _notify_authors(
            message,
            "published",
            notice(gettext_noop("您的留言“%s”已通过审核并公开"), message.public_title),
        )
    return message


@transaction.atomic
def reject_message(*, actor: User, message_id: int, reason: str) -> Message:
    """Reject a message with a reason the author sees (审核不通过)."""
    message = _lock(message_id)
    _check(actor, message, "reject")
    reason = _text(reason, field_name="reason", label=_("理由"), min_len=2, max_len=500)
    before = message.status
    message.status = Status.REJECTED
    message.resolution = Resolution.REJECTED
    # A rejected message is never public, so neither are its images.
    message.attachments.filter(state=AttachmentState.PENDING).update(
        state=AttachmentState.WITHHELD, moderated_at=timezone.now()
    )
    message.current_due = None
    message.closed_at = timezone.now()
    message.save()
    _record(
        message=message,
        action="reject",
        from_status=before,
        actor=actor,
        details={"reason": reason},
        public=False,
    )
    _notify_authors(
        message,
        "rejected",
        notice(gettext_noop("您的留言“%(t)s”未通过审核：%(r)s"), {"t": message.title, "r": reason}),
    )
    return message


@transaction.atomic
def merge_message(*, actor: User, message_id: int, into_id: int) -> Message:
    """Merge a duplicate into a canonical message; its author follows the canonical one."""
    if message_id == into_id:
        raise InvalidInput(fields={"into": [_("不能合并到自身")]})
    message = _lock(message_id)
    _check(actor, message, "merge")
    target = Message.objects.select_related("board__organization").filter(pk=into_id).first()
    if target is None or target.status not in MERGE_TARGET_STATUSES or target.canonical_id:
        raise InvalidInput(fields={"into": [_("只能合并到已公开的留言")]})
    before = message.status
    message.status = Status.MERGED
    message.canonical = target
    message.resolution = Resolution.DUPLICATE
    message.current_due = None
    message.save()
    _record(
        message=message,
        action="merge",
        from_status=before,
        actor=actor,
        details={"into": target.tracking_number},
    )
    notify(
        users=[message.author],
        verb="merged",
        text=notice(
            gettext_noop("您的留言与“%s”内容相同，已合并办理，您可以查看其回复并评价"),
            target.public_title,
        ),
        message_id=target.pk,
        url=_url(target),
    )
    return message


@transaction.atomic
def edit_public_text(
    *, actor: User, message_id: int, public_title: str | None = None, public_body: str | None = None
) -> Message:
    """Change the public version later (e.g. personal data found after publishing)."""
    message = _lock(message_id)
    _check(actor, message, "edit_public")
    edits = _set_public(message, public_title, public_body)
    message.save()
    _record(
        message=message,
        action="edit_public",
        from_status=message.status,
        actor=actor,
        details=edits,
        public=False,
    )
    return message


@transaction.atomic
def reclassify_message(
    *, actor: User, message_id: int, domain_id: int | None = None, kind_id: int | None = None
) -> Message:
    """Correct the domain or kind (e.g. after checking the classifier's suggestion)."""
    message = _lock(message_id)
    _check(actor, message, "reclassify")
    details: events.ReclassifyDetails = {}
    if domain_id is not None and domain_id != message.domain_id:
        domain = Domain.objects.filter(pk=domain_id, is_active=True).first()
        if domain is None:
            raise InvalidInput(fields={"domain": [_("请选择领域")]})
        details["domain"] = [message.domain.code, domain.code]
        message.domain = domain
    if kind_id is not None and kind_id != message.kind_id:
        kind = Kind.objects.filter(pk=kind_id).first()
        if kind is None:
            raise InvalidInput(fields={"kind": [_("请选择类型")]})
        details["kind"] = [message.kind.code, kind.code]
        message.kind = kind
    message.save()
    _record(
        message=message,
        action="reclassify",
        from_status=message.status,
        actor=actor,
        details=details,
        public=False,
    )
    return message


@transaction.atomic
def moderate_images(*, actor: User, message_id: int, decisions: ImageDecisions) -> Message:
    """Publish or withhold a message's images one by one (审核图片), before or after approval."""
    message = _lock(message_id)
    _check(actor, message, "moderate_images")
    if not decisions:
        raise InvalidInput(fields={"images": [_("请至少选择一张图片的审核结果")]})
    details = _decide_images(message, decisions)
    _record(
        message=message,
        action="moderate_images",
        from_status=message.status,
        actor=actor,
        details=details,
        public=False,
    )
    return message
