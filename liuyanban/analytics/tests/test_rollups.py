"""The incremental rollups equal a rebuild after a random history of real actions, and
the reports read from the month cubes equal those read from the month rows."""

from __future__ import annotations

import contextlib
import importlib
import random
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone

from liuyanban.analytics import rebuild, reports, rollups
from liuyanban.analytics.models import Cursor, MessageFact, Rollup
from liuyanban.analytics.selectors import Period, Scope, month_rows_only
from liuyanban.core.errors import DomainError
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Event, Message, Status
from liuyanban.lifecycle.permissions import available_actions
from liuyanban.supervision import actions as supervision
from liuyanban.taxonomy.models import Domain, Kind
from liuyanban.testing.world import World

TEXT = "经核实情况属实，已经安排专人处理完毕，请知悉。"


def _args(world: World, action: str, m: Message, rng: random.Random) -> dict[str, Any] | None:
    """Keyword arguments for ``action`` on ``m`` (None when it cannot be taken sensibly)."""
    today = timezone.localdate()
    if action == "merge":
        targets = Message.objects.filter(
            status__in=[Status.PUBLISHED, Status.ACCEPTED], canonical=None
        ).exclude(pk=m.pk)
        target = targets.order_by("?").first()
        return {"into_id": target.pk} if target else None
    simple: dict[str, dict[str, Any]] = {
        "approve": {},
        "accept": {},
        "sign": {},
        "approve_reply": {},
        "close": {},
        "support": {},
        "reject": {"reason": "与职责无关的内容"},
        "return": {"reason": "不属于本单位职责"},
        "reopen": {"reason": "群众反映问题未解决"},
        "reply_interim": {"body": TEXT},
        "send_back_reply": {"comment": "请补充细节"},
        "reply_final": {"body": TEXT, "resolution": rng.choice(["solved", "partly", "explained"])},
        "request_extension": {"reason": "需要现场核查", "working_days": rng.randint(1, 10)},
        "decide_extension": {"approve": rng.random() < 0.7},
        "evaluate": {k: rng.randint(1, 5) for k in ("solved", "attitude", "speed")},
        "follow_up": {
            "channel": "phone",
            "date_": today,
            "summary": "电话回访",
            "satisfied": rng.random() < 0.5,
        },
        "transfer": {"to_org_id": rng.choice([world.west.pk, world.east.pk])},
        "assign": {"lead_id": rng.choice([world.east_housing.pk, world.east_transport.pk])},
    }
    return simple.get(action)


def _call(action: str) -> Callable[..., Any] | None:
    names: dict[str, Callable[..., Any]] = {
        "approve": actions.approve_message,
        "reject": actions.reject_message,
        "merge": actions.merge_message,
        "accept": actions.accept_message,
        "transfer": actions.transfer_message,
        "assign": actions.assign_message,
        "sign": actions.sign_message,
        "return": actions.return_message,
        "reply_interim": actions.reply_interim,
        "reply_final": actions.reply_final,
        "approve_reply": actions.approve_reply,
        "send_back_reply": actions.send_back_reply,
        "request_extension": actions.request_extension,
        "decide_extension": actions.decide_extension,
        "evaluate": actions.evaluate_message,
        "follow_up": actions.record_follow_up,
        "close": actions.close_message,
        "reopen": actions.reopen_message,
        "support": actions.support_message,
    }
    return names.get(action)


def _supervise(world: World, m: Message, rng: random.Random) -> None:
    due = timezone.localdate() + timedelta(days=5)
    try:
        if rng.random() < 0.5:
            supervision.issue_supervision(
                actor=world.sam,
                message_id=m.pk,
                level="supervise",
                note="请加快办理",
                response_due=due,
            )
        order = m.supervision_orders.filter(responded_at=None).first()
        if order is not None:
            actor = world.uma if m.unit_id == world.east_housing.pk else world.olga
            supervision.respond_supervision(
                actor=actor, message_id=m.pk, order_id=order.pk, response="已经加快办理"
            )
    except DomainError:
        pass


