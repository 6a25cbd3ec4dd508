"""Routing: accept (受理), transfer (转办), assign (交办), sign (签收), return (退回)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import F
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

from ..deadlines import due_date
from ..models import (
    Assignment,
    AssignmentMode,
    AssignmentRole,
    AssignmentState,
    Message,
    Status,
    Step,
)
from ._base import _check, _lock, _notify_authors, _record, _staff_of, _today, _url

# ---------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------


def _start_reply_clock(message: Message) -> None:
    """The final-reply deadline starts when the office takes the message on."""
    if message.reply_due is None:
        message.reply_due = due_date(
            start=_today(), organization=message.office, kind=message.kind, step=Step.REPLY
        )
    message.current_due = message.reply_due


@transaction.atomic
def accept_message(*, actor: User, message_id: int) -> Message:
    """The office accepts the message (受理); the reply deadline starts."""
    message = _lock(message_id)
    _check(actor, message, "accept")
    before = message.status
    message.status = Status.ACCEPTED
    message.accepted_at = timezone.now()
    _start_reply_clock(message)
    message.save()
    _record(
        message=message, action="accept", from_status=before, actor=actor, actor_org=message.office
    )
    _notify_authors(
        message, "accepted", notice(gettext_noop("您的留言“%s”已受理"), message.public_title)
    )
    return message


def _check_target(org_id: int, *, label: str) -> Organization:
    org = Organization.objects.filter(pk=org_id, is_active=True).first()
    if org is None:
        raise InvalidInput(fields={label: [_("机构不存在或已停用")]})
    return org


def _assignment_due(message: Message, due: date | None) -> date:
    assert message.reply_due is not None
    if due is None:
        return message.reply_due
    if due < _today():
        raise InvalidInput(fields={"due_date": [_("办理期限不能早于今天")]})
    return due


@transaction.atomic
def transfer_message(
    *, actor: User, message_id: int, to_org_id: int, requirements: str = "", due: date | None = None
) -> Message:
    """Hand the message over to another body (转办), which takes it over once it signs."""
    message = _lock(message_id)
    _check(actor, message, "transfer")
    target = _check_target(to_org_id, label="to_org")
    if target.pk == message.office_id:
        raise InvalidInput(fields={"to_org": [_("不能转办给本单位")]})
    before = message.status
    if message.accepted_at is None:
        message.accepted_at = timezone.now()
    _start_reply_clock(message)
    assignment = Assignment.objects.create(
        message=message,
        mode=AssignmentMode.TRANSFER,
        from_org=message.office,
        to_org=target,
        requirements=requirements.strip(),
        due_date=_assignment_due(message, due),
        created_by=actor,
        created_at=timezone.now(),
    )
    message.status = Status.ASSIGNED
    message.unit = target
    message.current_due = assignment.due_date
    message.transfer_count = F("transfer_count") + 1
    message.save()
    message.refresh_from_db(fields=["transfer_count"])
    _record(
        message=message,
        action="transfer",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={"to": target.name, "to_code": target.code, "due": assignment.due_date.isoformat()},
    )
    _notify_new_work(message, [target])
    return message


@transaction.atomic
def assign_message(
    *,
    actor: User,
    message_id: int,
    lead_id: int,
    assist_ids: Sequence[int] = (),
    requirements: str = "",
    due: date | None = None,
) -> Message:
    """Assign to a unit (交办), optionally with assisting units (主办/协办); the office keeps watching."""
    message = _lock(message_id)
    _check(actor, message, "assign")
    lead = _check_target(lead_id, label="lead")
    assists = [_check_target(i, label="assist") for i in dict.fromkeys(assist_ids) if i != lead_id]
    before = message.status
    if message.accepted_at is None:
        message.accepted_at = timezone.now()
    _start_reply_clock(message)
    deadline = _assignment_due(message, due)
    now = timezone.now()
    for org, role in [(lead, AssignmentRole.LEAD), *[(a, AssignmentRole.ASSIST) for a in assists]]:
        Assignment.objects.create(
            message=message,
            mode=AssignmentMode.ASSIGN,
            role=role,
            from_org=message.office,
            to_org=org,
            requirements=requirements.strip(),
            due_date=deadline,
            created_by=actor,
            created_at=now,
        )
    message.status = Status.ASSIGNED
    message.unit = lead
    message.current_due = deadline
    message.save()
    _record(
        message=message,
        action="assign",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={
            "lead": lead.name,
            "lead_code": lead.code,
            "assist": [a.name for a in assists],
            "due": deadline.isoformat(),
        },
    )
    _notify_new_work(message, [lead, *assists])
    return message


def _notify_new_work(message: Message, orgs: list[Organization]) -> None:
    staff = [u for org in orgs for u in _staff_of(org, Role.OFFICER, Role.CLERK)]
    notify(
        users=staff,
        verb="new_work",
        text=notice(gettext_noop("新的待办留言：%s"), message.public_title),
        message_id=message.pk,
        url=_url(message),
    )
    _notify_authors(
        message,
        "routed",
        notice(
            gettext_noop("您的留言“%(t)s”已转交 %(o)s 办理"),
            {"t": message.public_title, "o": orgs[0].name},
        ),
    )


def _lead_assignment(message: Message) -> Assignment:
    assignment = (
        message.assignments.filter(to_org=message.unit, role=AssignmentRole.LEAD)
        .exclude(state__in=[AssignmentState.RETURNED, AssignmentState.CANCELLED])
        .order_by("-id")
        .first()
    )
    if assignment is None:
        raise InvalidTransition()
    return assignment


@transaction.atomic
def sign_message(*, actor: User, message_id: int) -> Message:
    """The unit signs for the message (签收) and starts handling it."""
    message = _lock(message_id)
    _check(actor, message, "sign")
    assignment = _lead_assignment(message)
    before = message.status
    assignment.state = AssignmentState.SIGNED
    assignment.signed_at = timezone.now()
    assignment.save(update_fields=["state", "signed_at"])
    if assignment.mode == AssignmentMode.TRANSFER:
        # A transfer hands the whole message over: the new body is now the office too.
        message.office = assignment.to_org
    message.status = Status.IN_HANDLING
    message.save()
    _record(message=message, action="sign", from_status=before, actor=actor, actor_org=message.unit)
    return message


@transaction.atomic
def return_message(*, actor: User, message_id: int, reason: str) -> Message:
    """The unit returns the message as not theirs (退回), back to the office to route again."""
    message = _lock(message_id)
    _check(actor, message, "return")
    reason = _text(reason, field_name="reason", label=_("退回理由"), min_len=4, max_len=500)
    assignment = _lead_assignment(message)
    before = message.status
    unit = message.unit
    now = timezone.now()
    message.assignments.filter(state__in=[AssignmentState.PENDING, AssignmentState.SIGNED]).update(
        state=AssignmentState.RETURNED, returned_at=now
    )
    Assignment.objects.filter(pk=assignment.pk).update(return_reason=reason)
    message.office = assignment.from_org
    message.unit = None
    message.status = Status.ACCEPTED
    message.return_count = message.return_count + 1
    # The office must route it again within the accept rule.
    message.current_due = due_date(
        start=_today(), organization=message.office, kind=message.kind, step=Step.ACCEPT
    )
    message.save()
    _record(
        message=message,
        action="return",
        from_status=before,
        actor=actor,
        actor_org=unit,
        details={
            "reason": reason,
            "from": unit.name if unit else "",
            "repeated": message.return_count > 1,
        },
    )
    notify(
        users=_staff_of(message.office, Role.CLERK),
        verb="returned",
        text=notice(
            gettext_noop("留言“%(t)s”被退回：%(r)s"), {"t": message.public_title, "r": reason}
        ),
        message_id=message.pk,
        url=_url(message),
    )
    return message
