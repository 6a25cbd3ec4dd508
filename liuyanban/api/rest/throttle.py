"""Per-caller request rate: by user for tokens and sessions, by network for everyone else.

Counted by ``liuyanban.core.ratelimit`` in the store every worker process shares (the
database, or Redis when configured), never in a process's memory; the anonymous
caller is known by ``core.clientip.client_ip``, never by a header it wrote itself.
"""

from __future__ import annotations

import re
import threading

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from liuyanban.accounts.models import User
from liuyanban.core import ratelimit
from liuyanban.core.clientip import client_ip, client_network
from liuyanban.core.errors import RateLimited

DEFAULT_RATE = "600/m"
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^(\d+)/(\d*)([smhd])")


def api_rule() -> ratelimit.Rule:
    """``settings.LIUYANBAN["API_RATE"]`` ("600/m", "100/10s", "5000/h") as a rule."""
    rate = str(settings.LIUYANBAN.get("API_RATE", DEFAULT_RATE))
    match = RATE.match(rate)
    if match is None:
        raise ValueError(f"LIUYANBAN['API_RATE'] must look like 600/m, not {rate!r}")
    window = int(match.group(2) or 1) * PERIODS[match.group(3)]
    return ratelimit.Rule("api", limit=int(match.group(1)), window=window)


def caller(request: HttpRequest) -> str:
    """Who is counted: the authenticated user, else the client's network."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, User):
        return f"user-{auth.pk}"
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        return f"user-{user.pk}"
    return "ip-" + client_network(client_ip(request))


class CallerThrottle(BaseThrottle):
    """Refuses with the API's 429 error object; ninja adds Retry-After from ``wait``."""

    def __init__(self) -> None:
        # One throttle object serves every thread: the wait belongs to the refused request.
        self._local = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        try:
            ratelimit.take((api_rule(), caller(request)))
        except RateLimited as refused:
            self._local.wait = refused.retry_after
            return False
        return True

    def wait(self) -> float | None:
        value = getattr(self._local, "wait", None)
        return float(value) if value is not None else None
