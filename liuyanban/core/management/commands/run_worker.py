"""The task worker for production, for whichever queue the settings configure.

With the database queue (the default): django-tasks-db's worker made to survive a lost
database (reconnects, re-queues a task that met a transient error). With Redis
(``TASKS_BACKEND=rq``): django-rq's ``rqworker`` with django-tasks-rq's job class. The
supervisor configuration and the systemd units start ``manage.py run_worker`` either way.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections, connection
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from liuyanban.core import workers
from liuyanban.core.jobs import is_transient

logger = logging.getLogger("liuyanban.core.worker")

BEAT_EVERY = 5.0
RECONNECT_PAUSE = 1.0
SAVE_ATTEMPTS = 5
MAX_RECONNECTS = 120


def _reconnect() -> None:
    """Drop a broken connection so the next query opens a fresh one."""
    if connection.in_atomic_block:
        # Inside a transaction (only ever a test's) the connection cannot be replaced.
        return
    try:
        close_old_connections()
        if connection.connection is not None and not connection.is_usable():
            connection.close()
    except Exception:  # closing a dead socket can fail too; the next query reconnects
        connection.connection = None
        connection.close_at = None


def _persist(action: Any, what: str) -> bool:
    """Run a bookkeeping write, reconnecting through transient errors; False if it never got in."""
    for attempt in range(SAVE_ATTEMPTS):
        try:
            action()
            return True
        except Exception as exc:
            if not is_transient(exc):
                raise
            logger.warning("database lost while %s (attempt %d); reconnecting", what, attempt + 1)
            _reconnect()
            time.sleep(RECONNECT_PAUSE * (attempt + 1))
    return False


class Heart(threading.Thread):
    """Beats every few seconds on its own connection, naming the task the worker runs."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id = worker_id
        self.task_id = ""
        self.poke = threading.Event()

    def now_running(self, task_id: str) -> None:
        self.task_id = task_id
        self.poke.set()

    def run(self) -> None:
        while True:
            self.poke.wait(BEAT_EVERY)
            self.poke.clear()
            try:
                workers.beat(self.worker_id, self.task_id)
            except Exception:  # the database is away; beat again when it is back
                logger.warning("heartbeat failed; reconnecting", exc_info=True)
                _reconnect()


class ResilientWorker(Worker):
    """Reconnects when the database goes away; retries tasks that met a transient error."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heart = Heart(self.worker_id)

    def run(self) -> None:
        self.heart.start()
        failures = 0
        while self.running:
            try:
                super().run()
                return
            except Exception as exc:
                failures += 1
                # A database away for minutes: exit, and the supervisor starts a fresh worker.
                if not is_transient(exc) or failures > MAX_RECONNECTS:
                    raise
                logger.warning("database lost (%s); reconnecting", exc)
                _reconnect()
                time.sleep(RECONNECT_PAUSE)

    def run_task(self, db_task_result: workers.StoredTask) -> None:
        """Run one task: success, failure, or (transient error, interruption) back to the queue."""
        self.running_task = True
        self.heart.now_running(str(db_task_result.pk))
        try:
            self._call_and_record(db_task_result)
        finally:
            self.heart.now_running("")
            self.running_task = False
            self._run_tasks += 1

    def _call_and_record(self, db_task_result: workers.StoredTask) -> None:
        backend_type: type | None = None
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = type(task.get_backend())
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
        except (KeyboardInterrupt, SystemExit):
            # Stopped mid-task (a second Ctrl-C): interrupted, not failed.
            _persist(lambda: workers.requeue(db_task_result, reason="worker stopped"), "requeueing")
            raise
        except Exception as exc:
            if is_transient(exc):
                _reconnect()
                delay = workers.retry_delay(len(db_task_result.worker_ids))
                reason = f"transient database error: {type(exc).__name__}"
                _persist(
                    lambda: workers.requeue(db_task_result, reason=reason, delay=delay),
                    "requeueing",
                )
                return
            error = exc
            _persist(lambda: db_task_result.set_failed(error), "recording a failure")
            if backend_type is not None:
                task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
            return
        # If the result cannot be saved the task stays RUNNING while this worker moves on,
        # and the sweeper re-queues it (tasks are idempotent).
        if _persist(lambda: db_task_result.set_successful(value), "recording a success"):
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)


RQ_BACKEND = "django_tasks_rq.RQBackend"


class Command(DbWorkerCommand):
    help = "运行后台任务进程（数据库连接中断后自动重连，暂时性数据库错误的任务重新排队）"

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        if settings.TASKS["default"]["BACKEND"] == RQ_BACKEND:
            # db_worker's --backend insists on a database backend, even for its default
            # value; with Redis as the queue the option is unused, so accept it as it is.
            parser._option_string_actions["--backend"].type = None

    def handle(self, *args: Any, **options: Any) -> None:
        conf = settings.TASKS["default"]
        if conf["BACKEND"] == RQ_BACKEND:
            from django.utils.module_loading import autodiscover_modules

            from liuyanban.core.text.chinese import tokenizer

            # RQ forks a child for every job. Import the task modules, each app's
            # ``preload`` (scikit-learn for the classifier, ...) and the segmenter's
            # dictionary once here, so each child inherits them instead of spending
            # seconds on them per job.
            autodiscover_modules("tasks", "preload")
            tokenizer()
            name = options.get("worker_id")
            call_command(
                "rqworker",
                *conf.get("QUEUES", ["default"]),
                job_class="django_tasks_rq.backend.Job",
                with_scheduler=True,
                **({"name": name} if name else {}),
            )
            return
        # The parent builds a Worker; build ours with the same options instead.
        import django_tasks_db.management.commands.db_worker as stock

        original = stock.Worker
        stock.Worker = ResilientWorker  # type: ignore[misc]
        try:
            super().handle(*args, **options)
        finally:
            stock.Worker = original  # type: ignore[misc]
