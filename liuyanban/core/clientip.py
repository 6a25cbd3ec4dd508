"""The address a request came from: the one answer for every per-address limit and record.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only as
far as the deployment says proxies stand in front of the application
(``settings.TRUSTED_PROXY_COUNT``, from the environment; 0 by default). Each trusted
proxy appends the address it received the request from, so with N proxies the client
is the N-th entry from the right; anything further left was written by the client
and is ignored. With 0 proxies the header is ignored and ``REMOTE_ADDR`` is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _valid(value: str) -> str | None:
    """The address in canonical form, or None when ``value`` is not an IP address."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51000"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def trusted_proxy_count() -> int:
    """How many proxies in front of the application append to ``X-Forwarded-For``."""
    return max(0, int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0))


def client_ip(request: HttpRequest) -> str:
    """The client's address as the trusted proxies saw it; ``REMOTE_ADDR`` without proxies.

    A header with fewer entries than there are proxies did not pass through all of
    them, so it proves nothing: the immediate peer is used instead.
    """
    remote = _valid(str(request.META.get("REMOTE_ADDR") or "")) or UNKNOWN
    proxies = trusted_proxy_count()
    if proxies == 0:
        return remote
    chain = [part for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    chain = [part.strip() for part in chain if part.strip()]
    if len(chain) < proxies:
        return remote
    return _valid(chain[-proxies]) or remote


def client_network(ip: str) -> str:
    """The unit a per-address limit counts: the address, or its /64 for IPv6.

    One IPv6 subscriber usually holds a whole /64; counting single addresses would
    give them 2^64 fresh allowances.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        mapped = address.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
