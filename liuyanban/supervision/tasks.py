"""Scheduled work of supervision through the Django tasks API."""

from __future__ import annotations

from django_tasks import task

from .jobs import run_deadline_job


@task()
def deadline_job() -> dict[str, int]:
    """The deadline job as a task (enqueue it from cron, a timer or ``run_deadlines --loop``)."""
    return run_deadline_job().created
