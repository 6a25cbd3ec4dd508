"""Per-caller request rate: by user for tokens and sessions, by IP for everyone else."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from liuyanban.accounts.models import User

DEFAULT_RATE = "600/m"


class CallerThrottle(SimpleRateThrottle):
    """``settings.LIUYANBAN["API_RATE"]`` requests per caller (read on every request)."""

    scope = "api"

    def __init__(self) -> None:
        super().__init__(DEFAULT_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        rate = settings.LIUYANBAN.get("API_RATE", DEFAULT_RATE)
        if rate != self.rate:
            self.rate = rate
            self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str:
        auth = getattr(request, "auth", None)
        ident = f"user-{auth.pk}" if isinstance(auth, User) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
