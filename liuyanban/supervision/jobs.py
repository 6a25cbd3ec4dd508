"""The deadline job: near-deadline warnings, reminders and yellow/red notices, once each.

Idempotent by construction: an escalation is a row unique on (message, deadline,
level); the job inserts it and notifies only if its own insert succeeded, so any
number of runs — even two at the same moment — record and send each one once.
A changed deadline (extension, reopen) is a new deadline and escalates afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_noop

from liuyanban.accounts.models import Role, User
from liuyanban.lifecycle.actions import record_event, staff_members
from liuyanban.lifecycle.deadlines import level_cutoff, warning_days
from liuyanban.lifecycle.models import OPEN_STATUSES, Message
from liuyanban.lifecycle.workdays import add_working_days
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import notice

from .models import Escalation, EscalationLevel

LEVELS = [EscalationLevel.RED, EscalationLevel.YELLOW, EscalationLevel.REMINDER]
# Message keys: rendered in each reader's language (``notifications.texts``).
LABEL = {
    EscalationLevel.WARNING: gettext_noop("临期预警"),
    EscalationLevel.REMINDER: gettext_noop("催办"),
    EscalationLevel.YELLOW: gettext_noop("黄牌督办"),
    EscalationLevel.RED: gettext_noop("红牌督办"),
}


@dataclass
class JobReport:
    """What one run recorded, per level."""

    created: dict[str, int] = field(default_factory=dict)

    def add(self, level: str) -> None:
        self.created[level] = self.created.get(level, 0) + 1


def _candidates(today: date, level: str) -> list[Message]:
    """Open messages at ``level`` today that have not been escalated to it for this deadline."""
    base = Message.objects.filter(status__in=OPEN_STATUSES, current_due__isnull=False)
    if level == EscalationLevel.WARNING:
        qs = base.filter(
            current_due__gte=today, current_due__lte=add_working_days(today, warning_days())
        )
    else:
        qs = base.filter(current_due__lt=level_cutoff(today, level))
    done = Escalation.objects.filter(
        message=OuterRef("pk"), level=level, due_date=OuterRef("current_due")
    )
    return list(qs.filter(~Exists(done)).select_related("office", "unit").order_by("pk"))


def _recipients(message: Message, level: str) -> list[User]:
    people = staff_members(message.unit, Role.OFFICER, Role.CLERK) if message.unit else []
    if level != EscalationLevel.WARNING or message.unit is None:
        people += staff_members(message.office, Role.CLERK)
    if level in (EscalationLevel.YELLOW, EscalationLevel.RED):
        # Supervisors anywhere above the office see yellow and red notices.
        people += list(
            User.objects.filter(
                memberships__role=Role.SUPERVISOR,
                memberships__organization__path__in=message.office.ancestors_paths(),
                is_active=True,
            ).distinct()
        )
    return people


def _escalate(message: Message, level: str, now_org_due: date, *, announce: bool = True) -> bool:
    """Insert the escalation row; True only for the run whose insert won.

    ``announce=False`` records a level that a higher one overtook in the same run: the
    row keeps the job idempotent, but the timeline and the staff get one notice, the highest.
    """
    try:
        with transaction.atomic():
            Escalation.objects.create(
                message=message,
                level=level,
                due_date=now_org_due,
                organization=message.unit or message.office,
                created_at=timezone.now(),
            )
            if announce:
                record_event(
                    message=message,
                    action="escalate",
                    from_status=message.status,
                    actor=None,
                    details={"level": level, "due": now_org_due.isoformat()},
                    public=False,
                )
    except IntegrityError:
        return False
    if announce:
        notify(
            users=_recipients(message, level),
            verb=f"deadline_{level}",
            text=notice(
                gettext_noop("%(l)s：留言“%(t)s”办理期限 %(d)s"),
                {
                    "l": notice(LABEL[EscalationLevel(level)]),
                    "t": message.public_title,
                    "d": now_org_due.isoformat(),
                },
            ),
            message_id=message.pk,
            url=f"/messages/{message.tracking_number}/",
        )
    return True


def run_deadline_job(today: date | None = None) -> JobReport:
    """Record and announce every escalation due on ``today``; safe to run any number of times.

    Highest level first: a message found ten working days late in one run gets one red
    notice, and its reminder and yellow rows are recorded without a notice of their own.
    """
    today = today or timezone.localdate()
    report = JobReport()
    announced: set[int] = set()
    for level in [*LEVELS, EscalationLevel.WARNING]:
        for message in _candidates(today, level):
            assert message.current_due is not None
            if _escalate(message, level, message.current_due, announce=message.pk not in announced):
                report.add(level)
                announced.add(message.pk)
    return report
