"""The one rate limiter: exact under concurrency, shared across processes, Redis or database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from liuyanban.core import ratelimit
from liuyanban.core.errors import RateLimited
from liuyanban.core.models import RateCounter

if TYPE_CHECKING:
    from time_machine import TimeMachineFixture

RULE = ratelimit.Rule("test", limit=10, window=3600, message="太多了")
ROOT = Path(settings.BASE_DIR)


def _passes(rule: ratelimit.Rule, subject: str, times: int) -> int:
    ok = 0
    for _i in range(times):
        try:
            ratelimit.take((rule, subject))
            ok += 1
        except RateLimited:
            pass
    return ok


@pytest.mark.django_db
def test_exactly_the_limit_passes_and_the_refusal_says_when(
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    assert _passes(RULE, "a", 15) == 10
    with pytest.raises(RateLimited) as refused:
        ratelimit.take((RULE, "a"))
    assert refused.value.message == "太多了" and refused.value.status == 429
    assert refused.value.retry_after is not None and 0 < refused.value.retry_after <= 3600
    assert _passes(RULE, "b", 1) == 1  # another subject has its own count
    time_machine.shift(timedelta(seconds=3600))
    assert _passes(RULE, "a", 1) == 1  # the next window starts afresh


@pytest.mark.django_db
def test_a_refusal_gives_back_what_the_other_rules_counted() -> None:
    tight = ratelimit.Rule("tight", limit=1, window=60)
    ratelimit.take((RULE, "x"), (tight, "y"))
    for _i in range(5):
        with pytest.raises(RateLimited):
            ratelimit.take((RULE, "x"), (tight, "y"))
    # Only the one accepted call counts against RULE: nine more fit.
    assert _passes(RULE, "x", 20) == 9


@pytest.mark.django_db
def test_a_none_subject_skips_its_rule() -> None:
    tight = ratelimit.Rule("tight", limit=0, window=60)
    ratelimit.take((tight, None), (RULE, "z"))


@pytest.mark.django_db
def test_gate_lets_the_free_attempts_through_then_waits_longer_each_time(
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    gate = ratelimit.Gate("g", free=3, base=30, cap=100)
    assert [gate.attempt("acct") for _i in range(3)] == [0, 0, 0]
    assert gate.attempt("acct") == 30
    time_machine.shift(timedelta(seconds=30))
    assert gate.attempt("acct") == 0
    assert gate.attempt("acct") == 60
    time_machine.shift(timedelta(seconds=60))
    assert gate.attempt("acct") == 0
    assert gate.attempt("acct") == 100  # the cap
    gate.reset("acct")
    assert gate.attempt("acct") == 0


@pytest.mark.django_db
def test_gate_forgets_after_its_memory(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    gate = ratelimit.Gate("g", free=2, base=10, cap=10, memory=600)
    gate.attempt("s"), gate.attempt("s")
    assert gate.attempt("s") == 10
    time_machine.shift(timedelta(seconds=601))
    assert [gate.attempt("s"), gate.attempt("s")] == [0, 0]


@pytest.mark.django_db
def test_expired_rows_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    RateCounter.objects.create(key="old", count=3, expires_at=timezone.now() - timedelta(1))
    monkeypatch.setattr(ratelimit, "CLEANUP_ODDS", 1)
    ratelimit.take((RULE, "new"))
    assert not RateCounter.objects.filter(key="old").exists()


# --- Concurrency and processes (PostgreSQL) -------------------------------------------


def _hammer(target: Any, threads: int) -> list[Any]:
    barrier = threading.Barrier(threads)
    results: list[Any] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome = target()
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


def _take_once() -> bool:
    try:
        ratelimit.take((RULE, "race"))
        return True
    except RateLimited:
        return False


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_callers_pass_exactly_the_limit() -> None:
    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    results = _hammer(_take_once, 40)
    assert results.count(True) == RULE.limit
    assert RateCounter.objects.get(key__startswith="test:race:").count == RULE.limit


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_at_a_gate_let_exactly_the_free_ones_through() -> None:
    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    gate = ratelimit.Gate("g", free=5, base=60, cap=600)
    results = _hammer(lambda: gate.attempt("acct"), 30)
    assert results.count(0) == 5


CHILD = """
import django, os, sys
django.setup()
from liuyanban.core import ratelimit
from liuyanban.core.errors import RateLimited
rule = ratelimit.Rule("test", limit=10, window=3600)
ok = 0
for _i in range(int(sys.argv[1])):
    try:
        ratelimit.take((rule, "procs"))
        ok += 1
    except RateLimited:
        pass
print(ok)
"""


def _child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "liuyanban.settings", **extra}
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_count() -> None:
    """What a second worker process counts, this one sees (and the other way round)."""
    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    assert _passes(RULE, "procs", 4) == 4
    child = subprocess.run(
        [sys.executable, "-c", CHILD, "10"],
        env=_child_env(DATABASE_URL=url, REDIS_URL=""),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "6"
    assert _passes(RULE, "procs", 1) == 0


# --- Redis --------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The local Redis (database 4), or a private redis-server on a socket if none runs."""
    import redis

    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/4")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        server = shutil.which("redis-server")
        assert server, "the Redis tests need a running Redis or redis-server (apt redis-server)"
        with tempfile.TemporaryDirectory() as tmp:
            sock = f"{tmp}/redis.sock"
            proc = subprocess.Popen(
                [server, "--port", "0", "--unixsocket", sock, "--save", "", "--dir", tmp],
                stdout=subprocess.DEVNULL,
            )
            try:
                for _i in range(50):
                    if Path(sock).exists():
                        break
                    time.sleep(0.1)
                url = f"unix://{sock}?db=4"
                yield from _flushed(url)
            finally:
                proc.terminate()
                proc.wait()
        return
    yield from _flushed(url)


def _flushed(url: str) -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter("lyb:rl:*"):
        client.delete(key)
    ratelimit._redis_stores.clear()
    yield url
    for key in client.scan_iter("lyb:rl:*"):
        client.delete(key)
    ratelimit._redis_stores.clear()


@pytest.mark.django_db
def test_redis_counts_exactly_and_separate_clients_share_it(redis_url: str, settings: Any) -> None:
    settings.REDIS_URL = redis_url
    assert _passes(RULE, "r", 4) == 4
    # A second client is what a second worker process holds: it sees the same count.
    ratelimit._redis_stores.clear()
    assert _passes(RULE, "r", 20) == 6
    assert not RateCounter.objects.exists()  # nothing counted in the database


@pytest.mark.django_db(transaction=True)
def test_redis_is_exact_under_concurrency(redis_url: str, settings: Any) -> None:
    settings.REDIS_URL = redis_url
    results = _hammer(_take_once, 40)
    assert results.count(True) == RULE.limit


@pytest.mark.django_db
def test_redis_gate_waits_grow(redis_url: str, settings: Any) -> None:
    settings.REDIS_URL = redis_url
    gate = ratelimit.Gate("g", free=2, base=30, cap=600)
    assert [gate.attempt("u") for _i in range(3)] == [0, 0, 30]
    gate.reset("u")
    assert gate.attempt("u") == 0


@pytest.mark.django_db
def test_an_unreachable_redis_falls_back_to_the_database(settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    ratelimit._redis_stores.clear()
    try:
        assert _passes(RULE, "down", 12) == 10
    finally:
        ratelimit._redis_stores.clear()
    assert RateCounter.objects.filter(key__startswith="test:down:").exists()
