"""The scheduler queues every periodic task; with the inline backend they run and succeed."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from liuyanban.supervision.models import Escalation
from liuyanban.testing.world import World


@pytest.mark.django_db
def test_run_scheduler_once_queues_and_runs_every_task(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from liuyanban.lifecycle.models import Message, Status

    m = world.message_in(Status.IN_HANDLING)
    Message.objects.filter(pk=m.pk).update(current_due=m.submitted_at.date() - timedelta(days=30))
    call_command("run_scheduler", "--once")
    out = capsys.readouterr().out
    assert out.count("queued:") == 7
    # The deadline job really ran (the test backend runs tasks inline): the overdue message escalated.
    assert Escalation.objects.filter(message=m, level="red").exists()
    # So did the sweeper: its run is on record for the admins' page.
    from liuyanban.core.models import SweepRun

    assert SweepRun.objects.count() == 1


@pytest.mark.django_db
def test_the_daily_purges_run_from_the_scheduler(world: World) -> None:
    from datetime import timedelta

    from liuyanban.analytics.models import ReportPdf
    from liuyanban.lifecycle.attachments import Upload
    from liuyanban.lifecycle.drafts import keep_draft_images
    from liuyanban.lifecycle.models import DraftImage
    from liuyanban.testing.images import png_bytes

    (draft,) = keep_draft_images(owner=world.alice, uploads=[Upload("a.png", png_bytes())])
    week_ago = draft.created_at - timedelta(days=8)
    DraftImage.objects.update(created_at=week_ago)
    ReportPdf.objects.create(key="old", params={})
    ReportPdf.objects.update(created_at=week_ago)
    call_command("run_scheduler", "--once")
    assert not DraftImage.objects.exists() and not ReportPdf.objects.exists()


@pytest.mark.django_db
def test_scheduler_drops_a_dead_connection_between_ticks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Once its connection was terminated, the scheduler failed on every tick until restarted."""
    import time
    from unittest import mock

    from django.db import OperationalError

    from liuyanban.core.management.commands import run_scheduler
    from liuyanban.core.schedule import schedule

    closed = {"n": 0}
    ticks = {"n": 0}

    def close_old() -> None:
        closed["n"] += 1

    def sleep(seconds: float) -> None:
        ticks["n"] += 1
        if ticks["n"] == 2:
            raise KeyboardInterrupt

    calls = {"n": 0}

    def enqueue() -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("the connection is closed")

    item = schedule()[0]
    with (
        mock.patch.object(run_scheduler, "close_old_connections", close_old),
        mock.patch.object(time, "sleep", sleep),
        mock.patch.object(run_scheduler, "schedule", lambda: [type(item)(item.name, 60, enqueue)]),
        pytest.raises(KeyboardInterrupt),
    ):
        call_command("run_scheduler", "--tick", "1")
    # The failed item is tried again on the next tick, after the dead connection was dropped.
    assert calls["n"] == 2
    assert closed["n"] == 1
    assert capsys.readouterr().out.count("queued:") == 1


def test_every_app_registers_its_periodic_work() -> None:
    """Apps register their periodic tasks from ``AppConfig.ready``; core imports none of them."""
    from typing import Any

    from liuyanban.core.schedule import schedule

    def module_of(enqueue: Any) -> str:
        return str(enqueue.__self__.func.__module__)  # a bound Task.enqueue

    owners = {item.name: module_of(item.task) for item in schedule()}
    assert owners == {
        "background-work sweeper": "liuyanban.core.tasks",
        "write-page images never submitted": "liuyanban.lifecycle.tasks",
        "deadlines (临期预警/催办/黄牌/红牌)": "liuyanban.supervision.tasks",
        "hot issues heat and ranking": "liuyanban.intelligence.tasks",
        "classifier retraining": "liuyanban.intelligence.tasks",
        "printed PDF reports older than a week": "liuyanban.analytics.tasks",
        "webhook retries": "liuyanban.api.tasks",
    }
