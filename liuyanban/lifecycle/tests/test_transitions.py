"""Walk every (status, action) pair against the transitions table, and the permission matrix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from liuyanban.core.errors import Conflict, InvalidTransition, NotFound, NotPermitted
from liuyanban.lifecycle import actions, events, permissions
from liuyanban.lifecycle.attachments import Upload, check_uploads
from liuyanban.lifecycle.models import Attachment, Event, Extension, Message, Resolution, Status
from liuyanban.lifecycle.transitions import TRANSITIONS
from liuyanban.supervision import actions as supervision
from liuyanban.supervision.models import SupervisionOrder
from liuyanban.taxonomy.models import Domain
from liuyanban.testing.images import png_bytes
from liuyanban.testing.world import World, today

Call = Callable[[World, Any, Message], object]

CALLS: dict[str, Call] = {
    "approve": lambda w, a, m: actions.approve_message(actor=a, message_id=m.pk),
    "reject": lambda w, a, m: actions.reject_message(actor=a, message_id=m.pk, reason="与职责无关"),
    "merge": lambda w, a, m: actions.merge_message(
        actor=a,
        message_id=m.pk,
        into_id=w.message_in(Status.PUBLISHED, title="另一条已公开的留言").pk,
    ),
    "edit_public": lambda w, a, m: actions.edit_public_text(
        actor=a, message_id=m.pk, public_body="修改后的公开内容，已隐去个人信息。"
    ),
    "reclassify": lambda w, a, m: actions.reclassify_message(
        actor=a, message_id=m.pk, domain_id=Domain.objects.get(code="housing").pk
    ),
    "moderate_images": lambda w, a, m: actions.moderate_images(
        actor=a,
        message_id=m.pk,
        decisions={pk: "published" for pk in m.attachments.values_list("pk", flat=True)},
    ),
    "accept": lambda w, a, m: actions.accept_message(actor=a, message_id=m.pk),
    "transfer": lambda w, a, m: actions.transfer_message(
        actor=a, message_id=m.pk, to_org_id=w.west.pk
    ),
    "assign": lambda w, a, m: actions.assign_message(
        actor=a, message_id=m.pk, lead_id=w.east_housing.pk
    ),
    "sign": lambda w, a, m: actions.sign_message(actor=a, message_id=m.pk),
    "return": lambda w, a, m: actions.return_message(
        actor=a, message_id=m.pk, reason="不属于本单位职责"
    ),
    "reply_interim": lambda w, a, m: actions.reply_interim(
        actor=a, message_id=m.pk, body="正在核查中，请耐心等待。"
    ),
    "reply_final": lambda w, a, m: actions.reply_final(
        actor=a, message_id=m.pk, body="经核实问题已解决，特此答复。", resolution=Resolution.SOLVED
    ),
    "approve_reply": lambda w, a, m: actions.approve_reply(actor=a, message_id=m.pk),
    "send_back_reply": lambda w, a, m: actions.send_back_reply(
        actor=a, message_id=m.pk, comment="请补充依据"
    ),
    "request_extension": lambda w, a, m: actions.request_extension(
        actor=a, message_id=m.pk, reason="需要现场勘查", working_days=5
    ),
    "decide_extension": lambda w, a, m: actions.decide_extension(
        actor=a, message_id=m.pk, approve=True
    ),
    "evaluate": lambda w, a, m: actions.evaluate_message(
        actor=a, message_id=m.pk, solved=4, attitude=5, speed=4
    ),
    "follow_up": lambda w, a, m: actions.record_follow_up(
        actor=a, message_id=m.pk, channel="phone", date_=today(), summary="电话回访", satisfied=True
    ),
    "close": lambda w, a, m: actions.close_message(actor=a, message_id=m.pk),
    "reopen": lambda w, a, m: actions.reopen_message(actor=a, message_id=m.pk, reason="群众不满意"),
    "request_rehandling": lambda w, a, m: actions.request_rehandling(
        actor=a, message_id=m.pk, reason="路灯仍然不亮，问题没有解决"
    ),
    "supervise": lambda w, a, m: supervision.issue_supervision(
        actor=a,
        message_id=m.pk,
        level="supervise",
        note="请加快办理",
        response_due=today() + timedelta(days=7),
    ),
    "respond_supervision": lambda w, a, m: supervision.respond_supervision(
        actor=a,
        message_id=m.pk,
        order_id=getattr(m.supervision_orders.last(), "pk", 0),
        response="已加快办理",
    ),
    "instruct": lambda w, a, m: supervision.give_instruction(
        actor=a, message_id=m.pk, text="请认真核实，尽快解决"
    ),
    "support": lambda w, a, m: actions.support_message(actor=a, message_id=m.pk),
}

# Who holds each permission in the world.
HOLDER = {
    "moderator": "mona",
    "office": "olga",
    "triage": "olga",
    "unit": "uma",
    "handler": "uma",
    "supervisor": "sam",
    "leader": "leo",
    "author": "alice",
    "citizen": "bob",
}


def _holder(w: World, permission: str, m: Message) -> Any:
    """The person who holds ``permission`` on ``m`` (the handler is the office until a unit has it)."""
    if permission == "handler" and m.unit_id is None:
        return w.olga
    return getattr(w, HOLDER[permission])


def _prepare(w: World, action: str, m: Message) -> None:
    """Create the precondition an action's guard needs, where the status allows it."""
    if action == "moderate_images":
        (image,) = check_uploads([Upload("a.png", png_bytes())])
        Attachment.objects.create(
            message=m,
            file=image.as_file(),
            content_type=image.content_type,
            extension=image.extension,
            size=len(image.data),
            sha256=image.sha256,
        )
    if action in ("reopen", "request_rehandling") and m.status in (Status.REPLIED, Status.CLOSED):
        actions.evaluate_message(actor=w.alice, message_id=m.pk, solved=1, attitude=3, speed=3)
    if action == "decide_extension" and m.status in (Status.ASSIGNED, Status.IN_HANDLING):
        actions.request_extension(
            actor=w.uma, message_id=m.pk, reason="需要现场勘查", working_days=3
        )
    if action == "decide_extension" and m.status == Status.REVIEWING:
        # Asked before the reply went to review; still pending.
        Extension.objects.create(
            message=m,
            organization=w.east_housing,
            requested_by=w.uma,
            reason="需要现场勘查",
            working_days=3,
            old_due=m.reply_due or today(),
            created_at=m.submitted_at,
        )
    if action == "respond_supervision" and m.status in TRANSITIONS["supervise"].sources:
        CALLS["supervise"](w, w.sam, m)
    elif action == "respond_supervision":
        # Issued while the message was still open, answered after it closed.
        SupervisionOrder.objects.create(
            message=m,
            level="supervise",
            issued_by=w.sam,
            organization=w.province,
            note="请反馈",
            response_due=today(),
            created_at=m.submitted_at,
        )


