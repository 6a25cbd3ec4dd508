"""The platform's clock: one function for "now", which the demo can set to a past moment.

Every reading of the time goes through ``django.utils.timezone.now``: our actions and
selectors, ``timezone.localdate()``, Django's ``auto_now`` fields and the task backends.
``install()`` (run by ``CoreConfig.ready``) points that function at ``clock.now``, which
returns the real time unless ``clock.frozen_at(moment)`` is in force in the current
context. The demo replays months of work this way (``manage.py seed_demo``): every event,
deadline, notification and row written inside ``frozen_at`` is dated ``moment``. Tests
move time with time-machine, which acts below this (on ``datetime.now``), so both compose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("liuyanban_clock", default=None)
_system_now: Callable[[], datetime] = timezone.now


def now() -> datetime:
    """The current moment: the frozen one inside ``frozen_at``, else the system clock's."""
    moment = _frozen.get()
    return moment if moment is not None else _system_now()


def localdate() -> date:
    """Today in the current time zone, by ``now()``."""
    return timezone.localdate(now())


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make ``now()`` (and so ``timezone.now()``) return ``moment`` inside the block."""
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)


def install() -> None:
    """Route ``django.utils.timezone.now`` through ``now`` (idempotent)."""
    timezone.now = now
