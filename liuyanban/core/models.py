"""The platform's own bookkeeping: background work (outbox, worker heartbeats, sweeps) and
the shared rate-limit counters; everything else lives in domain apps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxJob(models.Model):
    """A task recorded in the transaction of the change it follows, not yet handed to the queue.

    Used when the task queue is not the database (RQ): the row commits with the change,
    ``core.jobs.relay`` pushes it to the queue after commit and deletes it, and the
    sweeper relays whatever a crash left behind.
    """

    task_path = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("待投递任务")
        verbose_name_plural = _("待投递任务")
        indexes = [models.Index(fields=["task_path"], name="outbox_task_path")]

    def __str__(self) -> str:
        return f"{self.task_path}{self.args}"


class WorkerBeat(models.Model):
    """A task worker's heartbeat and the task it is running (``run_worker`` writes it).

    A RUNNING task whose worker stopped beating, or moved on, was interrupted: the
    sweeper puts it back in the queue.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    task_id = models.CharField(max_length=64, blank=True, default="")
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("任务进程心跳")
        verbose_name_plural = _("任务进程心跳")

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.beat_at:%H:%M:%S}"


class SweepRun(models.Model):
    """One run of the background-work sweeper: what it found missing and re-queued, per check."""

    ran_at = models.DateTimeField(auto_now_add=True, db_index=True)
    found = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("后台任务巡检")
        verbose_name_plural = _("后台任务巡检")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"sweep {self.ran_at:%Y-%m-%d %H:%M:%S}"


class RateCounter(models.Model):
    """One rate-limit counter: a key (scope, subject, window), its count, when it can go.

    Written only by ``core.ratelimit`` with atomic statements; ``blocked_until`` is
    used by the growing-delay gates (logins).
    """

    key = models.CharField(max_length=200, unique=True)
    count = models.IntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("频率限制计数")
        verbose_name_plural = _("频率限制计数")

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
