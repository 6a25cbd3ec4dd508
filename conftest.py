"""Test-wide settings (fast hashing, in-memory mail and SMS, inline tasks) and the test world."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests explore the same examples on every run: a red CI is always reproducible.
# (Set HYPOTHESIS_PROFILE=explore locally to search with fresh random examples.)
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

if TYPE_CHECKING:
    from liuyanban.testing.world import World


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On SQLite, leave out the tests marked ``postgres_only``: they exercise PostgreSQL
    itself (row locks under many threads, several processes, triggers). The PostgreSQL run
    (CI, and ``make test`` with ``DATABASE_URL``) runs them all."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    postgres = [item for item in items if item.get_closest_marker("postgres_only")]
    if postgres:
        config.hook.pytest_deselected(items=postgres)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "liuyanban.accounts.sms.MemorySmsBackend"
    # Tests create many messages per author; the rate-limit tests set their own limits.
    settings.LIUYANBAN = {
        **settings.LIUYANBAN,
        "MESSAGES_PER_AUTHOR_PER_DAY": 10_000,
        "MESSAGES_PER_IP_PER_HOUR": 10_000,
    }


@pytest.fixture
def world(db: None) -> World:
    """The named test world (see liuyanban/testing/world.py)."""
    from liuyanban.testing.world import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty cache: cached pages and versions never leak between tests."""
    from django.core.cache import cache

    from liuyanban.core import jobs, rowcache

    cache.clear()
    rowcache.clear_all()  # nor do the write path's remembered boards, kinds and rules
    jobs.forget_waiting()
