"""Rating (评价), follow-up (回访), closing (办结) and reopening (重办)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from liuyanban.accounts.models import Role, User
from liuyanban.core.errors import (
    Conflict,
    InvalidInput,
)
from liuyanban.core.inputs import checked_text as _text
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import notice

from .. import events
from ..deadlines import due_date
from ..models import (
    POOR_SOLVED,
    AssignmentRole,
    AssignmentState,
    Evaluation,
    FollowUp,
    Message,
    Status,
    Step,
)
from ..redaction import author_identity, public_text
from ._base import _check, _lock, _notify_authors, _record, _staff_of, _today, _url

# ---------------------------------------------------------------------------
# Rating, follow-up, closing, reopening
# ---------------------------------------------------------------------------


def _scale(value: int, name: str, label: str) -> int:
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(fields={name: [_("%s请选择 1 到 5 分") % label]})
    return value


@transaction.atomic
def evaluate_message(
    *, actor: User, message_id: int, solved: int, attitude: int, speed: int, comment: str = ""
) -> Evaluation:
    """The author rates the final reply once; a good 解决程度 closes the message."""
    message = _lock(message_id)
    _check(actor, message, "evaluate")
    scores: events.EvaluateDetails = {
        "solved": _scale(solved, "solved", _("解决程度")),
        "attitude": _scale(attitude, "attitude", _("办理态度")),
        "speed": _scale(speed, "speed", _("办理速度")),
    }
    if len(comment) > 1000:
        raise InvalidInput(fields={"comment": [_("评价意见不能超过 1000 个字")]})
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                message=message,
                author=actor,
                comment=public_text(comment, author_identity(message)) if comment else "",
                created_at=timezone.now(),
                **scores,
            )
    except IntegrityError:
        raise Conflict(_("您已经评价过了")) from None
    before = message.status
    if message.status == Status.REPLIED and solved >= 3 and message.author_id == actor.pk:
        message.status = Status.CLOSED
        message.closed_at = timezone.now()
        message.save()
    _record(message=message, action="evaluate", from_status=before, actor=actor, details=scores)
    if solved <= POOR_SOLVED:
        notify(
            users=_staff_of(message.office, Role.CLERK),
            verb="poor_rating",
            text=notice(
                gettext_noop("留言“%s”的解决程度评价较低，可决定是否重办"), message.public_title
            ),
            message_id=message.pk,
            url=_url(message),
        )
    return evaluation


@transaction.atomic
def record_follow_up(
    *, actor: User, message_id: int, channel: str, date_: date, summary: str, satisfied: bool
) -> FollowUp:
    """The office records a follow-up (回访); a satisfied one closes a replied message."""
    message = _lock(message_id)
    _check(actor, message, "follow_up")
    from ..models import FollowUpChannel

    if channel not in FollowUpChannel.values:
        raise InvalidInput(fields={"channel": [_("请选择回访方式")]})
    if date_ > _today():
        raise InvalidInput(fields={"date": [_("回访日期不能晚于今天")]})
    summary = _text(summary, field_name="summary", label=_("回访情况"), min_len=2, max_len=2000)
    follow_up = FollowUp.objects.create(
        message=message,
        actor=actor,
        channel=channel,
        date=date_,
        summary=summary,
        satisfied=satisfied,
        created_at=timezone.now(),
    )
    before = message.status
    if satisfied and message.status == Status.REPLIED:
        message.status = Status.CLOSED
        message.closed_at = timezone.now()
        message.save()
    _record(
        message=message,
        action="follow_up",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={"channel": channel, "satisfied": satisfied},
        public=False,
    )
    return follow_up


@transaction.atomic
def close_message(*, actor: User, message_id: int) -> Message:
    """The office closes a replied message (办结)."""
    message = _lock(message_id)
    _check(actor, message, "close")
    before = message.status
    message.status = Status.CLOSED
    message.closed_at = timezone.now()
    message.save()
    _record(
        message=message, action="close", from_status=before, actor=actor, actor_org=message.office
    )
    return message


@transaction.atomic
def reopen_message(*, actor: User, message_id: int, reason: str) -> Message:
    """Reopen once for re-handling (重办) after a poor rating or follow-up, with a new deadline."""
    message = _lock(message_id)
    _check(actor, message, "reopen")
    reason = _text(reason, field_name="reason", label=_("重办理由"), min_len=4, max_len=1000)
    before = message.status
    message.status = Status.IN_HANDLING
    message.reopen_count += 1
    message.closed_at = None
    message.reply_due = due_date(
        start=_today(), organization=message.office, kind=message.kind, step=Step.REPLY
    )
    message.current_due = message.reply_due
    message.extension_used = False
    message.save()
    message.assignments.filter(state=AssignmentState.DONE, role=AssignmentRole.LEAD).update(
        state=AssignmentState.SIGNED
    )
    _record(
        message=message,
        action="reopen",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={"reason": reason, "due": message.reply_due.isoformat()},
    )
    _notify_authors(
        message, "reopened", notice(gettext_noop("您的留言“%s”已发回重办"), message.public_title)
    )
    notify(
        users=_staff_of(message.unit, Role.OFFICER),
        verb="reopened",
        text=notice(gettext_noop("留言发回重办：%s"), reason),
        message_id=message.pk,
        url=_url(message),
    )
    return message


@transaction.atomic
def request_rehandling(*, actor: User, message_id: int, reason: str) -> Message:
    """The dissatisfied author asks once for 重办: back to the office's queue with a new deadline."""
    message = _lock(message_id)
    _check(actor, message, "request_rehandling")
    reason = _text(reason, field_name="reason", label=_("重办理由"), min_len=4, max_len=1000)
    before = message.status
    message.status = Status.ACCEPTED
    message.reopen_count += 1
    message.closed_at = None
    message.unit = None
    message.extension_used = False
    # The office routes it again, and the re-handling has a reply deadline of its own.
    message.reply_due = due_date(
        start=_today(), organization=message.office, kind=message.kind, step=Step.REPLY
    )
    message.current_due = message.reply_due
    message.save()
    _record(
        message=message,
        action="request_rehandling",
        from_status=before,
        actor=actor,
        details={"reason": reason, "due": message.reply_due.isoformat()},
    )
    notify(
        users=_staff_of(message.office, Role.CLERK),
        verb="rehandling_requested",
        text=notice(
            gettext_noop("留言人申请重办“%(t)s”：%(r)s"), {"t": message.public_title, "r": reason}
        ),
        message_id=message.pk,
        url=_url(message),
    )
    return message
