"""Guarantees only PostgreSQL gives: row locks between officers, an append-only event table."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from liuyanban.core.errors import DomainError
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Assignment, Event, Message, Status
from liuyanban.testing.world import build_world

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
