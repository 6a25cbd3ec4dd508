"""Background work is never lost: recorded with its change, swept when missing, retried when
the database goes away, and an interrupted task never stays RUNNING."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from liuyanban.analytics import rollups
from liuyanban.analytics.models import Rollup
from liuyanban.core import sweeper, workers
from liuyanban.core.management.commands.run_worker import ResilientWorker
from liuyanban.core.models import OutboxJob, WorkerBeat
from liuyanban.intelligence.models import MessageInsight
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Message, Status
from liuyanban.notifications.models import Notification
from liuyanban.testing.world import World

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Stands for an external queue (RQ): it only remembers what it was given.
EXTERNAL_BACKEND = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

ANALYSE = "liuyanban.intelligence.tasks.analyse_message"
FOLD = "liuyanban.analytics.tasks.fold_events"


def _queued(path: str) -> list[list[Any]]:
    return [
        r.args_kwargs["args"]
        for r in DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY)
    ]


@pytest.fixture(autouse=True)
def _connections_stay_open() -> Any:
    """The worker drops connections between tasks; inside a test's transaction (PostgreSQL)
    that would close the test's own connection, so here it keeps it."""
    with (
        mock.patch(
            "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
        ),
        mock.patch(
            "liuyanban.core.management.commands.run_worker.close_old_connections", lambda: None
        ),
    ):
        yield


def _worker() -> ResilientWorker:
    return ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def _run_queue() -> None:
    """Run every ready task the way ``run_worker`` does, in this process.

    Inside the test's transaction the worker must keep its connection: Django's
    ``close_old_connections`` would close it (autocommit is off there), which a real
    worker, outside any transaction, never meets.
    """
    worker = _worker()
    worker.heart.start = lambda: None  # type: ignore[method-assign]
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        worker.run()


# ---------------------------------------------------------------------------
# Recorded in the same transaction
# ---------------------------------------------------------------------------


def test_work_is_recorded_with_the_change_even_if_commit_hooks_never_run(
    world: World, settings: Any
) -> None:
    """A process killed right after commit used to lose the analysis (it was queued on commit).

    Inside the test transaction no on-commit hook runs, exactly as after such a crash.
    """
    settings.TASKS = DB_BACKEND
    message = world.submit()
    assert _queued(ANALYSE) == [[message.pk]]
    actions.approve_message(actor=world.mona, message_id=message.pk)
    assert _queued("liuyanban.intelligence.tasks.update_hot_issue") == [[message.pk]]
    # Notifications' email copies are in the queue too.
    assert Notification.objects.exists()
    assert DBTaskResult.objects.filter(
        task_path="liuyanban.notifications.tasks.email_notifications"
    ).exists()


def test_a_failed_change_leaves_no_work_behind(world: World, settings: Any) -> None:
    settings.TASKS = DB_BACKEND
    with (
        mock.patch(
            "liuyanban.lifecycle.actions.writing.MessageContact.objects.create",
            side_effect=RuntimeError("crash inside the transaction"),
        ),
        pytest.raises(RuntimeError),
    ):
        world.submit()
    assert not Message.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_one_waiting_fold_covers_many_events(world: World, settings: Any) -> None:
    settings.TASKS = DB_BACKEND
    for _ in range(3):
        world.submit()
    assert len(_queued(FOLD)) == 1  # not one task per event
    _run_queue()
    assert Rollup.objects.get(grain="m").received == 3
    assert rollups.unfolded() == 0
    assert not _queued(ANALYSE)
    assert MessageInsight.objects.count() == 3