def _step(world: World, rng: random.Random, people: list[str]) -> None:
    """One random move: a new message, or a random allowed action by a random person."""
    messages = list(Message.objects.all())
    if not messages or rng.random() < 0.2:
        board = rng.choice([world.east_board, world.west_board])
        world.submit(
            rng.choice([world.alice, world.bob]),
            board_id=board.pk,
            domain_id=rng.choice(list(Domain.objects.filter(level=1)[:3])).pk,
            kind_id=rng.choice(list(Kind.objects.all()[:3])).pk,
            region_id=rng.choice([None, world.east_region.pk]),
        )
        return
    hidden = {Status.REJECTED, Status.MERGED}
    m = rng.choice([x for x in messages if x.status not in hidden] or messages)
    if rng.random() < 0.1:
        _supervise(world, m, rng)
        return
    choices = [
        (name, action)
        for name in people
        for action in available_actions(getattr(world, name), m)
        if _call(action) is not None
    ]
    if not choices:
        return
    # Weigh by action, not by person, and make dead ends rare so histories go deep.
    weights = [WEIGHTS.get(action, 1.0) / len(_people(choices, action)) for _, action in choices]
    name, action = rng.choices(choices, weights=weights)[0]
    kwargs = _args(world, action, m, rng)
    call = _call(action)
    if kwargs is None or call is None:
        return
    # A guard may refuse a random move: fine, the history goes on.
    with contextlib.suppress(DomainError):
        call(actor=getattr(world, name), message_id=m.pk, **kwargs)


WEIGHTS = {"merge": 0.05, "reject": 0.05, "support": 0.05, "reply_interim": 0.3}


def _people(choices: list[tuple[str, str]], action: str) -> list[str]:
    return [n for n, a in choices if a == action]


PEOPLE = ["alice", "bob", "mona", "olga", "oscar", "uma", "ulf", "wanda", "sam"]


