"""Work that must follow a change, recorded in the same transaction as the change.

Every app queues follow-up work through ``record`` (or ``record_once``), inside the
transaction that makes the change, never in an on-commit hook: a process killed between
the commit and the hook would lose the work. Inside a ``batch`` block (the write path's
actions open one) the jobs of the change are written together, still in its transaction.

- With the database task backend (django-tasks-db, the default) the task row itself is
  written in the transaction: it commits with the change or not at all.
- With any other backend (RQ on Redis; the inline backend of the tests) an ``OutboxJob``
  row is written in the transaction; after commit ``relay`` hands it to the queue and
  deletes it, and the sweeper relays whatever a crash left behind. A job may then run
  twice (pushed, then the process died before deleting the row), so every task recorded
  here is idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json

from .models import OutboxJob

logger = logging.getLogger(__name__)

# The sweeper relays outbox rows older than this (younger ones are the after-commit relay's).
RELAY_GRACE = timedelta(seconds=30)
RELAY_BATCH = 500

# Errors a retry can cure: a dropped connection, a terminated backend, a failover.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a database error that a retry can cure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, TRANSIENT_ERRORS):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def in_database(task: Task[Any, Any]) -> bool:
    """Whether the task's queue lives in the database (so its rows share our transactions)."""
    return isinstance(task.get_backend(), DatabaseBackend)


# The jobs of the change being made in this thread, while a ``batch`` block is open.
_pending = threading.local()


def _batch() -> list[tuple[Task[Any, Any], tuple[Any, ...]]] | None:
    jobs: list[tuple[Task[Any, Any], tuple[Any, ...]]] | None = getattr(_pending, "jobs", None)
    return jobs


@contextmanager
def batch(using: str | None = None) -> Iterator[None]:
    """Write the jobs recorded inside the block with one INSERT at its end.

    Open it inside the change's ``transaction.atomic`` block (an action's body): the rows
    are written before the block closes, so they still commit with the change or not at
    all. A block that raises writes nothing (its transaction is rolled back). Outside a
    transaction, or inside another batch, jobs are written as usual (by the outer batch).
    A job recorded inside a savepoint that rolls back while the block goes on would still
    be written: record jobs after such savepoints (as every action does).
    """
    if _batch() is not None or not transaction.get_connection(using).in_atomic_block:
        yield
        return
    _pending.jobs = []
    try:
        yield
        jobs = _pending.jobs
    finally:
        _pending.jobs = None
    _write(jobs)


def _write(jobs: list[tuple[Task[Any, Any], tuple[Any, ...]]]) -> None:
    """One INSERT for the database queue's rows, one for the outbox's."""
    queued = [(task, args) for task, args in jobs if in_database(task)]
    if queued:
        from django_tasks.signals import task_enqueued
        from django_tasks_db.models import DBTaskResult, get_date_max

        rows: list[DBTaskResult[..., Any]] = []
        for task, args in queued:
            backend = task.get_backend()
            backend.validate_task(task)
            # The fields the backend's own enqueue writes (DatabaseBackend._task_to_db_task).
            rows.append(
                DBTaskResult(
                    args_kwargs=normalize_json({"args": args, "kwargs": {}}),
                    priority=task.priority,
                    task_path=task.module_path,
                    queue_name=task.queue_name,
                    run_after=task.run_after or get_date_max(),
                    backend_name=backend.alias,
                )
            )
        DBTaskResult.objects.bulk_create(rows)
        for (task, _args), row in zip(queued, rows, strict=True):
            task_enqueued.send(type(task.get_backend()), task_result=row.task_result)
    outbox = [
        OutboxJob(task_path=task.module_path, args=list(args))
        for task, args in jobs
        if not in_database(task)
    ]
    if outbox:
        created = OutboxJob.objects.bulk_create(outbox)
        ids = [job.pk for job in created if job.pk is not None]
        # A database that cannot return the new ids leaves the rows to the sweeper.
        if ids:
            transaction.on_commit(partial(relay, ids=ids), robust=True)


