"""The platform's periodic work, in one table: what runs, how often.

``manage.py run_scheduler`` enqueues each task when it is due (the task worker runs
it); cron or a systemd timer calling the same command with ``--once`` works too.
Every task listed is idempotent, so a missed or doubled tick does no harm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Periodic:
    """A task path and its interval in seconds."""

    name: str
    every: int
    task: Callable[[], Any]


def schedule() -> list[Periodic]:
    """Imported lazily: tasks live in their apps."""
    from liuyanban.analytics.tasks import purge_report_pdfs
    from liuyanban.api.tasks import deliver_due_webhooks
    from liuyanban.core.tasks import sweep_background_work
    from liuyanban.intelligence.tasks import refresh_hot_issues, retrain_classifiers
    from liuyanban.lifecycle.tasks import purge_stale_draft_images
    from liuyanban.supervision.tasks import deadline_job

    return [
        Periodic("deadlines (临期预警/催办/黄牌/红牌)", 3600, deadline_job.enqueue),
        Periodic("webhook retries", 60, deliver_due_webhooks.enqueue),
        Periodic("background-work sweeper", 60, sweep_background_work.enqueue),
        Periodic("hot issues heat and ranking", 3600, refresh_hot_issues.enqueue),
        Periodic("classifier retraining", 7 * 24 * 3600, retrain_classifiers.enqueue),
        Periodic("write-page images never submitted", 24 * 3600, purge_stale_draft_images.enqueue),
        Periodic("printed PDF reports older than a week", 24 * 3600, purge_report_pdfs.enqueue),
    ]
