"""Background work of the intelligence app (Django tasks API)."""

from __future__ import annotations

from django_tasks import task

from .analysis import analyse


@task()
def analyse_message(message_id: int) -> bool:
    """Analyse a newly submitted message (run by the task worker)."""
    return analyse(message_id) is not None