def record(task: Task[Any, Any], *args: Any) -> None:
    """Queue ``task(*args)`` as part of the current transaction (see the module docstring)."""
    pending = _batch()
    if pending is not None:
        pending.append((task, args))
        return
    if in_database(task):
        task.enqueue(*args)
        return
    job = OutboxJob.objects.create(task_path=task.module_path, args=list(args))
    transaction.on_commit(partial(relay, ids=[job.pk]), robust=True)


# When this process last saw (or queued) a waiting run of each catch-up task in the
# database queue: within WAITING_MEMO seconds the next change takes it as still waiting.
WAITING_MEMO = 1.0
_waiting_seen: dict[str, float] = {}


def forget_waiting() -> None:
    """Forget the waiting runs seen (tests start from a process that has seen none)."""
    _waiting_seen.clear()


def record_once(task: Task[Any, Any]) -> None:
    """Queue an argument-less task unless one is already waiting to start.

    For catch-up tasks (the rollup fold reads everything after its cursor): one waiting
    run covers every change, so the queue does not carry one task per change. A waiting
    run may start before this transaction commits; the sweeper catches what it missed.
    With the database queue, a run seen waiting less than ``WAITING_MEMO`` seconds ago
    is taken as still waiting without asking again (at hundreds of changes a second the
    question would be asked hundreds of times for one answer); that widens the window
    the sweeper covers by that second, and loses nothing.
    """
    pending = _batch()
    if pending is not None and any(t.module_path == task.module_path for t, _a in pending):
        return
    if in_database(task):
        from django_tasks_db.models import DBTaskResult

        path = task.module_path
        if time.monotonic() - _waiting_seen.get(path, -WAITING_MEMO) < WAITING_MEMO:
            return
        waiting = DBTaskResult.objects.ready().filter(
            task_path=path, backend_name=task.get_backend().alias
        )
        if waiting.exists():
            _waiting_seen[path] = time.monotonic()
        else:
            record(task)
            # Waiting from the moment it commits (a rolled-back run was never queued).
            transaction.on_commit(partial(_saw_waiting, path))
        return
    if not OutboxJob.objects.filter(task_path=task.module_path).exists():
        record(task)


def _saw_waiting(path: str) -> None:
    _waiting_seen[path] = time.monotonic()


def relay(*, ids: list[int] | None = None, older_than: timedelta | None = None) -> int:
    """Hand outbox rows to the task queue and delete them; the number relayed.

    A row the queue refuses stays in the outbox for the next sweep.
    """
    rows = OutboxJob.objects.order_by("pk")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    if older_than is not None:
        rows = rows.filter(created_at__lt=timezone.now() - older_than)
    relayed = 0
    for job in list(rows[:RELAY_BATCH]):
        try:
            task = import_string(job.task_path)
            task.enqueue(*job.args)
        except Exception:  # the queue is down: the row waits for the sweeper
            logger.exception("could not relay job %s (%s)", job.pk, job.task_path)
            continue
        OutboxJob.objects.filter(pk=job.pk).delete()
        relayed += 1
    return relayed


def unrelayed() -> int:
    """Outbox rows the after-commit relay should have sent by now."""
    return OutboxJob.objects.filter(created_at__lt=timezone.now() - RELAY_GRACE).count()


def waiting_first_args(task: Task[Any, Any]) -> set[Any]:
    """First arguments of the task's runs that are queued or running (as far as we can see).

    The sweeper skips these so a long queue is not filled twice. The database queue is
    visible; an external queue is not, so only its outbox rows count.
    """
    from django_tasks_db.models import DBTaskResult

    path = task.module_path
    out = {
        args[0]
        for args in OutboxJob.objects.filter(task_path=path).values_list("args", flat=True)
        if args
    }
    if in_database(task):
        rows = DBTaskResult.objects.filter(
            task_path=path, status__in=["READY", "RUNNING"]
        ).values_list("args_kwargs", flat=True)
        out |= {row["args"][0] for row in rows if row.get("args")}
    return out
