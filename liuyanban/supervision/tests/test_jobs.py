"""The deadline job through its task: counts per level, the one recording function, its signal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from liuyanban.lifecycle.models import Event, Message, Status
from liuyanban.lifecycle.signals import message_event
from liuyanban.lifecycle.workdays import add_working_days
from liuyanban.notifications.models import Notification
from liuyanban.supervision import selectors
from liuyanban.supervision.jobs import run_deadline_job
from liuyanban.supervision.tasks import deadline_job
from liuyanban.testing.world import World

TZ = ZoneInfo("Asia/Shanghai")


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=TZ)


def test_the_task_reports_each_level_once_and_every_escalation_sends_the_event_signal(
    world: World,
) -> None:
    with time_machine.travel(_at(date(2025, 9, 1)), tick=False):
        m = world.message_in(Status.IN_HANDLING)
    yellow_day = add_working_days(date(2025, 9, 22), 5)
    heard: list[str] = []

    def listener(sender: Any, event: Event, **kwargs: Any) -> None:
        heard.append(event.action)

    message_event.connect(listener, dispatch_uid="test_jobs")
    try:
        with time_machine.travel(_at(yellow_day), tick=False):
            created = deadline_job.call()
            again = deadline_job.call()
    finally:
        message_event.disconnect(dispatch_uid="test_jobs")
    assert created == {"yellow": 1, "reminder": 1}
    assert again == {}
    assert heard == ["escalate"]  # one notice: the highest level
    assert [e.level for e in selectors.escalations_of(m)] in (
        ["yellow", "reminder"],
        ["reminder", "yellow"],
    )
    assert Notification.objects.filter(user=world.sam, verb="deadline_yellow").count() == 1
    assert Message.objects.get(pk=m.pk).status == Status.IN_HANDLING


def test_closed_messages_are_never_escalated(world: World) -> None:
    with time_machine.travel(_at(date(2025, 9, 1)), tick=False):
        m = world.message_in(Status.CLOSED)
    assert run_deadline_job(add_working_days(date(2025, 9, 22), 10)).created == {}
    assert not selectors.escalations_of(m).exists()
