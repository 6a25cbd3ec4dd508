"""Supervision reads: scoped to the supervisor, newest orders first, round progress counted."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser

from liuyanban.lifecycle.models import Status
from liuyanban.supervision import actions, selectors
from liuyanban.supervision.models import OrderLevel, RoundKind
from liuyanban.testing.world import World, today


def test_orders_rounds_and_progress(world: World) -> None:
    start = today()
    round_ = actions.create_round(
        actor=world.sam,
        organization=world.east,
        name="路灯专项督查",
        kind=RoundKind.values[0],
        starts_on=start,
        ends_on=start + timedelta(days=30),
    )
    first = world.message_in(Status.IN_HANDLING)
    second = world.message_in(Status.IN_HANDLING, title="东区幸福路第二条留言标题")
    orders = [
        actions.issue_supervision(
            actor=world.sam,
            message_id=m.pk,
            level=OrderLevel.values[0],
            note="请尽快办理",
            response_due=start + timedelta(days=3),
            round_id=round_.pk,
        )
        for m in (first, second)
    ]
    actions.respond_supervision(
        actor=world.uma, message_id=first.pk, order_id=orders[0].pk, response="已安排维修"
    )
    assert list(selectors.orders_issued_by(world.sam)) == orders[::-1]  # newest first
    assert not selectors.orders_issued_by(world.olga).exists()
    assert not selectors.orders_issued_by(AnonymousUser()).exists()
    assert list(selectors.open_orders(first)) == []
    assert list(selectors.open_orders(second)) == [orders[1]]
    assert list(selectors.orders_of(second)) == [orders[1]]

    progress = selectors.round_progress(world.sam, round_.pk)
    assert progress is not None
    assert (progress.orders, progress.answered, progress.messages, progress.closed) == (2, 1, 2, 0)
    assert selectors.round_progress(world.olga, round_.pk) is None
    assert [r.round for r in selectors.rounds_for(world.sam)] == [round_]
    assert list(selectors.supervisor_organizations(world.sam)) == [world.province]
    assert not selectors.supervisor_organizations(world.olga).exists()


def test_instructions_and_escalations_of_a_message(world: World) -> None:
    m = world.message_in(Status.ASSIGNED)
    a = actions.give_instruction(actor=world.leo, message_id=m.pk, text="请三日内核实")
    b = actions.give_instruction(actor=world.leo, message_id=m.pk, text="核实后向我报告")
    assert list(selectors.instructions_of(m)) == [a, b]
    assert not selectors.escalations_of(m).exists()
