"""The intelligence app listens to lifecycle events and never changes a message's status.

The lifecycle does use two pieces of it directly: the shared text machinery
(``intelligence.text`` for the search index) and, through the ``REDACTOR`` setting, the
default redactor of published text; everything else reaches intelligence only through
``lifecycle.signals.message_event``.
"""

from __future__ import annotations

import logging
from typing import Any

from liuyanban.lifecycle.models import Event

logger = logging.getLogger(__name__)


def on_message_event(sender: Any, event: Event, **kwargs: Any) -> None:
    """Queue intake analysis for every new submission; remember merges of suggested duplicates;
    queue the hot-issue update of every published message."""
    if event.action == "approve":
        _queue_hot_issue(event.message_id)
        return
    if event.action == "merge":
        from .models import DuplicateLink, LinkState

        DuplicateLink.objects.filter(
            message_id=event.message_id, candidate__tracking_number=event.details.get("into", "")
        ).update(state=LinkState.MERGED)
        return
    if event.action != "submit":
        return
    from .tasks import analyse_message

    try:
        analyse_message.enqueue(event.message_id)
    except Exception:  # the queue being down must not break the submission path
        logger.exception("could not queue analysis of message %s", event.message_id)


def _queue_hot_issue(message_id: int) -> None:
    """Hot issues are grouped in the background, never in the moderator's request."""
    from .tasks import update_hot_issue

    try:
        update_hot_issue.enqueue(message_id)
    except Exception:  # the queue being down must not break publishing
        logger.exception("could not queue the hot-issue update of message %s", message_id)
