"""Fixtures of the API tests: HTTP clients per persona, by session or by token."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from liuyanban.testing.factories import ApiTokenFactory


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    """Nothing cached from an earlier test (the throttle's counts roll back with the database)."""
    cache.clear()


class ApiClient:
    """A JSON client for /api/v1/ as one persona (token auth), or anonymous."""

    def __init__(self, secret: str | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get("/api/v1" + path, params, headers=self.headers)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(
            "/api/v1" + path, data or {}, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def as_(world: Any) -> Any:
    """``as_("olga")`` → an ApiClient with a fresh token of olga; ``as_(None)`` → anonymous."""

    def make(name: str | None) -> ApiClient:
        if name is None:
            return ApiClient()
        _, secret = ApiTokenFactory.issue(user=world.people[name], name=f"{name}-test")
        return ApiClient(secret)

    return make
