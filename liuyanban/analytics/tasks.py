"""Background work of the analytics app (Django tasks API)."""

from __future__ import annotations

from django_tasks import task

from .rollups import fold_event


@task()
def fold_message_event(message_id: int, event_id: int) -> bool:
    """Fold one event's message into the rollups (run by the task worker)."""
    return fold_event(message_id, event_id)
