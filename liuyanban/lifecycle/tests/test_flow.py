"""The whole loop through real actions: write → moderate → route → handle → reply → rate."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from liuyanban.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
    RateLimited,
)
from liuyanban.lifecycle import actions, selectors
from liuyanban.lifecycle.attachments import Upload
from liuyanban.lifecycle.models import Event, Message, Resolution, Status
from liuyanban.notifications.models import Notification
from liuyanban.testing.images import png_bytes
from liuyanban.testing.world import World

PNG = png_bytes()


def test_submission_redacts_the_public_version_and_keeps_the_original(world: World) -> None:
    m = world.submit()
    assert m.status == Status.SUBMITTED
    assert m.tracking_number.startswith("LY")
    assert "13812345678" in m.body
    assert "13812345678" not in m.public_body
    assert m.contact.phone == "13812345678"
    assert list(Event.objects.filter(message=m).values_list("action", flat=True)) == ["submit"]


def test_the_same_idempotency_key_creates_one_message(world: World) -> None:
    a = world.submit(idempotency_key="k-1")
    b = world.submit(idempotency_key="k-1")
    assert a.pk == b.pk
    assert Message.objects.count() == 1


def test_validation_errors_name_the_field_in_chinese(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        world.submit(title="短", body="太短")
    assert "标题至少需要 5 个字" in exc.value.fields["title"][0]
    assert "body" in exc.value.fields
    assert Message.objects.count() == 0


def test_attachments_are_sniffed_and_capped(world: World) -> None:
    m = world.submit(attachments=[Upload("a.png", PNG)])
    assert m.attachments.get().content_type == "image/png"
    with pytest.raises(InvalidInput) as exc:
        world.submit(attachments=[Upload("evil.png", b"<script>alert(1)</script>")])
    assert "不是" in exc.value.fields["attachments"][0]
    with pytest.raises(InvalidInput):
        world.submit(attachments=[Upload(f"{i}.png", PNG) for i in range(6)])


def test_rate_limit_per_author(world: World, settings: object) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "MESSAGES_PER_AUTHOR_PER_DAY": 2}  # type: ignore[attr-defined]
    world.submit()
    world.submit()
    with pytest.raises(RateLimited) as exc:
        world.submit()
    assert "上限" in exc.value.message


def test_full_loop_with_review_rating_and_reopen(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    m = world.submit()
    # The search index follows in the worker, from a task the approval records.
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_message(
            actor=world.mona, message_id=m.pk, public_body="幸福路路灯三个月不亮，请修复。"
        )
    m.refresh_from_db()
    assert m.status == Status.PUBLISHED and m.accept_due is not None
    assert "路灯" in m.search_text
    actions.accept_message(actor=world.olga, message_id=m.pk)
    actions.assign_message(
        actor=world.olga,
        message_id=m.pk,
        lead_id=world.east_housing.pk,
        assist_ids=[world.east_transport.pk],
        requirements="请核实",
    )
    actions.sign_message(actor=world.uma, message_id=m.pk)
    actions.reply_interim(
        actor=world.uma, message_id=m.pk, body="已安排工作人员现场核查，近期答复。"
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_final(
            actor=world.uma,
            message_id=m.pk,
            body="经核实已修复全部路灯，联系电话0731-12345678。",
            resolution=Resolution.SOLVED,
        )
    assert any("已正式回复" in e.subject and e.to == ["alice@example.org"] for e in mail.outbox)
    m.refresh_from_db()
    assert (
        m.status == Status.REPLIED and m.resolution == Resolution.SOLVED and m.current_due is None
    )
    # A poor rating keeps it open for the office, which may reopen once.
    actions.evaluate_message(
        actor=world.alice, message_id=m.pk, solved=2, attitude=4, speed=3, comment="灯又坏了"
    )
    m.refresh_from_db()
    assert m.status == Status.REPLIED
    assert "reopen" in selectors.available_actions(world.olga, m)
    with pytest.raises(Conflict):
        actions.evaluate_message(actor=world.alice, message_id=m.pk, solved=5, attitude=5, speed=5)
    actions.reopen_message(actor=world.olga, message_id=m.pk, reason="群众反映仍未解决")
    m.refresh_from_db()
    assert m.status == Status.IN_HANDLING and m.reopen_count == 1 and m.current_due is not None
    actions.reply_final(
        actor=world.uma,
        message_id=m.pk,
        body="已再次检修并更换灯具，现已正常。",
        resolution=Resolution.SOLVED,
    )
    m.refresh_from_db()
    assert "reopen" not in selectors.available_actions(world.olga, m)  # once only
    actions.record_follow_up(
        actor=world.olga,
        message_id=m.pk,
        channel="phone",
        date_=m.replied_at.date(),
        summary="群众表示满意",
        satisfied=True,
    )
    m.refresh_from_db()
    assert m.status == Status.CLOSED
    public = [e["action"] for e in selectors.timeline(m)]
    assert public[:4] == ["submit", "approve", "accept", "assign"]
    assert "follow_up" not in public  # private
    assert Notification.objects.filter(user=world.alice, verb="replied").count() == 2


def test_office_review_before_publishing(world: World) -> None:
    m = world.message_in(Status.REVIEWING)
    assert m.replies.get().state == "pending_review"
    assert selectors.timeline(m)[-1]["action"] == "sign"  # the draft reply is not public
    actions.send_back_reply(actor=world.olga, message_id=m.pk, comment="请补充办理依据")
    m.refresh_from_db()
    assert m.status == Status.IN_HANDLING
    actions.reply_final(
        actor=world.uma,
        message_id=m.pk,
        body="依据《城市照明管理规定》已修复路灯。",
        resolution=Resolution.SOLVED,
    )
    actions.approve_reply(actor=world.olga, message_id=m.pk)
    m.refresh_from_db()
    assert m.status == Status.REPLIED


def test_transfer_hands_the_message_over(world: World) -> None:
    m = world.message_in(Status.PUBLISHED)
    actions.transfer_message(
        actor=world.olga, message_id=m.pk, to_org_id=world.west.pk, requirements="属西区管辖"
    )
    m.refresh_from_db()
    assert m.status == Status.ASSIGNED and m.unit == world.west and m.transfer_count == 1
    actions.sign_message(actor=world.oscar, message_id=m.pk)
    m.refresh_from_db()
    assert m.office == world.west  # the receiving body took it over
    assert "reply_final" in selectors.available_actions(world.oscar, m)


def test_return_goes_back_to_the_office_and_is_counted(world: World) -> None:
    m = world.message_in(Status.ASSIGNED)
    with pytest.raises(InvalidInput):
        actions.return_message(actor=world.uma, message_id=m.pk, reason="")
    actions.return_message(actor=world.uma, message_id=m.pk, reason="不属于本单位职责")
    m.refresh_from_db()
    assert m.status == Status.ACCEPTED and m.unit is None and m.return_count == 1
    assert Notification.objects.filter(user=world.olga, verb="returned").exists()
    actions.assign_message(actor=world.olga, message_id=m.pk, lead_id=world.east_transport.pk)
    actions.return_message(actor=world.ulf, message_id=m.pk, reason="也不属于本单位")
    last = Event.objects.filter(message=m).last()
    assert last is not None and last.details["repeated"] is True


def test_merged_author_sees_and_rates_the_canonical_answer(world: World) -> None:
    original = world.message_in(Status.IN_HANDLING)
    dup = world.submit(author=world.bob)
    actions.merge_message(actor=world.mona, message_id=dup.pk, into_id=original.pk)
    actions.reply_final(
        actor=world.uma,
        message_id=original.pk,
        body="路灯已全部修复，感谢监督。",
        resolution=Resolution.SOLVED,
    )
    assert Notification.objects.filter(user=world.bob, verb="replied").exists()
    actions.evaluate_message(actor=world.bob, message_id=original.pk, solved=4, attitude=4, speed=4)
    original.refresh_from_db()
    assert original.status == Status.REPLIED  # only the original author's rating closes it


def test_stale_second_action_gets_a_clear_conflict(world: World) -> None:
    m = world.message_in(Status.SUBMITTED)
    actions.approve_message(actor=world.mona, message_id=m.pk)
    with pytest.raises(InvalidTransition) as exc:
        actions.approve_message(actor=world.mona, message_id=m.pk)
    assert exc.value.status == 409


def test_not_yours_is_not_found_and_visible_but_not_allowed_is_forbidden(world: World) -> None:
    m = world.message_in(Status.SUBMITTED)
    with pytest.raises(NotFound):
        actions.approve_message(actor=world.bob, message_id=m.pk)
    with pytest.raises(NotFound):
        selectors.get_message_for_user(world.bob, pk=m.pk)
    actions.approve_message(actor=world.mona, message_id=m.pk)
    with pytest.raises(NotPermitted):
        actions.accept_message(actor=world.oscar, message_id=m.pk)


def test_support_once_per_person(world: World) -> None:
    m = world.message_in(Status.PUBLISHED)
    actions.support_message(actor=world.bob, message_id=m.pk)
    with pytest.raises(Conflict):
        actions.support_message(actor=world.bob, message_id=m.pk)
    m.refresh_from_db()
    assert m.support_count == 1
