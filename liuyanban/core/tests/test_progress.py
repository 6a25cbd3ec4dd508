"""Long commands show counts, rate and time left on a terminal, and nothing otherwise."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

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


@pytest.mark.django_db
def test_import_organizations_reports_progress_on_a_terminal_only(tmp_path: Path) -> None:
    from liuyanban.accounts.tests.test_onboarding import ORGS, STAFF, csv_bytes

    orgs, staff = tmp_path / "orgs.csv", tmp_path / "staff.csv"
    orgs.write_bytes(csv_bytes(ORGS))
    staff.write_bytes(csv_bytes(STAFF))
    err = Terminal()
    call_command(
        "import_organizations", str(orgs), "--staff", str(staff), stdout=io.StringIO(), stderr=err
    )
    # Rows read and checked, then the bodies (with their boards) and the staff posts
    # written: the bar ends with its count equal to its total.
    done = re.search(r"import_organizations: 100%.*? (\d+)/(\d+) ", err.getvalue())
    assert done and done.group(1) == done.group(2) and int(done.group(1)) > len(ORGS) + len(STAFF)
    assert "row/s" in err.getvalue()
    quiet = io.StringIO()
    call_command("import_organizations", str(orgs), stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""


@pytest.mark.django_db
def test_train_classifier_reports_progress_on_a_terminal_only(
    world: World, tmp_path: Path, settings: Any
) -> None:
    from liuyanban.intelligence import classification, training
    from liuyanban.intelligence.tests.test_training import _accepted

    settings.LIUYANBAN = {**settings.LIUYANBAN, "MODELS_DIR": str(tmp_path)}
    classification._loaded.clear()
    _accepted(world, 15)
    ids = [m.pk for m, _label in training.labelled_messages("domain")]
    held_out = sum(1 for pk in ids if training._is_holdout(pk))
    # read, learned from, scored on the held-out part (no active model the first time)
    total = len(ids) + (len(ids) - held_out) + held_out
    err = Terminal()
    call_command("train_classifier", "--min-samples", "5", stdout=io.StringIO(), stderr=err)
    assert f"{total}/{total}" in err.getvalue() and "msg/s" in err.getvalue()
    quiet = io.StringIO()
    call_command("train_classifier", "--min-samples", "5", stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""
