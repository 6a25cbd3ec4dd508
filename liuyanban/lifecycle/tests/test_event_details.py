"""Every kind of event has a TypedDict for its details, and recorded details conform to it.

mypy checks each call of the recording function against its kind (the overloads of
``actions._base._record``); these tests check the table is complete and the checker
itself. The walk in test_transitions.py checks the details of every event it records.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from liuyanban.lifecycle import events
from liuyanban.lifecycle.models import Event, Message, Status
from liuyanban.lifecycle.transitions import TRANSITIONS
from liuyanban.supervision.jobs import run_deadline_job
from liuyanban.testing.world import World, today

# Kinds recorded outside the transitions table: the citizen's submission and the
# deadline job's escalations.
OUTSIDE_THE_TABLE = {"submit", "escalate"}


def test_every_event_kind_has_a_typeddict() -> None:
    assert set(events.DETAILS) == set(TRANSITIONS) | OUTSIDE_THE_TABLE


@pytest.mark.parametrize("kind", sorted(events.DETAILS))
def test_every_kind_is_described_by_typeddicts(kind: str) -> None:
    for shape in events.shapes(kind):
        assert hasattr(shape, "__required_keys__") and hasattr(shape, "__optional_keys__")


def test_a_final_reply_has_two_forms() -> None:
    assert len(events.shapes("reply_final")) == 2
    assert events.problems("reply_final", {"reply": 1, "resolution": "solved"}) == []
    assert events.problems("reply_final", {"reply": 1}) != []


def test_the_checker_finds_each_kind_of_departure() -> None:
    good = {"to": "西区", "to_code": "west", "due": "2026-01-05"}
    assert events.problems("transfer", good) == []
    assert events.problems("transfer", {"to": "西区", "due": "2026-01-05"}) == [
        "transfer: missing 'to_code'"
    ]
    assert events.problems("transfer", {**good, "note": "x"}) == ["transfer: unexpected 'note'"]
    assert events.problems("reply_interim", {"reply": "7"}) == [
        "reply_interim: 'reply'='7' is not <class 'int'>"
    ]
    # A bool is not an id; None only where the kind allows it.
    assert events.problems("reply_interim", {"reply": True}) != []
    assert (
        events.problems("decide_extension", {"extension": 1, "approved": False, "new_due": None})
        == []
    )
    assert events.problems("assign", {"lead": "a", "lead_code": "b", "assist": [1], "due": ""})
    assert events.problems("no_such_kind", {}) == ["no TypedDict for event kind 'no_such_kind'"]
    # Optional keys may be left out; required ones may not.
    assert events.problems("approve", {}) == []


def test_the_deadline_jobs_escalations_conform(world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    Message.objects.filter(pk=m.pk).update(current_due=today() - timedelta(days=30))
    run_deadline_job()
    escalations = list(Event.objects.filter(message=m, action="escalate"))
    assert escalations
    for e in escalations:
        assert events.problems(e.action, e.details) == []
