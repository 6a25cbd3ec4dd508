"""The platform's clock: one function for "now", which the demo can set to a past moment.

Every reading of the time goes through ``django.utils.timezone.now``: our actions and
selectors, ``timezone.localdate()``, Django's ``auto_now`` fields and the task backends.
While a ``clock.frozen_at(moment)`` block is open anywhere in the process, that
function is pointed at ``clock.now``, which returns ``moment`` in the block's context
and the real time everywhere else; when the last block closes, Django's own function is
put back. Outside the demo's replay nothing is patched, so migration files and model
defaults always see Django's ``timezone.now`` (``makemigrations --check`` stays clean). The demo replays months of work this way (``manage.py seed_demo``): every event,
deadline, notification and row written inside ``frozen_at`` is dated ``moment``. Tests
move time with time-machine, which acts below this (on ``datetime.now``), so both compose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from threading import Lock

from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("liuyanban_clock", default=None)
_system_now: Callable[[], datetime] = timezone.now
_open_blocks = 0
_patch_lock = Lock()


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
    global _open_blocks
    token = _frozen.set(moment)
    with _patch_lock:
        _open_blocks += 1
        timezone.now = now
    try:
        yield
    finally:
        _frozen.reset(token)
        with _patch_lock:
            _open_blocks -= 1
            if _open_blocks == 0:
                timezone.now = _system_now
