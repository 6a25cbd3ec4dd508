"""The intelligence app listens to lifecycle events and never changes a message's status.

The lifecycle never imports intelligence: the search index uses the shared text machinery
in ``core.text.chinese``, the default redactor of published text is reached through the
``REDACTOR`` setting, and everything else reaches intelligence only through
``lifecycle.signals.message_event``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from liuyanban.core import jobs
from liuyanban.lifecycle.models import Event, Message

# A message younger than this may simply be waiting in the queue.
ANALYSIS_GRACE = timedelta(seconds=60)
SWEEP_BATCH = 500


def on_message_event(sender: Any, event: Event, **kwargs: Any) -> None:
    """Inside the event's transaction: record intake analysis of every new submission and the
    hot-issue update of every published message; remember merges of suggested duplicates."""
    from .tasks import analyse_message, update_hot_issue

    if event.action == "submit":
        jobs.record(analyse_message, event.message_id)
    elif event.action == "approve":
        # The near-duplicate index holds every public message from the moment it is public,
        # even when intake analysis has not run yet (demo, queue backlog). Analysis stored
        # it at submission from the same text, so normally this only checks (one query).
        _index_for_duplicates(event)
        # Hot issues are grouped in the background, never in the moderator's request.
        jobs.record(update_hot_issue, event.message_id)
    elif event.action == "merge":
        from .models import DuplicateLink, LinkState

        DuplicateLink.objects.filter(
            message_id=event.message_id, candidate__tracking_number=event.details.get("into", "")
        ).update(state=LinkState.MERGED)


def _index_for_duplicates(event: Event) -> None:
    from . import duplicates

    # The action hands its saved message to the event: no need to read it again.
    message = event.message if Event._meta.get_field("message").is_cached(event) else None
    duplicates.index_published(event.message_id, message)


def unanalysed() -> Any:
    """Messages past the grace period without their intake analysis."""
    return Message.objects.filter(
        insight__isnull=True, submitted_at__lt=timezone.now() - ANALYSIS_GRACE
    )


def queue_missing_analyses() -> int:
    """The sweeper's repair: queue analysis of each unanalysed message not already queued."""
    from .tasks import analyse_message

    waiting = jobs.waiting_first_args(analyse_message)
    queued = 0
    for message_id in unanalysed().order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH]:
        if message_id not in waiting:
            jobs.record(analyse_message, message_id)
            queued += 1
    return queued
