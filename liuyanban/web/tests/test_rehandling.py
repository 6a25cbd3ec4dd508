"""A dissatisfied author's recourse (申请重办): through the page, the office queue and the API."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.lifecycle import actions, permissions
from liuyanban.lifecycle.models import Event, Message, Status
from liuyanban.lifecycle.workdays import add_working_days
from liuyanban.notifications.models import Notification
from liuyanban.testing.world import World

TZ = ZoneInfo("Asia/Shanghai")


def _replied_and_rated_poorly(world: World) -> Message:
    m = world.message_in(Status.REPLIED)
    actions.evaluate_message(actor=world.alice, message_id=m.pk, solved=1, attitude=2, speed=1)
    return Message.objects.get(pk=m.pk)


def test_author_asks_for_rehandling_and_it_lands_in_the_office_queue(
    client: Client, world: World
) -> None:
    m = _replied_and_rated_poorly(world)
    assert m.status == Status.REPLIED  # a poor rating alone changes nothing
    page_url = reverse("web:message", args=[m.tracking_number])
    client.force_login(world.alice)
    assert "申请重办" in client.get(page_url).content.decode()

    empty = client.post(reverse("web:request_rehandling", args=[m.tracking_number]), {})
    assert empty.status_code == 400 and "请说明申请重办的理由" in empty.content.decode()

    done = client.post(
        reverse("web:request_rehandling", args=[m.tracking_number]),
        {"reason": "路灯还是不亮，答复说已修好但没有修"},
        follow=True,
    )
    assert "已申请重办" in done.content.decode()
    m = Message.objects.get(pk=m.pk)
    assert m.status == Status.ACCEPTED and m.reopen_count == 1 and m.unit_id is None
    assert m.reply_due is not None and m.current_due == m.reply_due
    assert Notification.objects.filter(user=world.olga, verb="rehandling_requested").exists()

    # Once only: the button is gone and a second request is refused.
    assert "申请重办" not in client.get(page_url).content.decode().split("办理进程")[0]
    assert "request_rehandling" not in permissions.available_actions(world.alice, m)

    # The office sees it to route again, marked as 重办; the public timeline shows it.
    client.force_login(world.olga)
    office = client.get(reverse("web:work_office")).content.decode()
    to_route = office.split('id="s-route"')[1].split("</section>")[0]
    assert m.public_title in to_route and "重办" in to_route
    client.logout()
    public = client.get(page_url).content.decode()
    timeline = public.split("办理进程")[1]
    assert "申请重办" in timeline and "路灯还是不亮" not in timeline
    event = Event.objects.get(message=m, action="request_rehandling")
    assert event.is_public and event.details["reason"].startswith("路灯还是不亮")

    # The office routes it again: the ordinary flow goes on.
    actions.assign_message(actor=world.olga, message_id=m.pk, lead_id=world.east_housing.pk)
    assert Message.objects.get(pk=m.pk).status == Status.ASSIGNED


def test_no_recourse_after_a_good_rating_or_after_the_window(world: World) -> None:
    good = world.message_in(Status.REPLIED)
    actions.evaluate_message(actor=world.alice, message_id=good.pk, solved=4, attitude=4, speed=4)
    good = Message.objects.get(pk=good.pk)
    assert "request_rehandling" not in permissions.available_actions(world.alice, good)

    poor = _replied_and_rated_poorly(world)
    assert "request_rehandling" in permissions.available_actions(world.alice, poor)
    late = datetime.combine(add_working_days(timezone.localdate(), 6), time(10), tzinfo=TZ)
    with time_machine.travel(late):
        assert "request_rehandling" not in permissions.available_actions(world.alice, poor)


def test_rest_api_request_rehandling(client: Client, world: World) -> None:
    m = _replied_and_rated_poorly(world)
    client.force_login(world.bob)
    url = f"/api/v1/messages/{m.tracking_number}/request-rehandling"
    refused = client.post(url, {"reason": "我也不满意这个答复"}, content_type="application/json")
    assert refused.status_code in (403, 404)
    client.force_login(world.alice)
    ok = client.post(url, {"reason": "问题没有解决，请重新办理"}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert Message.objects.get(pk=m.pk).status == Status.ACCEPTED
