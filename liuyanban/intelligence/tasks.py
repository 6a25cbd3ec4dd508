"""Background work of the intelligence app (Django tasks API)."""

from __future__ import annotations

from django_tasks import task

from .analysis import analyse


@task()
def analyse_message(message_id: int) -> bool:
    """Analyse a newly submitted message (run by the task worker)."""
    return analyse(message_id) is not None


@task()
def retrain_classifiers() -> dict[str, bool]:
    """Scheduled retraining (e.g. weekly from cron: enqueue this task); skips targets without data."""
    from .training import train

    promoted = {}
    for target in ("domain", "kind"):
        try:
            promoted[target] = train(target).promoted
        except ValueError:
            promoted[target] = False
    return promoted
