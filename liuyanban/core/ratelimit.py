"""Every rate limit of the platform, counted atomically in a store all processes share.

Two primitives:

* ``take(*(rule, subject))`` counts one event per rule in a fixed window and refuses
  with ``RateLimited`` once a rule's limit is reached. Counting and checking are one
  atomic step (a single ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` in the
  database, ``INCR`` in Redis), so concurrent requests can never pass more than the
  limit, and every worker process sees the same count. When one rule refuses, the
  rules already counted for that call are given back, so a refused request costs
  the caller nothing on the other rules.
* ``Gate`` lets a few attempts through freely, then makes each further attempt wait
  longer (30 s, 60 s, 120 s … up to a cap). Used per account for logins: a stranger
  can slow an account down, never lock its owner out; ``Gate.reset`` after success.

The store is Redis when ``settings.REDIS_URL`` is set, otherwise the database
(``core.RateCounter``; works on SQLite and PostgreSQL). If Redis cannot be reached
the database takes over, so a Redis outage never turns into a 500 or an open door.

Call these outside ``transaction.atomic`` blocks where you can: in the database store
a count is a row that a rolled-back transaction would take back with it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import Promise

from .errors import RateLimited
from .models import RateCounter

logger = logging.getLogger(__name__)

KEY_MAX = 200  # RateCounter.key max_length
CLEANUP_ODDS = 500  # one counting call in this many deletes expired database rows


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` events per ``window`` seconds for one subject of ``scope``."""

    scope: str
    limit: int
    window: int
    message: str | Promise = ""


@dataclass(frozen=True)
class Count:
    """The outcome of counting one event: the count in the window and seconds left of it."""

    count: int
    reset_in: int


def _subject_key(scope: str, subject: str, suffix: str = "") -> str:
    """A bounded, stable key; long subjects (identifiers people type) are hashed."""
    if len(subject) > 64:
        subject = "h:" + hashlib.sha256(subject.encode()).hexdigest()[:40]
    return f"{scope}:{subject}{suffix}"[:KEY_MAX]


def _local_offset() -> int:
    """Seconds east of UTC of the site's time zone now: day windows start at local midnight."""
    offset = timezone.localtime().utcoffset()
    return int(offset.total_seconds()) if offset else 0


def _window(window: int) -> tuple[int, int]:
    """(index of the current fixed window, seconds until it ends)."""
    now = timezone.now().timestamp() + _local_offset()
    index = int(now // window)
    return index, max(1, math.ceil((index + 1) * window - now))


class Store(Protocol):
    def incr(self, key: str, ttl: int) -> int: ...
    def decr(self, key: str) -> None: ...
    def gate(self, key: str, free: int, base: int, cap: int, memory: int) -> int: ...
    def delete(self, key: str) -> None: ...


class DatabaseStore:
    """Counters as ``RateCounter`` rows: one upsert per event; gates under a row lock."""

    table = RateCounter._meta.db_table

    def incr(self, key: str, ttl: int) -> int:
        expires = connection.ops.adapt_datetimefield_value(timezone.now() + timedelta(seconds=ttl))
        with connection.cursor() as cursor:
            # One statement: PostgreSQL locks the conflicting row, SQLite has one writer;
            # either way every caller gets a distinct count.
            cursor.execute(
                f"INSERT INTO {self.table} (key, count, expires_at) VALUES (%s, 1, %s) "
                f"ON CONFLICT (key) DO UPDATE SET count = {self.table}.count + 1 "
                "RETURNING count",
                [key, expires],
            )
            row = cursor.fetchone()
        if random.randrange(CLEANUP_ODDS) == 0:
            RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
        return int(row[0])

    def decr(self, key: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.table} SET count = count - 1 WHERE key = %s AND count > 0", [key]
            )

    def gate(self, key: str, free: int, base: int, cap: int, memory: int) -> int:
        now = timezone.now()
        with transaction.atomic():
            RateCounter.objects.bulk_create(
                [RateCounter(key=key, count=0, expires_at=now + timedelta(seconds=memory))],
                ignore_conflicts=True,
            )
            row = RateCounter.objects.select_for_update().get(key=key)
            if row.expires_at <= now:  # quiet long enough: forgotten
                row.count, row.blocked_until = 0, None
            if row.blocked_until is not None and row.blocked_until > now:
                return max(1, math.ceil((row.blocked_until - now).total_seconds()))
            row.count += 1
            if row.count >= free:
                row.blocked_until = now + timedelta(seconds=_delay(row.count - free, base, cap))
            row.expires_at = now + timedelta(seconds=memory)
            row.save(update_fields=["count", "blocked_until", "expires_at"])
        return 0

    def delete(self, key: str) -> None:
        RateCounter.objects.filter(key=key).delete()


