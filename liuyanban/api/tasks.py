"""Background work of the api app (Django tasks API): webhook deliveries."""

from __future__ import annotations

from django_tasks import default_task_backend, task

from . import webhooks
from .models import WebhookDelivery


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt; on failure, re-enqueue for the backoff time when the backend can defer."""
    state = webhooks.attempt(delivery_id)
    if state == "pending" and default_task_backend.supports_defer:
        due = (
            WebhookDelivery.objects.filter(pk=delivery_id)
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if due is not None:
            deliver_webhook.using(run_after=due).enqueue(delivery_id)
    return state


@task()
def deliver_due_webhooks() -> dict[str, int]:
    """The sweeper: attempt every due delivery (run periodically, or via deliver_webhooks)."""
    return webhooks.deliver_due()
