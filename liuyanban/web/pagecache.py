"""Anonymous public pages served from the cache, invalidated by the events they show.

A page names the versions of what it shows (``core.versions``): a message page its
message, a board page its board, the home page the platform's messages, hot issues
and campaigns. The cache key and the ``ETag`` are built from those versions, so the
first request after a reply renders afresh and every later one is a cache hit or a
304. Signed-in visitors, htmx fragments, and visitors with a flash message waiting
always get a fresh page: their pages differ from the anonymous one.

Anonymous pages neither touch the CSRF token nor leave ``Vary: Cookie``, so a shared
cache in front may keep them too (``Cache-Control`` makes it revalidate each time,
which costs us a 304).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.utils.translation import get_language

from liuyanban.core import versions

# Parts of a page no event names (similar messages, rankings) are refreshed at least this often.
MAX_AGE = 300
View = Callable[..., HttpResponseBase]
Names = Callable[..., tuple[str, ...]]


def _anonymous_and_plain(request: HttpRequest) -> bool:
    """Whether the visitor would see exactly what every anonymous visitor sees."""
    if request.method not in ("GET", "HEAD") or getattr(request, "htmx", False):
        return False
    if "messages" in request.COOKIES:  # a flash message waits to be shown
        return False
    return not request.user.is_authenticated


def _etag(request: HttpRequest, names: tuple[str, ...], max_age: int) -> str:
    parts = [
        request.get_full_path(),
        get_language() or "",
        str(int(time.time() // max_age)),
        *names,
        *versions.read(*names),
    ]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()


def _forget_session_access(request: HttpRequest) -> None:
    """An anonymous visitor without a session only had it looked at: no ``Vary: Cookie``."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key is None and not session.modified:
        session.accessed = False


def public_page(names: Names, max_age: int = MAX_AGE) -> Callable[[View], View]:
    """Cache a public page for anonymous visitors under the versions ``names(**kwargs)`` gives."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not _anonymous_and_plain(request):
                personal = view(request, *args, **kwargs)
                patch_cache_control(personal, private=True, no_cache=True)
                return personal
            etag = _etag(request, names(**kwargs), max_age)
            quoted = f'"{etag}"'
            if quoted in parse_etags(request.headers.get("If-None-Match", "")):
                response: HttpResponseBase = HttpResponseNotModified()
            else:
                response = _cached(etag) or _render(view, request, etag, args, kwargs)
            if response.status_code in (200, 304):
                response["ETag"] = quoted
                patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            _forget_session_access(request)
            return response

        return wrapper

    return decorate


def _cached(etag: str) -> HttpResponse | None:
    stored = cache.get("page:" + etag)
    if stored is None:
        return None
    content, content_type = stored
    return HttpResponse(content, content_type=content_type)


def _render(
    view: View, request: HttpRequest, etag: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> HttpResponseBase:
    response = view(request, *args, **kwargs)
    # Only a plain successful page is shared; one that set a cookie or holds a CSRF
    # token is personal.
    personal = bool(response.cookies) or request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False)
    if isinstance(response, HttpResponse) and response.status_code == 200 and not personal:
        cache.set("page:" + etag, (response.content, response["Content-Type"]), MAX_AGE * 2)
    return response