def _delay(step: int, base: int, cap: int) -> int:
    """The wait after the ``step``-th attempt beyond the free ones: base, 2·base, 4·base … cap."""
    return int(min(cap, base * 2 ** min(step, 30)))


# KEYS[1] the gate; ARGV: now (ms), free, base (s), cap (s), memory (s).
# Returns 0 when the attempt may go ahead (and counts it), else the milliseconds to wait.
GATE_SCRIPT = """
local now = tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if blocked > now then return blocked - now end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local free = tonumber(ARGV[2])
if n >= free then
  local wait = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ math.min(n - free, 30))
  redis.call('HSET', KEYS[1], 'until', now + wait * 1000)
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return 0
"""


class RedisStore:
    """Counters as Redis keys: ``INCR`` with an expiry set in the same transaction."""

    prefix = "lyb:rl:"

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.script = self.client.register_script(GATE_SCRIPT)

    def incr(self, key: str, ttl: int) -> int:
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self.prefix + key, 0, ex=ttl, nx=True)  # a key never lives without its expiry
        pipe.incr(self.prefix + key)
        return int(pipe.execute()[1])

    def decr(self, key: str) -> None:
        self.client.decr(self.prefix + key)

    def gate(self, key: str, free: int, base: int, cap: int, memory: int) -> int:
        now_ms = int(time.time() * 1000)
        wait_ms = int(self.script(keys=[self.prefix + key], args=[now_ms, free, base, cap, memory]))
        return math.ceil(wait_ms / 1000) if wait_ms > 0 else 0

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)


_redis_stores: dict[str, RedisStore] = {}


def _store() -> Store:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return DatabaseStore()
    if url not in _redis_stores:
        _redis_stores[url] = RedisStore(url)
    return _redis_stores[url]


def _call(method: str, *args: Any) -> Any:
    """Run one store operation; fall back to the database when Redis is unreachable."""
    store = _store()
    try:
        return getattr(store, method)(*args)
    except Exception as exc:
        if isinstance(store, DatabaseStore) or not _is_redis_outage(exc):
            raise
        logger.warning("rate limits: Redis unreachable (%s); counting in the database", exc)
        return getattr(DatabaseStore(), method)(*args)


def _is_redis_outage(exc: Exception) -> bool:
    import redis

    return isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError)


# --- Fixed windows ------------------------------------------------------------------


def count(rule: Rule, subject: str) -> Count:
    """Count one event for ``subject`` under ``rule``, whatever the outcome."""
    index, reset_in = _window(rule.window)
    key = _subject_key(rule.scope, subject, f":{rule.window}:{index}")
    return Count(_call("incr", key, rule.window + 60), reset_in)


def give_back(rule: Rule, subject: str) -> None:
    """Undo one ``count`` of the current window (a refused or repeated request)."""
    index, _reset = _window(rule.window)
    _call("decr", _subject_key(rule.scope, subject, f":{rule.window}:{index}"))


def take(*checks: tuple[Rule, str | None]) -> None:
    """Count one event under each (rule, subject); refuse at the first rule over its limit.

    A subject of None skips its rule (an anonymous author has no per-author count).
    """
    taken: list[tuple[Rule, str]] = []
    for rule, subject in checks:
        if subject is None:
            continue
        result = count(rule, subject)
        if result.count > rule.limit:
            give_back(rule, subject)
            for earlier, earlier_subject in taken:
                give_back(earlier, earlier_subject)
            raise RateLimited(str(rule.message) or None, retry_after=result.reset_in)
        taken.append((rule, subject))


# --- Growing delays -----------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """``free`` attempts at once, then a wait of base, 2·base … cap seconds before each next one.

    The count is forgotten after ``memory`` seconds without an attempt, or on ``reset``.
    """

    scope: str
    free: int
    base: int
    cap: int
    memory: int = 86400

    def attempt(self, subject: str) -> int:
        """Claim one attempt: 0 when it may go ahead (now counted), else seconds to wait."""
        key = _subject_key(self.scope, subject)
        return int(_call("gate", key, self.free, self.base, self.cap, self.memory))

    def reset(self, subject: str) -> None:
        """Forget the attempts (after a success)."""
        _call("delete", _subject_key(self.scope, subject))
