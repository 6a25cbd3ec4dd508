"""The sweeper: finds background work that is missing anyway, and queues it again.

Work is recorded in the transaction of its change (``core.jobs``), yet a task can still
fail for good, a worker can die mid-task, a queue can lose a job. Each app registers a
``Check`` for the work it owns: how many items are missing, and a repair that queues
them again. Repairs are idempotent (they queue idempotent tasks), so a doubled or
missed sweep does no harm. ``sweep`` runs every repair and records what it found;
admins see the counts on the workbench's background-work page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.functional import Promise

from .models import SweepRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    """One kind of missing work: a name, a label for admins, a count and a repair."""

    name: str
    label: str | Promise
    count: Callable[[], int]
    repair: Callable[[], int]


_checks: dict[str, Check] = {}


def register(check: Check) -> None:
    """Add (or replace) a check; apps call this from ``AppConfig.ready``."""
    _checks[check.name] = check


def checks() -> list[Check]:
    return list(_checks.values())


def counts() -> dict[str, int]:
    """Missing items per check, now."""
    return {c.name: c.count() for c in checks()}


def sweep() -> dict[str, int]:
    """Run every repair; the number of items queued again per check (-1: the repair failed)."""
    found: dict[str, int] = {}
    for check in checks():
        try:
            with transaction.atomic():
                found[check.name] = check.repair()
        except Exception:  # one broken repair must not stop the others
            logger.exception("sweep: %s failed", check.name)
            found[check.name] = -1
    SweepRun.objects.create(found=found)
    # Keep a day of history at one sweep a minute.
    old = SweepRun.objects.order_by("-ran_at").values_list("pk", flat=True)[1440:1441]
    if old:
        SweepRun.objects.filter(pk__lte=old[0]).delete()
    return found
