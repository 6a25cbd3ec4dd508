"""Content versions: a token per thing shown on public pages, changed by its events.

A cached page or an ETag is keyed by the versions of what the page shows (a
message, its board, the platform's public lists, a campaign). Each event that
changes one of them calls ``bump`` after commit, so the next request misses the
cache and a reply shows up at once. Cached content itself never needs deleting:
its key names the versions it was built from.

The tokens live in Django's default cache, so every process of a deployment must
share it (Redis with ``REDIS_URL``); a lost token only means a miss.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

PREFIX = "ver:"
# A version outlives any page built from it (a missing one is recreated fresh).
TIMEOUT = 30 * 24 * 3600


def _token() -> str:
    return uuid.uuid4().hex[:12]


def bump(*names: str) -> None:
    """Give each named thing a new version (call after the change has committed).

    A cache that cannot be reached must not fail the change: pages then refresh
    on their own within ``pagecache.MAX_AGE``.
    """
    try:
        cache.set_many({PREFIX + name: _token() for name in names}, TIMEOUT)
    except Exception:
        logger.exception("versions: could not bump %s", names)


def bump_for_change(*names: str) -> None:
    """Bump now and again after the surrounding transaction commits.

    Now: the change's own request (and a test, which never commits) sees new pages. After
    commit: a page another process rendered from the old data while the transaction was
    open, and cached under the first new version, is never served again.
    """
    bump(*names)
    transaction.on_commit(lambda: bump(*names))


def read(*names: str, known: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The current version of each named thing, creating the missing ones.

    ``known``: what a ``get_many`` of these keys has just returned (no second read).
    """
    keys = [PREFIX + name for name in names]
    found = dict(known) if known is not None else cache.get_many(keys)
    missing = {k: _token() for k in keys if k not in found}
    if missing:
        # add() keeps a token another process set meanwhile; read back what won.
        for key, token in missing.items():
            if not cache.add(key, token, TIMEOUT):
                missing[key] = cache.get(key) or token
        found.update(missing)
    return tuple(str(found[k]) for k in keys)
