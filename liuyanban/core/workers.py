"""Task workers that survive crashes: heartbeats, interrupted tasks, retries of transient errors.

``manage.py run_worker`` (django-tasks-db's worker made resilient) writes a heartbeat row
naming the task it runs. A RUNNING task whose worker stopped beating (killed) or moved
on (it lost the database while saving the result) was interrupted; ``requeue_stale``
puts it back in the queue, up to ``MAX_ATTEMPTS`` runs, then marks it failed. Tasks
started by a worker that never beats (the stock ``db_worker``) get the long ``LEASE``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerBeat

logger = logging.getLogger(__name__)

# A stored task of any signature: the worker and the sweeper handle every task alike.
StoredTask: TypeAlias = "DBTaskResult[..., Any]"

MAX_ATTEMPTS = 5
STALE_BATCH = 500


def beat_timeout() -> timedelta:
    """A worker silent for this long is dead (it beats every few seconds, even mid-task)."""
    return timedelta(seconds=settings.LIUYANBAN.get("TASK_BEAT_TIMEOUT", 60))


def lease() -> timedelta:
    """How long a task of a worker without heartbeats may stay RUNNING."""
    return timedelta(seconds=settings.LIUYANBAN.get("TASK_LEASE", 3600))


def retry_delay(attempts: int) -> timedelta:
    """Back off between runs of a task that met a transient error: 2, 4, 8 … seconds."""
    return timedelta(seconds=min(2**attempts, 300))


def beat(worker_id: str, task_id: str = "") -> None:
    """Record that ``worker_id`` is alive and running ``task_id`` ("" when idle)."""
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id, defaults={"task_id": task_id, "beat_at": timezone.now()}
    )


def _running(now: datetime) -> QuerySet[StoredTask]:
    # A task claimed a moment ago may not have its heartbeat yet.
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - timedelta(seconds=10)
    ).order_by("started_at")


def stale_running(now: datetime | None = None) -> list[StoredTask]:
    """RUNNING tasks nobody is running any more (at most ``STALE_BATCH``)."""
    now = now or timezone.now()
    candidates = list(_running(now)[:STALE_BATCH])
    owners = {t.worker_ids[-1] for t in candidates if t.worker_ids}
    beats = {b.worker_id: b for b in WorkerBeat.objects.filter(worker_id__in=owners)}
    stale = []
    for task in candidates:
        owner = beats.get(task.worker_ids[-1]) if task.worker_ids else None
        if owner is None:
            dead = task.started_at is not None and task.started_at < now - lease()
        else:
            silent = owner.beat_at < now - beat_timeout()
            # Beating since the task started, but about another task (or none): it moved on.
            moved_on = owner.beat_at > (task.started_at or now) and owner.task_id != str(task.pk)
            dead = silent or moved_on
        if dead:
            stale.append(task)
    return stale


def requeue(task: StoredTask, *, reason: str, delay: timedelta | None = None) -> bool:
    """Put an interrupted RUNNING task back in the queue (failed after ``MAX_ATTEMPTS`` runs).

    Conditional on the task still being RUNNING from the same start, so a sweep and a
    worker (or two sweeps) never both act on it. True when this call changed it.
    """
    now = timezone.now()
    same = DBTaskResult.objects.filter(
        pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
    )
    if len(task.worker_ids) >= MAX_ATTEMPTS:
        logger.error(
            "task %s (%s) failed %d times: %s", task.pk, task.task_path, MAX_ATTEMPTS, reason
        )
        return bool(
            same.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="liuyanban.core.workers.Interrupted",
                traceback=f"{reason} ({len(task.worker_ids)} runs)",
            )
        )
    logger.warning("task %s (%s) back in the queue: %s", task.pk, task.task_path, reason)
    return bool(
        same.update(
            status=TaskResultStatus.READY,
            started_at=None,
            run_after=now + (delay or timedelta(0)),
        )
    )


def requeue_stale() -> int:
    """The sweeper's repair: re-queue every interrupted task; how many were changed."""
    return sum(requeue(t, reason="worker gone") for t in stale_running())