def test_every_action_has_a_call() -> None:
    assert set(CALLS) == set(TRANSITIONS)


@pytest.mark.parametrize("status", [s.value for s in Status])
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_walk_status_action_pair(world: World, status: str, action: str) -> None:
    m = world.message_in(status)
    _prepare(world, action, m)
    m = Message.objects.get(pk=m.pk)
    row = TRANSITIONS[action]
    actor = _holder(world, row.permission, m)
    events_before = Event.objects.filter(message=m).count()
    if status not in row.sources:
        with pytest.raises((InvalidTransition, NotFound)):
            CALLS[action](world, actor, m)
        assert Message.objects.get(pk=m.pk).status == status
        assert Event.objects.filter(message=m).count() == events_before
        return
    CALLS[action](world, actor, m)
    after = Message.objects.get(pk=m.pk)
    expected = row.targets or {status}
    assert after.status in expected
    new_events = list(Event.objects.filter(message=m).order_by("pk")[events_before:])
    assert [e.action for e in new_events] == [action]
    assert new_events[0].from_status == status and new_events[0].to_status == after.status
    # Every event on the way here (submit and the steps before) and this one carries the
    # details its kind's TypedDict describes (lifecycle/events.py).
    for e in Event.objects.filter(message=m):
        assert events.problems(e.action, e.details) == [], e.action