def test_outbox_row_survives_a_crash_and_the_sweeper_relays_it(
    world: World, settings: Any, time_machine: Any
) -> None:
    """With an external queue, the outbox row commits with the change; the relay after commit
    is lost in a crash, and the sweeper hands the job to the queue later."""
    from django_tasks import default_task_backend

    settings.TASKS = EXTERNAL_BACKEND
    message = world.submit()
    job = OutboxJob.objects.get(task_path=ANALYSE)
    assert job.args == [message.pk]
    assert default_task_backend.results == []  # type: ignore[attr-defined]
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    assert sweeper.counts()["outbox"] >= 1
    sweeper.sweep()
    sent = [r.task.module_path for r in default_task_backend.results]  # type: ignore[attr-defined]
    assert ANALYSE in sent
    assert not OutboxJob.objects.filter(pk=job.pk).exists()


def test_relay_after_commit_hands_the_job_over_and_clears_the_outbox(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks import default_task_backend

    settings.TASKS = EXTERNAL_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        message = world.submit()
    results = default_task_backend.results  # type: ignore[attr-defined]
    assert [r.args for r in results if r.task.module_path == ANALYSE] == [[message.pk]]
    assert not OutboxJob.objects.exists()


# ---------------------------------------------------------------------------
# The sweeper
# ---------------------------------------------------------------------------


def test_sweeper_queues_analysis_of_messages_that_have_none(
    world: World, settings: Any, time_machine: Any
) -> None:
    settings.TASKS = DB_BACKEND
    message = world.submit()
    DBTaskResult.objects.all().delete()  # the task was lost (say, failed for good)
    time_machine.move_to(timezone.now() + timedelta(minutes=5))
    assert sweeper.counts()["unanalysed_messages"] == 1
    assert sweeper.counts()["unfolded_events"] == 1
    found = sweeper.sweep()
    assert found["unanalysed_messages"] == 1
    # Idempotent: a second sweep sees it queued and adds nothing.
    assert sweeper.sweep()["unanalysed_messages"] == 0
    assert _queued(ANALYSE) == [[message.pk]]
    _run_queue()
    assert sweeper.counts()["unanalysed_messages"] == 0
    assert sweeper.counts()["unfolded_events"] == 0
    assert MessageInsight.objects.filter(message=message, error="").exists()


def _running_task(worker_id: str, started: timedelta) -> workers.StoredTask:
    return DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}},
        task_path=ANALYSE,
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started,
        worker_ids=[worker_id],
    )


def test_task_of_a_killed_worker_goes_back_to_the_queue(db: None) -> None:
    dead = _running_task("killed", timedelta(minutes=5))
    WorkerBeat.objects.create(
        worker_id="killed", task_id=str(dead.pk), beat_at=timezone.now() - timedelta(minutes=4)
    )
    busy = _running_task("alive", timedelta(minutes=5))
    WorkerBeat.objects.create(worker_id="alive", task_id=str(busy.pk), beat_at=timezone.now())
    stock = _running_task("stock-db-worker", timedelta(hours=2))  # no heartbeat: the long lease
    young = _running_task("stock-db-worker-2", timedelta(minutes=5))
    assert sweeper.counts()["stuck_tasks"] == 2
    assert sweeper.sweep()["stuck_tasks"] == 2
    statuses = {t.pk: t.status for t in DBTaskResult.objects.all()}
    assert statuses[dead.pk] == statuses[stock.pk] == TaskResultStatus.READY
    assert statuses[busy.pk] == statuses[young.pk] == TaskResultStatus.RUNNING
    assert sweeper.sweep()["stuck_tasks"] == 0


def test_a_task_interrupted_too_often_is_failed(db: None) -> None:
    task = _running_task("w5", timedelta(hours=2))
    DBTaskResult.objects.filter(pk=task.pk).update(worker_ids=["w1", "w2", "w3", "w4", "w5"])
    assert workers.requeue_stale() == 1
    assert DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.FAILED


