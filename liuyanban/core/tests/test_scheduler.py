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
    assert out.count("queued:") == 5
    # The deadline job really ran (the test backend runs tasks inline): the overdue message escalated.
    assert Escalation.objects.filter(message=m, level="red").exists()
    # So did the sweeper: its run is on record for the admins' page.
    from liuyanban.core.models import SweepRun

    assert SweepRun.objects.count() == 1
