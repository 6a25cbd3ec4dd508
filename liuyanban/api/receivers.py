"""What the api app does when told: the lifecycle's event signal and the sweeper's call.

Both queue tasks from ``tasks``; they live here, beside neither ``webhooks`` nor
``tasks``, so that ``tasks`` imports ``webhooks`` and nothing imports back.
"""

from __future__ import annotations

from liuyanban.core import jobs
from liuyanban.lifecycle.models import Event

from . import webhooks
from .tasks import deliver_due_webhooks, deliver_webhook


def on_message_event(sender: object, event: Event, **kwargs: object) -> None:
    """Signal receiver, inside the event's transaction: record deliveries and their tasks."""
    for delivery in webhooks.record_deliveries(event):
        jobs.record(deliver_webhook, delivery.pk)


def repair_overdue() -> int:
    """The sweeper's repair: queue a delivery run when deliveries are overdue."""
    late = webhooks.overdue()
    if late:
        jobs.record_once(deliver_due_webhooks)
    return late
