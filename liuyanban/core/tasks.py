"""Background work of the core app: the sweeper."""

from __future__ import annotations

from django_tasks import task

from . import sweeper


@task()
def sweep_background_work() -> dict[str, int]:
    """Scheduled every minute: queue again whatever background work is missing."""
    return sweeper.sweep()
