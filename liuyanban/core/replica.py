"""Reads from a PostgreSQL streaming replica, writes and fresh reads from the primary.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` database and
:class:`ReplicaRouter`. The router sends a read to the replica only while the
current request was marked for it by :class:`ReplicaMiddleware`:

* the request is a GET or HEAD for a public page, search, statistics, Open311,
  a public API read or an export (``settings.REPLICA_READ_PATHS``), and
* the visitor has not written anything in the last ``REPLICA_PIN_SECONDS``: every
  POST, PUT, PATCH or DELETE sets a short "pinned to primary" cookie, so a user's
  own pages right after a write never show the replica's slightly older state.

Everything else (writes, staff pages, the task workers, the scheduler) reads and
writes the primary. Sessions, accounts and the task tables always use the primary,
whatever the request, so a fresh login is never lost to replication lag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "lyb_primary"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Apps whose rows must be read fresh on every request (who is logged in, roles, tasks).
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "auth", "accounts", "contenttypes", "admin", "django_tasks_database"}
)

_use_replica: ContextVar[bool] = ContextVar("liuyanban_use_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reads_from_replica(enabled: bool = True) -> Iterator[None]:
    """Route this block's reads to the replica (when one is configured)."""
    token = _use_replica.set(enabled)
    try:
        yield
    finally:
        _use_replica.reset(token)


def reading_from_replica() -> bool:
    return _use_replica.get() and replica_configured()


class ReplicaRouter:
    """Reads go where the current request was routed; writes and migrations to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if reading_from_replica() and model._meta.app_label not in PRIMARY_ONLY_APPS:
            return REPLICA
        return "default"

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both databases hold the same rows: a row read from the replica may be
        # related to one read from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # A physical replica follows the primary's schema; never migrate it.
        return db == "default"


@cache
def _read_paths() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in settings.REPLICA_READ_PATHS))


def may_read_from_replica(request: HttpRequest) -> bool:
    """True for a safe request to a public read path from a visitor not pinned to the primary."""
    if request.method not in {"GET", "HEAD"} or PIN_COOKIE in request.COOKIES:
        return False
    return bool(_read_paths().match(request.path_info))


class ReplicaMiddleware:
    """Marks each request for the replica or the primary; pins a writer to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Set (not reset) on every request: a streamed export is iterated after this
        # returns, in the same thread, and must still read from where its view did.
        configured = replica_configured()
        _use_replica.set(configured and may_read_from_replica(request))
        response = self.get_response(request)
        if configured and request.method in UNSAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