PERSONAS = ["alice", "bob", "olga", "oscar", "uma", "wanda", "sam", "mona", "leo", "anonymous"]
ALLOWED = {
    "moderator": {"mona"},
    "office": {"olga"},
    "triage": {"olga", "mona"},
    "unit": {"uma"},
    "handler": {"uma", "olga"},
    "supervisor": {"sam"},
    "leader": {"leo"},
    "author": {"alice"},
    "citizen": set(PERSONAS) - {"alice", "anonymous"},
}
# A status in which each action is allowed, for the matrix.
STATUS_FOR = {a: sorted(row.sources)[0] for a, row in TRANSITIONS.items()}
STATUS_FOR.update(
    {
        "reopen": Status.REPLIED,
        "request_rehandling": Status.REPLIED,
        "evaluate": Status.REPLIED,
        "follow_up": Status.REPLIED,
        "decide_extension": Status.IN_HANDLING,
        "respond_supervision": Status.IN_HANDLING,
        "supervise": Status.IN_HANDLING,
        "instruct": Status.PUBLISHED,
        "support": Status.PUBLISHED,
        "return": Status.ASSIGNED,
        "edit_public": Status.PUBLISHED,
        "merge": Status.SUBMITTED,
    }
)


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_permission_matrix(world: World, action: str) -> None:
    m = world.message_in(STATUS_FOR[action])
    _prepare(world, action, m)
    m = Message.objects.select_related("board__organization", "office", "unit").get(pk=m.pk)
    row = TRANSITIONS[action]
    allowed = {
        p
        for p in PERSONAS
        if permissions.may(AnonymousUser() if p == "anonymous" else getattr(world, p), m, action)
    }
    assert allowed == ALLOWED[row.permission], action
    # Everyone else is refused by the action itself, and nothing changes.
    for persona in sorted(set(PERSONAS) - allowed):
        user = AnonymousUser() if persona == "anonymous" else getattr(world, persona)
        before = Event.objects.filter(message=m).count()
        with pytest.raises((NotPermitted, NotFound, Conflict)):
            CALLS[action](world, user, m)
        assert Event.objects.filter(message=m).count() == before
    # And the holder succeeds.
    CALLS[action](world, _holder(world, row.permission, m), m)


def test_status_groups_have_one_definition() -> None:
    """The table's groups are the models' groups; the "open"/"answered" split covers the public."""
    from liuyanban.lifecycle import models, transitions

    assert transitions.OPEN is models.OPEN_STATUSES
    assert transitions.VISIBLE is models.PUBLIC_STATUSES
    assert models.OPEN_STATUSES | models.ANSWERED_STATUSES == models.PUBLIC_STATUSES
    assert not models.OPEN_STATUSES & models.ANSWERED_STATUSES
    assert set(Status) == models.PUBLIC_STATUSES | models.HIDDEN_STATUSES


@pytest.mark.parametrize("status", sorted(Status))
def test_merge_target_is_its_own_status_group(world: World, status: Status) -> None:
    """A duplicate merges into any public message and into nothing else, whatever "instruct" allows."""
    from liuyanban.core.errors import InvalidInput
    from liuyanban.lifecycle.models import MERGE_TARGET_STATUSES

    target = world.message_in(Status.PUBLISHED, title="东区幸福路路灯不亮（合并目标）")
    Message.objects.filter(pk=target.pk).update(status=status)
    dup = world.submit(author=world.bob)
    if status in MERGE_TARGET_STATUSES:
        actions.merge_message(actor=world.mona, message_id=dup.pk, into_id=target.pk)
        dup.refresh_from_db()
        assert dup.status == Status.MERGED and dup.canonical_id == target.pk
    else:
        with pytest.raises(InvalidInput) as exc:
            actions.merge_message(actor=world.mona, message_id=dup.pk, into_id=target.pk)
        assert "into" in exc.value.fields
