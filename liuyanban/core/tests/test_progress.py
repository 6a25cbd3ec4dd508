"""Long commands show counts, rate and time left on a terminal, and nothing otherwise."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from liuyanban.analytics.models import Rollup
from liuyanban.core.progress import progress
from liuyanban.lifecycle.models import Message, Status
from liuyanban.testing.world import World


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_shows_count_rate_and_time_left_on_a_terminal() -> None:
    out = Terminal()
    with progress(total=10, desc="job", unit="msg", file=out) as bar:
        bar.update(4)
        bar.refresh()
    text = out.getvalue()
    assert "job" in text and "4/10" in text and "msg/s" in text and "<" in text  # elapsed<left


def test_bar_is_silent_when_not_a_terminal() -> None:
    out = io.StringIO()
    with progress(total=10, desc="job", file=out) as bar:
        bar.update(10)
    assert out.getvalue() == ""


@pytest.mark.django_db
def test_rebuild_rollups_reports_progress_on_a_terminal_only(world: World) -> None:
    world.message_in(Status.CLOSED)
    world.message_in(Status.REPLIED)
    n = Message.objects.count()
    err, out = Terminal(), io.StringIO()
    call_command("rebuild_rollups", stdout=out, stderr=err)
    assert f"{n}/{n}" in err.getvalue() and "msg/s" in err.getvalue()
    assert f"rebuilt {n} messages" in out.getvalue()
    assert Rollup.objects.filter(grain="d").count() >= 1
    quiet = io.StringIO()
    call_command("rebuild_rollups", stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""


@pytest.mark.django_db
def test_export_messages_reports_progress(world: World, tmp_path: Path) -> None:
    world.message_in(Status.CLOSED)
    n = Message.objects.count()
    err = Terminal()
    target = tmp_path / "out.csv"
    call_command("export_messages", "--output", str(target), stdout=io.StringIO(), stderr=err)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert f"{n}/{n}" in err.getvalue()