def test_admin_sees_the_background_work_page_and_can_sweep(
    world: World, settings: Any, client: Any, time_machine: Any
) -> None:
    settings.TASKS = DB_BACKEND
    world.submit()
    DBTaskResult.objects.all().delete()
    time_machine.move_to(timezone.now() + timedelta(minutes=5))
    client.force_login(world.mona)  # a moderator is not an admin
    assert client.get("/work/system/").status_code == 403
    assert "/work/system/" not in client.get("/work/").content.decode()
    world.mona.is_superuser = True
    world.mona.save()
    assert "/work/system/" in client.get("/work/").content.decode()
    page = client.get("/work/system/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "缺少受理分析的留言" in text
    assert page.context["rows"][0]["name"] == "stuck_tasks"
    missing = {r["name"]: r["count"] for r in page.context["rows"]}
    assert missing["unanalysed_messages"] == 1
    response = client.post("/work/system/", follow=True)
    assert response.status_code == 200
    assert _queued(ANALYSE)
    assert response.context["last"].found["unanalysed_messages"] == 1


# ---------------------------------------------------------------------------
# Transient database errors
# ---------------------------------------------------------------------------


def test_analysis_on_a_lost_connection_fails_instead_of_storing_the_error(world: World) -> None:
    """It used to store "OperationalError: …" as the analysis and report success."""
    from liuyanban.intelligence.analysis import analyse

    message = world.submit()
    MessageInsight.objects.all().delete()
    with (
        mock.patch(
            "liuyanban.intelligence.analysis.duplicates.store_signature",
            side_effect=OperationalError("server closed the connection unexpectedly"),
        ),
        pytest.raises(OperationalError),
    ):
        analyse(message.pk)
    assert not MessageInsight.objects.filter(message=message).exists()


def test_worker_retries_a_task_that_met_a_transient_error(world: World, settings: Any) -> None:
    settings.TASKS = DB_BACKEND
    message = world.submit()
    MessageInsight.objects.all().delete()
    lost = OperationalError("terminating connection due to administrator command")
    with mock.patch("liuyanban.intelligence.analysis.duplicates.store_signature", side_effect=lost):
        worker = _worker()
        task = DBTaskResult.objects.get(task_path=ANALYSE)
        task.claim(worker.worker_id)
        worker.run_task(task)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY  # back in the queue, not "successful"
    assert task.run_after > timezone.now()  # after a short pause
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now())
    _run_queue()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert len(task.worker_ids) == 2
    assert MessageInsight.objects.get(message=message).error == ""


def test_worker_loop_survives_a_lost_connection(db: None) -> None:
    """``db_worker`` exited when its connection was terminated; ours reconnects and goes on."""
    worker = _worker()
    calls = {"n": 0}
    original = DBTaskResult.objects.ready

    def flaky() -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("terminating connection due to administrator command")
        return original()

    with (
        mock.patch.object(DBTaskResult.objects, "ready", side_effect=flaky),
        mock.patch("liuyanban.core.management.commands.run_worker.RECONNECT_PAUSE", 0),
        # See _run_queue: inside the test's transaction the connection must stay open.
        mock.patch(
            "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
        ),
    ):
        worker.heart.start = lambda: None  # type: ignore[method-assign]
        worker.run()  # batch mode: returns once the queue is empty
    assert calls["n"] == 2


def test_rollups_fold_events_whose_ids_commit_late(world: World) -> None:
    """An event id handed out before the fold passed it, but committed after, is still folded."""
    from liuyanban.lifecycle.models import Event

    message = world.submit()
    submitted = message.events.get()

    def event(pk: int, action: str) -> None:
        Event.objects.create(
            pk=pk,
            message=message,
            action=action,
            from_status="",
            to_status=message.status,
            at=timezone.now(),
            details={},
        )

    # Ids 1..4 after the submission were handed out; only the fifth has committed.
    event(submitted.pk + 5, "note")
    rollups.fold_pending()
    assert rollups.unfolded() == 0
    # The second one commits late, changing the message.
    Message.objects.filter(pk=message.pk).update(status=Status.REJECTED)
    event(submitted.pk + 2, "reject")
    assert rollups.unfolded() == 1
    rollups.fold_pending()
    assert rollups.unfolded() == 0
    assert Rollup.objects.get(grain="m").rejected == 1
