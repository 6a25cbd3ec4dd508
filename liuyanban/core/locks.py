"""A named lock that holds across processes (and threads): at most one holder at a time.

On PostgreSQL it is a session advisory lock, so it also holds across machines sharing
the database, and the server releases it if the holder dies. Elsewhere (SQLite, one
machine) it is an exclusive ``flock`` on a file under ``LIUYANBAN_VAR/locks``; the
kernel releases it when the holder's process dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections


class LockBusy(Exception):
    """The lock stayed held by someone else for the whole wait."""


def _key(name: str) -> int:
    # A stable signed 64-bit number for pg_advisory_lock.
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _lock_dir() -> Path:
    path = Path(getattr(settings, "LOCK_DIR", settings.VAR_DIR / "locks"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def exclusive(name: str, *, wait: float = 0.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the lock ``name`` for the block, trying for up to ``wait`` seconds, else LockBusy."""
    connection = connections["default"]
    if connection.vendor == "postgresql":
        key = _key(name)
        deadline = time.monotonic() + wait
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                if cursor.fetchone()[0]:
                    break
                if time.monotonic() >= deadline:
                    raise LockBusy(name)
                time.sleep(poll)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    path = _lock_dir() / f"{hashlib.sha256(name.encode()).hexdigest()[:24]}.lock"
    with path.open("a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(name) from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
