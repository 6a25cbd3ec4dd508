"""Work that must follow a change, recorded in the same transaction as the change.

Every app queues follow-up work through ``record`` (or ``record_once``), inside the
transaction that makes the change, never in an on-commit hook: a process killed between
the commit and the hook would lose the work.

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
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend

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


def record(task: Task[Any, Any], *args: Any) -> None:
    """Queue ``task(*args)`` as part of the current transaction (see the module docstring)."""
    if in_database(task):
        task.enqueue(*args)
        return
    job = OutboxJob.objects.create(task_path=task.module_path, args=list(args))
    transaction.on_commit(partial(relay, ids=[job.pk]), robust=True)


def record_once(task: Task[Any, Any]) -> None:
    """Queue an argument-less task unless one is already waiting to start.

    For catch-up tasks (the rollup fold reads everything after its cursor): one waiting
    run covers every change, so the queue does not carry one task per change. A waiting
    run may start before this transaction commits; the sweeper catches what it missed.
    """
    if in_database(task):
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.ready().filter(
            task_path=task.module_path, backend_name=task.get_backend().alias
        )
        if not waiting.exists():
            task.enqueue()
        return
    if not OutboxJob.objects.filter(task_path=task.module_path).exists():
        record(task)


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
