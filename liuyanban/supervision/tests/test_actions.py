"""Supervision actions: orders, responses, instructions and rounds — their rows, events and notices."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from liuyanban.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from liuyanban.lifecycle.models import Event, Status
from liuyanban.notifications.models import Notification
from liuyanban.supervision import actions
from liuyanban.supervision.models import OrderLevel, RoundKind, SupervisionOrder
from liuyanban.testing.world import World, today


def _issue(world: World, message_id: int, **over: object) -> SupervisionOrder:
    values: dict[str, object] = {
        "actor": world.sam,
        "message_id": message_id,
        "level": OrderLevel.values[0],
        "note": "请加快办理并反馈进展",
        "response_due": today() + timedelta(days=5),
    }
    values.update(over)
    return actions.issue_supervision(**values)  # type: ignore[arg-type]


def test_an_order_is_recorded_once_and_its_handlers_are_told(world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    order = _issue(world, m.pk)
    assert order.issued_by == world.sam and order.responded_at is None
    assert order.organization in (world.east, world.east_housing, world.province)
    event = Event.objects.get(message=m, action="supervise")
    assert event.details["order"] == order.pk and event.actor == world.sam
    told = set(
        Notification.objects.filter(verb="supervision").values_list("user__username", flat=True)
    )
    assert told == {"olga", "uma"}  # the office's clerk and the unit's officer
    m.refresh_from_db()
    assert m.status == Status.IN_HANDLING  # supervision never moves the message


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"level": "purple"}, "level"),
        ({"note": " "}, "note"),
        ({"response_due": date(2000, 1, 1)}, "response_due"),
        ({"round_id": 999999}, "round"),
    ],
)
def test_bad_orders_are_refused_next_to_their_field(
    world: World, over: dict[str, object], field: str
) -> None:
    m = world.message_in(Status.IN_HANDLING)
    with pytest.raises(InvalidInput) as exc:
        _issue(world, m.pk, **over)
    assert field in exc.value.fields
    assert not SupervisionOrder.objects.exists()
    assert not Event.objects.filter(action="supervise").exists()


def test_only_supervisors_issue_orders(world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    with pytest.raises(NotPermitted):
        _issue(world, m.pk, actor=world.olga)
    hidden = world.message_in(Status.SUBMITTED, title="东区幸福路尚未公开的留言")
    with pytest.raises(NotFound):  # not yet public and not theirs: the same as missing
        _issue(world, hidden.pk, actor=world.wanda)


def test_the_handling_side_responds_once_and_the_issuer_is_told(world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    order = _issue(world, m.pk)
    with pytest.raises(InvalidInput) as exc:
        actions.respond_supervision(
            actor=world.uma, message_id=m.pk, order_id=order.pk, response="好"
        )
    assert "response" in exc.value.fields
    actions.respond_supervision(
        actor=world.uma, message_id=m.pk, order_id=order.pk, response="已约谈施工方，本周内修复"
    )
    order.refresh_from_db()
    assert order.responded_at is not None and order.response.startswith("已约谈")
    assert Notification.objects.filter(user=world.sam, verb="supervision_response").count() == 1
    assert Event.objects.filter(message=m, action="respond_supervision", is_public=False).exists()
    with pytest.raises(Conflict):  # no order is open any more
        actions.respond_supervision(
            actor=world.uma, message_id=m.pk, order_id=order.pk, response="再次反馈的内容"
        )


def test_a_leaders_instruction_travels_to_the_handlers(world: World) -> None:
    m = world.message_in(Status.ASSIGNED)
    with pytest.raises(InvalidInput):
        actions.give_instruction(actor=world.leo, message_id=m.pk, text=" ")
    instruction = actions.give_instruction(
        actor=world.leo, message_id=m.pk, text="请住建局三日内到现场核实"
    )
    assert instruction.leader == world.leo
    told = set(
        Notification.objects.filter(verb="instruction").values_list("user__username", flat=True)
    )
    assert told == {"olga", "uma"}
    with pytest.raises(NotPermitted):
        actions.give_instruction(actor=world.olga, message_id=m.pk, text="越权批示内容")


def test_rounds_are_opened_by_supervisors_over_their_scope(world: World) -> None:
    start = today()
    new = actions.create_round(
        actor=world.sam,
        organization=world.east,
        name="  2025年路灯专项督查 ",
        kind=RoundKind.values[0],
        starts_on=start,
        ends_on=start + timedelta(days=30),
    )
    assert new.name == "2025年路灯专项督查" and new.created_by == world.sam
    with pytest.raises(NotPermitted):
        actions.create_round(
            actor=world.olga,
            organization=world.east,
            name="越权批次",
            kind=RoundKind.values[0],
            starts_on=start,
            ends_on=start,
        )
    with pytest.raises(InvalidInput) as exc:
        actions.create_round(
            actor=world.sam,
            organization=world.east,
            name="日期颠倒",
            kind=RoundKind.values[0],
            starts_on=start,
            ends_on=start - timedelta(days=1),
        )
    assert "ends_on" in exc.value.fields
