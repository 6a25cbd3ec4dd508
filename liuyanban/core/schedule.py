"""The platform's periodic work: what runs, how often.

Each app registers the periodic tasks it owns from its ``AppConfig.ready`` (as it
registers its sweeper checks), so ``core`` imports none of them. ``manage.py
run_scheduler`` enqueues each registered task when it is due (the task worker runs it);
cron or a systemd timer calling the same command with ``--once`` works too. Every task
registered must be idempotent, so a missed or doubled tick does no harm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Periodic:
    """A name, an interval in seconds and what to call to queue the task."""

    name: str
    every: int
    task: Callable[[], Any]


_periodic: dict[str, Periodic] = {}


def register(periodic: Periodic) -> None:
    """Add (or replace, by name) a periodic task; apps call this from ``AppConfig.ready``."""
    _periodic[periodic.name] = periodic


def schedule() -> list[Periodic]:
    """Every registered periodic task, in registration (``INSTALLED_APPS``) order."""
    return list(_periodic.values())
