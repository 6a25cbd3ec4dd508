"""Background work of the intelligence app (Django tasks API)."""

from __future__ import annotations

from django_tasks import task

from liuyanban.core import versions

from .analysis import analyse
from .hot.store import add_published, refresh_all

# The version of the hot-issue pages (and the home page's hot list), see core.versions.
HOT_ISSUES = "hot"


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


@task()
def update_hot_issue(message_id: int) -> int | None:
    """Add a newly published message to its hot issue (run by the task worker); the issue id."""
    issue = add_published(message_id)
    if issue is not None:
        versions.bump(HOT_ISSUES)
    return issue.pk if issue else None


@task()
def refresh_hot_issues() -> int:
    """Scheduled (e.g. hourly from cron): recompute heat at the current time, warn, re-rank."""
    count = refresh_all()
    versions.bump(HOT_ISSUES)
    return count
