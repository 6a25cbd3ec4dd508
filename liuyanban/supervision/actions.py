"""Supervision actions: orders (督办), responses, leaders' instructions (批示), rounds."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from liuyanban.accounts.models import Role, User
from liuyanban.accounts.selectors import has_role_over
from liuyanban.core.errors import InvalidInput, NotPermitted
from liuyanban.lifecycle.actions import (
    check_action,
    lock_message,
    message_url,
    record_event,
    staff_members,
)
from liuyanban.lifecycle.models import Message
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import label, notice
from liuyanban.organizations.models import Organization

from .models import Instruction, OrderLevel, RoundKind, SupervisionOrder, SupervisionRound


def _handlers(message: Message) -> list[User]:
    staff = staff_members(message.office, Role.CLERK)
    if message.unit is not None:
        staff += staff_members(message.unit, Role.OFFICER)
    return staff


@transaction.atomic
def issue_supervision(
    *,
    actor: User,
    message_id: int,
    level: str,
    note: str,
    response_due: date,
    round_id: int | None = None,
) -> SupervisionOrder:
    """Issue a supervision order on a message, with a required response date."""
    message = lock_message(message_id)
    check_action(actor, message, "supervise")
    if level not in OrderLevel.values:
        raise InvalidInput(fields={"level": [_("请选择督办级别")]})
    note = note.strip()
    if len(note) < 2:
        raise InvalidInput(fields={"note": [_("请填写督办意见")]})
    if response_due < timezone.localdate():
        raise InvalidInput(fields={"response_due": [_("反馈期限不能早于今天")]})
    round_ = None
    if round_id is not None:
        round_ = SupervisionRound.objects.filter(pk=round_id).first()
        if round_ is None or not has_role_over(actor, round_.organization, Role.SUPERVISOR):
            raise InvalidInput(fields={"round": [_("督查批次不存在")]})
    org = next(
        (
            o
            for o in (message.office, message.unit)
            if o and has_role_over(actor, o, Role.SUPERVISOR)
        ),
        message.office,
    )
    order = SupervisionOrder.objects.create(
        message=message,
        level=level,
        issued_by=actor,
        organization=org,
        round=round_,
        note=note[:2000],
        response_due=response_due,
        created_at=timezone.now(),
    )
    record_event(
        message=message,
        action="supervise",
        from_status=message.status,
        actor=actor,
        actor_org=org,
        details={"order": order.pk, "level": level, "response_due": response_due.isoformat()},
    )
    notify(
        users=_handlers(message),
        verb="supervision",
        text=notice(
            gettext_noop("%(l)s：%(t)s"),
            {"l": label(OrderLevel(level).label), "t": message.public_title},
        ),
        message_id=message.pk,
        url=message_url(message),
    )
    return order


@transaction.atomic
def respond_supervision(
    *, actor: User, message_id: int, order_id: int, response: str
) -> SupervisionOrder:
    """The handling side reports back on an order."""
    message = lock_message(message_id)
    check_action(actor, message, "respond_supervision")
    order = message.supervision_orders.filter(pk=order_id, responded_at__isnull=True).first()
    if order is None:
        raise InvalidInput(fields={"order": [_("督办单不存在或已反馈")]})
    response = response.strip()
    if len(response) < 4:
        raise InvalidInput(fields={"response": [_("请填写反馈情况")]})
    order.response = response[:4000]
    order.responded_at = timezone.now()
    order.save(update_fields=["response", "responded_at"])
    record_event(
        message=message,
        action="respond_supervision",
        from_status=message.status,
        actor=actor,
        details={"order": order.pk},
        public=False,
    )
    if order.issued_by:
        notify(
            users=[order.issued_by],
            verb="supervision_response",
            text=notice(gettext_noop("督办已反馈：%s"), message.public_title),
            message_id=message.pk,
            url=message_url(message),
        )
    return order


@transaction.atomic
def give_instruction(*, actor: User, message_id: int, text: str) -> Instruction:
    """A leader's instruction (批示) that travels with the message to its handlers."""
    message = lock_message(message_id)
    check_action(actor, message, "instruct")
    text = text.strip()
    if len(text) < 2:
        raise InvalidInput(fields={"text": [_("请填写批示内容")]})
    instruction = Instruction.objects.create(
        message=message, leader=actor, text=text[:2000], created_at=timezone.now()
    )
    record_event(
        message=message,
        action="instruct",
        from_status=message.status,
        actor=actor,
        details={"instruction": instruction.pk},
        public=False,
    )
    notify(
        users=_handlers(message),
        verb="instruction",
        text=notice(gettext_noop("领导批示：%s"), text[:100]),
        message_id=message.pk,
        url=message_url(message),
    )
    return instruction


@transaction.atomic
def create_round(
    *,
    actor: User,
    organization: Organization,
    name: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    description: str = "",
) -> SupervisionRound:
    """Open a supervision round (联合/年度/重点督查) for an organisation's scope."""
    if not has_role_over(actor, organization, Role.SUPERVISOR):
        raise NotPermitted()
    if kind not in RoundKind.values:
        raise InvalidInput(fields={"kind": [_("请选择督查类别")]})
    if not name.strip():
        raise InvalidInput(fields={"name": [_("请填写名称")]})
    if ends_on < starts_on:
        raise InvalidInput(fields={"ends_on": [_("结束日期不能早于开始日期")]})
    return SupervisionRound.objects.create(
        name=name.strip()[:100],
        kind=kind,
        organization=organization,
        created_by=actor,
        starts_on=starts_on,
        ends_on=ends_on,
        description=description.strip(),
    )
