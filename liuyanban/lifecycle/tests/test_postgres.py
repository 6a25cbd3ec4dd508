"""Guarantees only PostgreSQL gives: row locks between officers, an append-only event table."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from liuyanban.core.errors import DomainError
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Assignment, Event, Message, Status
from liuyanban.testing.world import World, build_world

pytestmark = pytest.mark.postgres_only


def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("run with DATABASE_URL pointing at PostgreSQL (make test in CI does)")


@pytest.mark.django_db(transaction=True)
def test_two_officers_at_once_one_wins_the_other_gets_a_clear_error() -> None:
    if connection.vendor != "postgresql":
        return _skip_on_sqlite()
    world = build_world()
    m = world.message_in(Status.ACCEPTED)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name: str, unit_id: int) -> None:
        try:
            barrier.wait()
            actions.assign_message(actor=world.olga, message_id=m.pk, lead_id=unit_id)
            outcomes[name] = "ok"
        except DomainError as exc:
            outcomes[name] = f"{exc.status}:{exc.message}"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("a", world.east_housing.pk)),
        threading.Thread(target=act, args=("b", world.east_transport.pk)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values())[0].startswith("409:")
    assert sorted(outcomes.values())[1] == "ok"
    # Exactly one assignment and one assign event exist: nothing lost, nothing doubled.
    assert Assignment.objects.filter(message=m).count() == 1
    assert Event.objects.filter(message=m, action="assign").count() == 1
    assert Message.objects.get(pk=m.pk).status == Status.ASSIGNED


@pytest.mark.django_db
def test_events_refuse_update_and_delete() -> None:
    if connection.vendor != "postgresql":
        return _skip_on_sqlite()
    world = build_world()
    m = world.submit()
    event = Event.objects.get(message=m)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).action == "submit"


def _skip_on_sqlite() -> None:
    # SQLite serialises writers and has no triggers here; the PostgreSQL run covers these.
    assert connection.vendor == "sqlite"


def _seven_property_complaints() -> tuple[World, list[int]]:
    """A world with seven published 物业 complaints (their ids, oldest first)."""
    world = build_world()
    hits = [
        world.message_in(
            Status.PUBLISHED,
            title=f"幸福小区物业乱收费第{i}次",
            body="物业公司乱收停车费，业主多次反映没有结果，请有关部门尽快调查处理。",
        ).pk
        for i in range(7)
    ]
    return world, hits


@pytest.mark.django_db
def test_search_reads_the_stored_vector_never_recomputing_it_per_row() -> None:
    if connection.vendor != "postgresql":
        return _skip_on_sqlite()
    from liuyanban.lifecycle.search import matching, search_messages

    world = build_world()
    hit = world.message_in(
        Status.PUBLISHED,
        title="幸福小区物业乱收费",
        body="物业公司乱收停车费，业主多次反映没有结果，请有关部门尽快调查处理。",
    )
    world.message_in(
        Status.PUBLISHED,
        title="幸福路路灯不亮",
        body="幸福路的路灯坏了三个月，晚上出行很不安全，请尽快修复。",
    )
    page = search_messages("物业")
    assert [m.pk for m in page.items] == [hit.pk]
    sql, params = matching(["物业"]).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The old expression index made a newest-first walk call to_tsvector() on every row.
    assert "to_tsvector" not in plan and "search_vector" in plan


@pytest.mark.django_db
def test_search_pages_are_the_same_through_either_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Few matches are read through the GIN index and sorted; many through a newest-first
    walk. Both give the same pages, newest first, with the same cursors. (The probe's
    choice: a table without statistics.)"""
    if connection.vendor != "postgresql":
        return _skip_on_sqlite()
    from liuyanban.lifecycle import search, search_stats

    monkeypatch.setattr(search_stats, "lexeme_stats", lambda: None)

    world, hits = _seven_property_complaints()
    world.message_in(Status.PUBLISHED, title="幸福路路灯不亮", body="路灯坏了三个月，请尽快修复。")

    def walk() -> list[list[int]]:
        pages, cursor = [], None
        while True:
            page = search.search_messages("物业", limit=3, cursor=cursor)
            pages.append([m.pk for m in page.items])
            if page.next_cursor is None:
                return pages
            cursor = page.next_cursor

    plans: list[str] = []

    def record(execute: Any, sql: str, *args: Any) -> Any:
        plans.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(record):
        few = walk()  # 7 matches, under PLAN_CAP: the GIN path (ordered by id + 0)
    assert any('"id" +' in sql for sql in plans)
    assert search.search_messages("物业").count == 7  # the plan's probe is the count too
    monkeypatch.setattr(search, "PLAN_CAP", 2)  # now "many": the newest-first walk
    plans.clear()
    with connection.execute_wrapper(record):
        many = walk()
    assert not any('"id" +' in sql for sql in plans)
    newest_first = sorted(hits, reverse=True)
    assert few == many == [newest_first[:3], newest_first[3:6], newest_first[6:]]


@pytest.mark.django_db
def test_search_plan_comes_from_the_statistics_without_a_probe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After ANALYZE, a word the statistics list as common walks the newest rows and one
    they do not list reads the GIN index, and neither counts matches to decide."""
    if connection.vendor != "postgresql":
        return _skip_on_sqlite()
    from liuyanban.lifecycle import search, search_stats

    # Ids far above the row count, as in a long-lived database (or a long test run): the
    # walk's bounds are in ids, the estimates in rows.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), 1000000)", [Message._meta.db_table]
        )
    world, hits = _seven_property_complaints()
    lamp = world.message_in(
        Status.PUBLISHED, title="幸福路路灯不亮", body="路灯坏了三个月，请尽快修复。"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Message._meta.db_table}")
    search_stats.forget()
    monkeypatch.setattr(search, "COUNT_SURE", 5)  # and 5 matches are "surely many"
    statements: list[str] = []

    def record(execute: Any, sql: str, *args: Any) -> Any:
        statements.append(sql)
        return execute(sql, *args)

    try:
        stats = search_stats.lexeme_stats()
        assert stats is not None and "物业" in stats.shares and "延边" not in stats.shares
        # The switch point halfway to 物业's rows: whatever other rows the table holds
        # (earlier tests may have committed some), 物业 is common and 路灯 rare here.
        half = stats.shares["物业"] * stats.rows / 2
        monkeypatch.setattr(search, "walk_threshold", lambda rows, page: half)
        with connection.execute_wrapper(record):
            common = search.search_messages("物业", limit=5)
        assert [m.pk for m in common.items] == sorted(hits, reverse=True)[:5]
        assert common.count_capped  # surely many: "1,000+" shown without counting
        assert not any("COUNT(" in sql.upper() for sql in statements)  # no probe, no count
        assert not any('"id" +' in sql for sql in statements)  # the newest-first walk
        statements.clear()
        with connection.execute_wrapper(record):
            absent = search.search_messages("延边")
            lamps = search.search_messages("路灯")
        assert absent.items == [] and absent.count == 0
        assert [m.pk for m in lamps.items] == [lamp.pk] and lamps.count == 1
        assert any('"id" +' in sql for sql in statements)  # rare: through the GIN index
        assert not any("3001" in sql for sql in statements)  # never the old probe
        pages: list[list[int]] = []
        after: str | None = None
        while True:  # the walk's pages, with cursors
            page = search.search_messages("物业", limit=3, cursor=after)
            pages.append([m.pk for m in page.items])
            if page.next_cursor is None:
                break
            after = page.next_cursor
        newest_first = sorted(hits, reverse=True)
        assert pages == [newest_first[:3], newest_first[3:6], newest_first[6:]]
    finally:
        search_stats.forget()
