"""What analytics does when told: the lifecycle's event signal and the sweeper's call.

Both queue ``tasks.fold_events``; they live here, beside neither ``rollups`` nor
``tasks``, so that ``tasks`` imports ``rollups`` and nothing imports back.
"""

from __future__ import annotations

from datetime import timedelta

from liuyanban.core import jobs
from liuyanban.lifecycle.models import Event

from .rollups import unfolded
from .tasks import fold_events

# Events younger than this are left to the fold their own transaction queued.
SWEEP_GRACE = timedelta(seconds=30)


def on_message_event(sender: object, event: Event, **kwargs: object) -> None:
    """Receiver of ``lifecycle.signals.message_event``, inside the event's transaction.

    Makes sure a fold is queued; one waiting fold covers every event written before it runs.
    """
    jobs.record_once(fold_events)


def count_unfolded() -> int:
    """Events the sweeper counts as not folded (older than ``SWEEP_GRACE``)."""
    return unfolded(older_than=SWEEP_GRACE)


def repair_unfolded() -> int:
    """The sweeper's repair: queue a fold when events were left behind."""
    missing = count_unfolded()
    if missing:
        jobs.record_once(fold_events)
    return missing
