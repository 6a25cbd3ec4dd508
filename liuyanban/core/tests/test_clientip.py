"""The one client-address function: X-Forwarded-For believed only through configured proxies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from liuyanban.core.clientip import client_ip, client_network

factory = RequestFactory()


def _ip(remote: str = "10.0.0.1", xff: str | None = None) -> str:
    request = factory.get("/", REMOTE_ADDR=remote)
    if xff is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = xff
    return client_ip(request)


def test_without_proxies_the_header_is_ignored() -> None:
    assert _ip("203.0.113.5", "1.2.3.4") == "203.0.113.5"


@pytest.mark.parametrize(
    ("proxies", "xff", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # what the client wrote is ignored
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.1"),  # too short: did not pass both proxies
        (1, "not-an-address", "10.0.0.1"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "198.51.100.7:51000", "198.51.100.7"),
    ],
)
def test_with_proxies_the_entry_they_appended_is_the_client(
    settings: Any, proxies: int, xff: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    assert _ip("10.0.0.1", xff) == expected


def test_a_missing_remote_address_is_unknown() -> None:
    request = factory.get("/")
    request.META.pop("REMOTE_ADDR", None)
    assert client_ip(request) == "unknown"


def test_ipv6_counts_by_64_and_mapped_ipv4_as_ipv4() -> None:
    assert client_network("2001:db8:1:2::1") == client_network("2001:db8:1:2:ffff::9")
    assert client_network("2001:db8:1:2::1") != client_network("2001:db8:1:3::1")
    assert client_network("::ffff:198.51.100.7") == "198.51.100.7"
    assert client_network("198.51.100.7") == "198.51.100.7"


@pytest.mark.django_db
def test_random_forwarded_for_values_do_not_escape_the_anonymous_api_limit(settings: Any) -> None:
    """Seen: the API throttle keyed anonymous callers on X-Forwarded-For, so any value reset it."""
    settings.LIUYANBAN = {**settings.LIUYANBAN, "API_RATE": "3/m"}
    codes = [
        Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").get("/api/v1/kinds").status_code
        for n in range(6)
    ]
    assert codes == [200, 200, 200, 429, 429, 429]
