"""Background work of campaigns through the Django tasks API."""

from __future__ import annotations

from django_tasks import task

from . import actions


@task()
def compute_topics(campaign_id: int) -> int:
    """Recompute a campaign's topic groups (enqueue after moderation batches or nightly)."""
    return actions.refresh_topics(campaign_id=campaign_id)
