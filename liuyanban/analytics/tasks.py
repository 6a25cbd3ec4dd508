"""Background work of the analytics app (Django tasks API)."""

from __future__ import annotations

from django_tasks import task

from .rollups import fold_pending


@task()
def fold_events() -> int:
    """Fold every event after the cursor into the rollups (idempotent); messages refreshed."""
    return fold_pending()
