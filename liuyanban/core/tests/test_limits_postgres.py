"""Every limit of the platform under real concurrency (threads, and a second process) on PostgreSQL.

Each test reproduces a finding of issue 12 that the old count-then-act code failed:
100 concurrent guesses evaluated 69 times; 20 concurrent submissions passed a daily
limit of 10; two API worker processes each allowed the full rate.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client, RequestFactory

from liuyanban.accounts import actions as accounts
from liuyanban.core.errors import InvalidInput, RateLimited
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Message
from liuyanban.testing.world import build_world

from .test_ratelimit import ROOT, _child_env

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"


def _all_at_once(count: int, act: Callable[[int], str]) -> list[str]:
    """Run ``act(n)`` in ``count`` threads released together; their outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait()
            outcome = act(n)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_sixty_concurrent_guesses_are_evaluated_five_times() -> None:
    """One address, one account, the right password among the guesses: 5 evaluated, no entry.

    Sixty threads, each with its own connection, stay well inside PostgreSQL's default
    100 connections (the issue's probe used 100 through a server; see bench/limits_probe.py).
    """
    world = build_world()
    alice = world.alice
    alice.set_password("Right-Password-1")
    alice.save()
    factory = RequestFactory()

    def guess(n: int) -> str:
        request = factory.post("/accounts/login/", REMOTE_ADDR="203.0.113.9")
        request.session = SessionStore()
        # The right password comes last in thread order; the old code let it in.
        password = "Right-Password-1" if n == 99 else f"wrong-{n}"
        try:
            accounts.log_in(request=request, identifier=alice.username, password=password)
            return "in"
        except RateLimited:
            return "refused"
        except InvalidInput:
            return "wrong"

    outcomes = _all_at_once(60, guess)
    assert len(outcomes) == 60
    assert outcomes.count("wrong") + outcomes.count("in") == 5
    assert outcomes.count("refused") == 55


def test_twenty_concurrent_submissions_pass_a_daily_limit_of_exactly_ten(settings: Any) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "MESSAGES_PER_AUTHOR_PER_DAY": 10}
    world = build_world()

    def submit(n: int) -> str:
        try:
            actions.submit_message(
                author=world.bob, draft=world.draft(title=f"第{n}条路灯不亮的问题")
            )
            return "ok"
        except RateLimited:
            return "refused"

    outcomes = _all_at_once(20, submit)
    assert outcomes.count("ok") == 10
    assert Message.objects.filter(author=world.bob).count() == 10


def test_concurrent_submissions_from_one_network_pass_its_hourly_limit_exactly(
    settings: Any,
) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "MESSAGES_PER_IP_PER_HOUR": 7}
    world = build_world()

    def submit(n: int) -> str:
        try:
            # IPv6 addresses of one /64 are one network.
            actions.submit_message(author=None, draft=world.draft(), ip=f"2001:db8:1:2::{n + 1:x}")
            return "ok"
        except RateLimited:
            return "refused"

    assert _all_at_once(15, submit).count("ok") == 7


def test_concurrent_code_requests_send_one_text_to_a_phone() -> None:
    """The per-contact cooldown counted rows first and sent after: a burst got through."""
    from liuyanban.accounts import sms
    from liuyanban.accounts.verification import parse_contact

    sms.outbox.clear()
    contact = parse_contact("13700137000")

    def ask(n: int) -> str:
        try:
            accounts.request_registration_code(contact=contact, ip=f"10.1.{n}.1")
            return "sent"
        except RateLimited:
            return "refused"

    outcomes = _all_at_once(12, ask)
    assert outcomes.count("sent") == 1
    assert len([phone for phone, _text in sms.outbox if phone == contact.value]) == 1


API_CHILD = """
import django
django.setup()
from django.test import Client
client = Client(REMOTE_ADDR="198.51.100.4")
print(sum(client.get("/api/v1/kinds").status_code == 200 for _i in range(8)))
"""


def test_two_api_worker_processes_share_one_rate(settings: Any) -> None:
    """The old throttle counted in each process's memory: two workers, twice the rate."""
    settings.LIUYANBAN = {**settings.LIUYANBAN, "API_RATE": "10/h"}
    build_world()
    client = Client(REMOTE_ADDR="198.51.100.4")
    assert sum(client.get("/api/v1/kinds").status_code == 200 for _i in range(8)) == 8
    db = settings.DATABASES["default"]
    child = subprocess.run(
        [sys.executable, "-c", API_CHILD],
        env=_child_env(
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            REDIS_URL="",
            API_RATE="10/h",
        ),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip().splitlines()[-1] == "2"
    refused = client.get("/api/v1/kinds")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0
