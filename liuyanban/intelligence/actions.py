"""Staff decisions on the intelligence's suggestions; corrections become training data."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liuyanban.accounts.models import User
from liuyanban.accounts.selectors import is_staff_member
from liuyanban.core.errors import InvalidInput, NotFound, NotPermitted
from liuyanban.core.inputs import checked_text
from liuyanban.lifecycle import actions as lifecycle
from liuyanban.lifecycle.models import Message, Reply
from liuyanban.lifecycle.permissions import is_insider, is_triage
from liuyanban.lifecycle.selectors import get_message_for_user
from liuyanban.taxonomy.models import Domain, Kind

from .models import (
    NOTE_MAX,
    DuplicateLink,
    LinkState,
    Prediction,
    QualityFeedback,
    QualityVerdict,
)
from .replyquality import ReplyQuality


@transaction.atomic
def confirm_classification(
    *, actor: User, message_id: int, domain_code: str, kind_code: str | None = None
) -> Message:
    """Confirm or correct the suggested domain (and kind); the message changes through the lifecycle."""
    message = get_message_for_user(actor, pk=message_id)
    domain = Domain.objects.filter(code=domain_code, is_active=True).first()
    if domain is None:
        raise InvalidInput(fields={"domain": [_("请选择领域")]})
    kind = Kind.objects.filter(code=kind_code).first() if kind_code else None
    if kind_code and kind is None:
        raise InvalidInput(fields={"kind": [_("请选择类型")]})
    if domain.pk != message.domain_id or (kind and kind.pk != message.kind_id):
        message = lifecycle.reclassify_message(
            actor=actor,
            message_id=message.pk,
            domain_id=domain.pk,
            kind_id=kind.pk if kind else None,
        )
    elif not is_triage(actor, message):
        raise NotFound()
    now = timezone.now()
    Prediction.objects.filter(message=message, target="domain").update(
        confirmed_code=domain.code, confirmed_by=actor, confirmed_at=now
    )
    if kind is not None:
        Prediction.objects.filter(message=message, target="kind").update(
            confirmed_code=kind.code, confirmed_by=actor, confirmed_at=now
        )
    return message


@transaction.atomic
def dismiss_duplicate(*, actor: User, link_id: int) -> DuplicateLink:
    """Mark a suggested duplicate as not a duplicate."""
    link = DuplicateLink.objects.select_related("message").filter(pk=link_id).first()
    if link is None:
        raise NotFound()
    message = get_message_for_user(actor, pk=link.message_id)
    if not is_triage(actor, message):
        raise NotFound()
    link.state = LinkState.DISMISSED
    link.save(update_fields=["state"])
    return link


# ---------------------------------------------------------------------------
# Feedback: staff mark a reply-quality score as wrong (hot issues: ``hot.actions``)
# ---------------------------------------------------------------------------


def quality_scores(quality: ReplyQuality) -> dict[str, Any]:
    """The scores as shown on the page, for storing with a mark."""
    return {
        "overall": quality.overall,
        "relevance": quality.relevance,
        "completeness": quality.completeness,
        "interpretability": quality.interpretability,
        "timeliness": quality.timeliness,
        "perfunctory": quality.perfunctory,
        "missing": list(quality.missing),
    }


@transaction.atomic
def record_quality_feedback(
    *,
    actor: User,
    message_id: int,
    verdict: str,
    quality: ReplyQuality,
    reply_id: int | None = None,
    text: str = "",
    note: str = "",
) -> QualityFeedback:
    """Keep a staff member's mark that a reply-quality score is wrong, with the scores shown."""
    if not is_staff_member(actor):
        raise NotFound()
    message = get_message_for_user(actor, pk=message_id)
    # Seeing a message (an analyst does) is not handling it: marks come from its handlers.
    if not is_insider(actor, message):
        raise NotPermitted(_("只有办理本留言的工作人员可以对回复评分提出纠错"))
    reply = None
    if reply_id is not None:
        reply = Reply.objects.filter(pk=reply_id, message=message).first()
        if reply is None:
            raise NotFound()
    if verdict not in QualityVerdict.values:
        raise InvalidInput(fields={"verdict": [_("请选择问题类型")]})
    return QualityFeedback.objects.create(
        message=message,
        reply=reply,
        text="" if reply else text[:5000],
        scores=quality_scores(quality),
        user=actor,
        verdict=verdict,
        note=checked_text(note, field_name="note", label=_("说明"), min_len=0, max_len=NOTE_MAX),
    )