@pytest.mark.parametrize("seed", [1, 3])
def test_incremental_rollups_equal_rebuild(
    world: World, seed: int, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    rng = random.Random(seed)
    start = datetime(2024, 9, 20, 9, 0, tzinfo=timezone.get_current_timezone())
    time_machine.move_to(start, tick=False)
    wanted = {"reopen", "return", "merge", "decide_extension", "reply_final"}
    for i in range(800):
        # Days pass, across the National Day holiday, so working-day counts vary.
        time_machine.move_to(start + timedelta(hours=7 * i), tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            _step(world, rng, PEOPLE)
        # At least 220 steps, and on until the history holds every hard case (row order,
        # and so the random walk, differs between SQLite and PostgreSQL).
        if (
            i >= 220
            and i % 20 == 0
            and wanted <= set(Event.objects.values_list("action", flat=True))
        ):
            break
    actions_seen = set(Event.objects.values_list("action", flat=True))
    assert wanted <= actions_seen
    incremental = rollups.table_snapshot()
    facts = {f.message_id: f.values for f in MessageFact.objects.all()}
    assert incremental and sum(v[0] for k, v in incremental.items() if k[0] == "d") == (
        Message.objects.count()
    )
    rollups.rebuild()
    assert rollups.table_snapshot() == incremental
    assert {f.message_id: f.values for f in MessageFact.objects.all()} == facts


def test_replayed_event_does_not_double_count(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world.message_in(Status.CLOSED)
    before = rollups.table_snapshot()
    # Replay the whole log from the start: folding again adds nothing.
    Cursor.objects.filter(name=rollups.CURSOR).update(last_event_id=0, gaps={})
    assert rollups.fold_pending() > 0
    assert rollups.table_snapshot() == before
    assert Rollup.objects.filter(grain="d").get().received == 1


def test_catch_up_folds_events_missed_by_the_signal(world: World) -> None:
    m = world.message_in(Status.REPLIED)  # on_commit never ran: nothing folded yet
    assert not Rollup.objects.exists()
    assert rollups.catch_up() == Message.objects.filter(pk__lte=m.pk).count()
    assert Rollup.objects.get(grain="m").replied == 1


def test_rebuild_in_small_batches_equals_incremental_and_writes_facts_as_it_goes(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for status in [Status.CLOSED, Status.REPLIED, Status.REJECTED, Status.PUBLISHED] * 2:
            world.message_in(status)
    incremental = rollups.table_snapshot()
    facts = {f.message_id: f.values for f in MessageFact.objects.all()}
    written: list[int] = []

    facts_table = connection.ops.quote_name(rebuild.target(MessageFact))
    rollup_table = connection.ops.quote_name(rebuild.target(Rollup))

    def seen(n: int) -> None:
        # Each batch's facts are in the table being written before the next batch is
        # read: nothing about the messages already done stays in memory. The rollups
        # are filled once, after the last batch.
        with connection.cursor() as c:
            c.execute(f"SELECT COUNT(*) FROM {facts_table}")
            written.append(c.fetchone()[0])
            c.execute(f"SELECT COUNT(*) FROM {rollup_table}")
            assert c.fetchone()[0] == 0

    assert rollups.rebuild(chunk=3, progress=seen) == Message.objects.count()
    n = Message.objects.count()
    assert n > 6 and written == [min(i, n) for i in range(3, n + 3, 3)]
    assert rollups.table_snapshot() == incremental
    assert {f.message_id: f.values for f in MessageFact.objects.all()} == facts


def test_rebuild_writes_each_grain_once_whatever_the_batches(
    world: World, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    """Rows of one key fed by messages of different batches are summed in one statement
    per grain: the statements writing rollups do not grow with the number of batches."""
    time_machine.move_to(
        datetime(2024, 10, 8, 9, 0, tzinfo=timezone.get_current_timezone()), tick=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        for status in [Status.CLOSED, Status.REPLIED, Status.PUBLISHED] * 3:
            world.message_in(status)  # same day, same board: shared rows in every grain
    incremental = rollups.table_snapshot()
    assert max(v[0] for k, v in incremental.items() if k[0] == "d") > 1
    # Into the table itself, or (PostgreSQL) the new one swapped in for it.
    into = re.compile(rf'\s*INSERT INTO \S*{Rollup._meta.db_table}"?\s')
    inserts: list[int] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        inserts[-1] += bool(into.match(sql))
        return execute(sql, params, many, context)

    for chunk in (1, 4, 1000):
        inserts.append(0)
        with connection.execute_wrapper(count):
            rollups.rebuild(chunk=chunk)
        assert rollups.table_snapshot() == incremental
    assert inserts[0] == inserts[1] == inserts[2] == len(rollups.GRAINS)


def test_rebuild_keeps_ids_not_yet_visible_as_cursor_gaps(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.PUBLISHED)
    last = Event.objects.order_by("pk").last()
    assert last is not None
    # Id last+1 belongs to a transaction still in flight when the rebuild reads the log;
    # last+2 has committed (the log is append-only: copies stand in for real events).
    later = Event.objects.get(pk=last.pk)
    later.pk = last.pk + 2
    later.save(force_insert=True)
    rollups.rebuild()
    cursor = Cursor.objects.get(name=rollups.CURSOR)
    assert cursor.last_event_id == last.pk + 2
    assert str(last.pk + 1) in cursor.gaps
    # It commits, after the message was closed: the next fold picks it up from the gap.
    Message.objects.filter(pk=m.pk).update(status=Status.CLOSED)
    late = Event.objects.get(pk=last.pk)
    late.pk = last.pk + 1
    late.save(force_insert=True)
    assert rollups.fold_pending() == 1
    assert str(last.pk + 1) not in Cursor.objects.get(name=rollups.CURSOR).gaps
    assert Rollup.objects.get(grain="d").closed == 1


def _random_history(world: World, seed: int, steps: int, time_machine: Any, capture: Any) -> None:
    rng = random.Random(seed)
    start = datetime(2024, 11, 20, 9, 0, tzinfo=timezone.get_current_timezone())
    for i in range(steps):
        # Every 9 hours: the history runs from November 2024 into 2025.
        time_machine.move_to(start + timedelta(hours=9 * i), tick=False)
        with capture(execute=True):
            _step(world, rng, PEOPLE)


def test_reports_from_cubes_equal_reports_from_month_rows(
    world: World, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    """Every report read from the month cubes equals the one read from the month rows
    (the reading before the cubes existed), for each scope shape and partial periods."""
    _random_history(world, 5, 260, time_machine, django_capture_on_commit_callbacks)
    assert Message.objects.count() > 30
    province = world.east_region.parent
    assert province is not None
    scopes = [
        Scope(),
        Scope(region=province),
        Scope(region=world.east_region),
        Scope(office=world.province),
        Scope(office=world.east),
        Scope(office=world.west),
        Scope(unit=world.east_housing),
        Scope(region=province, office=world.east),
    ]
    periods = [
        Period.year(2024),
        Period.year(2025),
        Period(date(2024, 11, 25), date(2025, 2, 10)),  # day rows at both edges
        Period(date(2024, 12, 1), date(2025, 1, 31)),  # whole months only
    ]
    compared = 0
    for scope in scopes:
        for period in periods:
            report = reports.build(scope, period)
            with month_rows_only():
                reference = reports.build(scope, period)
            assert report == reference, (scope.label(), period)
            compared += bool(report.summary.totals["received"])
    # The history reaches every scope with messages in most periods.
    assert compared >= 20


def test_cubes_derived_from_month_rows_equal_the_folded_ones(
    world: World, django_capture_on_commit_callbacks: Any, time_machine: Any
) -> None:
    """The migrations that add the region and office cubes to existing rollups sum them
    from the month rows (0004, each message's own region and body) and re-key them to
    every level above (0005): the same rows the fold wrote."""
    _random_history(world, 7, 120, time_machine, django_capture_on_commit_callbacks)
    folded = rollups.table_snapshot()
    added_by = importlib.import_module("liuyanban.analytics.migrations.0004_scoped_cubes")
    rekeyed_by = importlib.import_module("liuyanban.analytics.migrations.0005_cubes_every_level")
    added = {grain for grain, _keep in added_by.CUBES}
    assert added <= {str(g.grain) for g in rollups.GRAINS}
    assert {g.grain: g.keep for g in rollups.GRAINS if g.grain in added} == {
        grain: keep for grain, keep in added_by.CUBES
    }
    assert {g.grain: (g.keep, g.region, g.office) for g in rollups.GRAINS if g.grain in added} == {
        grain: (keep, region, office) for grain, keep, region, office in rekeyed_by.CUBES
    }
    Rollup.objects.filter(grain__in=added).delete()
    # The migrations only run statements (no schema change): an editor outside a
    # schema-editing block, as SQLite allows inside the test's transaction.
    editor = connection.SchemaEditorClass(connection, atomic=False)
    added_by.fill_cubes(django_apps, editor)
    assert {k[0] for k in folded} >= added
    # 0004 alone: each message's own region; the folded cubes hold more rows (levels).
    assert rollups.table_snapshot() != folded
    rekeyed_by.fill_cubes(django_apps, editor)
    assert rollups.table_snapshot() == folded
    # And back: 0005 reversed gives 0004's rows again.
    rekeyed_by.own_keys(django_apps, editor)
    rekeyed_by.fill_cubes(django_apps, editor)
    assert rollups.table_snapshot() == folded


def _leftovers() -> list[str]:
    with connection.cursor() as c:
        c.execute(
            r"SELECT relname FROM pg_class WHERE relkind = 'r' AND relpersistence <> 't' "
            r"AND (relname LIKE 'lyb\_rebuild\_%%' OR relname LIKE 'lyb\_next\_%%')"
        )
        return sorted(name for (name,) in c.fetchall())


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_rebuild_shared_by_two_connections_equals_incremental(world: World) -> None:
    """Outside a transaction, PostgreSQL's rebuild shares its work among connections that
    read one exported snapshot; the result is the incremental rollups, row for row."""
    for status in [Status.CLOSED, Status.REPLIED, Status.REJECTED, Status.PUBLISHED] * 3:
        world.message_in(status)
    incremental = rollups.table_snapshot()
    facts = {f.message_id: f.values for f in MessageFact.objects.all()}
    last = Event.objects.order_by("pk").last()
    assert last is not None and incremental
    lines: list[str] = []
    batches: list[int] = []
    assert not connection.in_atomic_block
    n = rollups.rebuild(chunk=2, progress=batches.append, log=lines.append)
    assert n == sum(batches) == Message.objects.count()
    assert any("2 connections" in line for line in lines)
    assert rollups.table_snapshot() == incremental
    assert {f.message_id: f.values for f in MessageFact.objects.all()} == facts
    assert Cursor.objects.get(name=rollups.CURSOR).last_event_id == last.pk
    assert _leftovers() == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_shared_rebuild_keeps_the_old_rollups(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that fails stops the rebuild: the old rollups stay as they were, readable,
    and the next rebuild drops what the failed one left and succeeds."""
    for status in [Status.CLOSED, Status.REPLIED, Status.PUBLISHED] * 2:
        world.message_in(status)
    before = rollups.table_snapshot()
    fill = rebuild._fill
    calls: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return fill(*args, **kwargs)

    monkeypatch.setattr(rebuild, "_fill", failing)
    with pytest.raises(RuntimeError, match="went away"):
        rollups.rebuild()
    assert rollups.table_snapshot() == before
    assert _leftovers()  # left behind, for the next rebuild to drop under the lock
    monkeypatch.setattr(rebuild, "_fill", fill)
    rollups.rebuild()
    assert rollups.table_snapshot() == before
    assert _leftovers() == []
