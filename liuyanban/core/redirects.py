"""Where a redirect taken from the request may go: only to this site.

``next``, ``back`` and the referrer come from the client, so a link like
``/rate?back=https://evil.example`` would otherwise send a citizen from our page to
anyone's. Every view that redirects to a client-given target asks here.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_url(request: HttpRequest, *candidates: str | None, default: str) -> str:
    """The first candidate that stays on this site (host and scheme), else ``default``."""
    for candidate in candidates:
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return default
