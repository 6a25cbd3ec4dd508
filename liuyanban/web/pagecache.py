"""Anonymous public pages served from the cache, invalidated by the events they show.

A page names the versions of what it shows (``core.versions``): a message page its
message, a board page its board, the home page the platform's messages, hot issues
and campaigns. The ``ETag`` is built from those versions, so the first request after
a reply renders afresh and every later one is a cache hit or a 304. Signed-in
visitors, htmx fragments, and visitors with a flash message waiting always get a
fresh page: their pages differ from the anonymous one. A view declared with
``htmx=True`` answers htmx with a fragment every anonymous visitor shares (the similar
messages a message page loads after itself): both answers are cached, each under its
own key and ETag, and sent with ``Vary: HX-Request``.

One cache entry per page and language (keyed by scheme, host and full path) holds the
ETag it was built under, the body and the response headers the whole middleware stack
gave it. ``FastPageMiddleware`` (first in ``MIDDLEWARE``) answers a cookie-less
anonymous ``GET`` of a cached page from that entry before any other middleware runs:
one ``get_many`` reads the page's versions and the entry together, and the entry is
served only if its ETag equals the one the current versions give, so an event's new
version shows at once (nothing is remembered in the process). Everything else (a
miss, a visitor with a session, a language or a flash-message cookie, htmx, HEAD,
plain http when https is required) goes down the ordinary stack, where the view's
``public_page`` wrapper serves or renders the page; the middleware stores what that
produced on the way out.

Anonymous pages neither touch the CSRF token nor leave ``Vary: Cookie``, so a shared
cache in front may keep them too (``Cache-Control`` makes it revalidate each time,
which costs us a 304).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language

from liuyanban.core import versions

logger = logging.getLogger(__name__)

# Parts of a page no event names (similar messages, rankings) are refreshed at least this often.
MAX_AGE = 300
View = Callable[..., HttpResponseBase]
Names = Callable[..., tuple[str, ...]]
# Headers the stack sets per response, never replayed from the cache.
_NOT_STORED = {"content-length", "date", "set-cookie"}


@dataclass(frozen=True)
class PageSpec:
    """What ``public_page`` knows of a view: the version names of its kwargs, the max age."""

    names: Names
    max_age: int
    htmx: bool = False


def _anonymous_and_plain(request: HttpRequest, htmx: bool = False) -> bool:
    """Whether the visitor would see exactly what every anonymous visitor sees."""
    if request.method not in ("GET", "HEAD") or (getattr(request, "htmx", False) and not htmx):
        return False
    if "messages" in request.COOKIES:  # a flash message waits to be shown
        return False
    return not request.user.is_authenticated


def _variant(full_path: str, meta: Any) -> str:
    """The path as the cache knows it: an htmx fragment is a page of its own."""
    return full_path + "\nhx" if "HTTP_HX_REQUEST" in meta else full_path


def _page_key(scheme: str, host: str, full_path: str, language: str) -> str:
    """The cache key of one page in one language (absolute links on it name the host)."""
    raw = f"{scheme}://{host}{full_path}\n{language}".encode()
    return "page:" + hashlib.blake2b(raw, digest_size=16).hexdigest()


def _etag_of(
    full_path: str, language: str, names: tuple[str, ...], current: tuple[str, ...], max_age: int
) -> str:
    parts = [full_path, language, str(int(time.time() // max_age)), *names, *current]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()


def _forget_session_access(request: HttpRequest) -> None:
    """An anonymous visitor without a session only had it looked at: no ``Vary: Cookie``."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key is None and not session.modified:
        session.accessed = False


def public_page(
    names: Names, max_age: int = MAX_AGE, *, htmx: bool = False
) -> Callable[[View], View]:
    """Cache a public page for anonymous visitors under the versions ``names(**kwargs)`` gives.

    ``htmx``: the view's htmx answer is the same for every anonymous visitor too (cached
    apart from the plain page).
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not _anonymous_and_plain(request, htmx):
                personal = view(request, *args, **kwargs)
                patch_cache_control(personal, private=True, no_cache=True)
                if htmx:
                    patch_vary_headers(personal, ["HX-Request"])
                return personal
            page_names = names(**kwargs)
            full_path = _variant(request.get_full_path(), request.META)
            language = get_language() or ""
            # FastPageMiddleware has just read them (a miss): no second round trip.
            known = getattr(request, "_page_versions", None)
            found = known[1] if known and known[0] == page_names else None
            current = versions.read(*page_names, known=found)
            etag = _etag_of(full_path, language, page_names, current, max_age)
            quoted = f'"{etag}"'
            key = _page_key(request.scheme or "", request.get_host(), full_path, language)
            if quoted in parse_etags(request.headers.get("If-None-Match", "")):
                response: HttpResponseBase = HttpResponseNotModified()
            else:
                response = _cached(key, etag) or _render(view, request, key, etag, args, kwargs)
            if response.status_code in (200, 304):
                response["ETag"] = quoted
                patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            if htmx:
                patch_vary_headers(response, ["HX-Request"])
            _forget_session_access(request)
            return response

        wrapper.public_page = PageSpec(names, max_age, htmx)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _cached(key: str, etag: str) -> HttpResponse | None:
    stored = cache.get(key)
    if stored is None or stored[0] != etag:
        return None
    _etag, content, headers = stored
    response = HttpResponse(content)
    for name, value in headers:
        if name.lower() == "content-type":
            response[name] = value
    return response


def _render(
    view: View,
    request: HttpRequest,
    key: str,
    etag: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> HttpResponseBase:
    response = view(request, *args, **kwargs)
    # Only a plain successful page is shared; one that set a cookie or holds a CSRF
    # token is personal. FastPageMiddleware stores it with the stack's final headers.
    personal = bool(response.cookies) or request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False)
    if isinstance(response, HttpResponse) and response.status_code == 200 and not personal:
        response._page_cache = (key, etag)  # type: ignore[attr-defined]
    return response


def _store(response: HttpResponseBase) -> None:
    """Keep a page the stack has finished, with its final headers (called on the way out)."""
    fill = getattr(response, "_page_cache", None)
    if (
        fill is None
        or not isinstance(response, HttpResponse)
        or response.cookies
        or "cookie" in response.get("Vary", "").lower()
    ):
        return
    key, etag = fill
    headers = [(k, v) for k, v in response.items() if k.lower() not in _NOT_STORED]
    try:
        cache.set(key, (etag, response.content, headers), MAX_AGE * 2)
    except Exception:
        logger.exception("pagecache: could not store %s", key)


class FastPageMiddleware:
    """First in the stack: a cookie-less anonymous GET of a cached page, answered at once.

    The page's versions are read on every request (one ``get_many`` with the page
    itself), so a reply or any other event is visible on the very next request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        self.personal_cookies = (
            settings.SESSION_COOKIE_NAME,
            settings.LANGUAGE_COOKIE_NAME,
            "messages",
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        spec = self._spec(request)
        if spec is not None:
            hit = self._serve(request, *spec)
            if hit is not None:
                return hit
        response = self.get_response(request)
        _store(response)
        return response

    def _spec(self, request: HttpRequest) -> tuple[tuple[str, ...], PageSpec] | None:
        """The page's version names and spec if this request may take the fast path."""
        meta = request.META
        if request.method != "GET":
            return None
        cookies = meta.get("HTTP_COOKIE", "")
        if cookies and any(name in cookies for name in self.personal_cookies):
            return None
        if "\x00" in request.path or "%00" in meta.get("QUERY_STRING", ""):
            return None  # RejectNulMiddleware answers those
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None  # SecurityMiddleware redirects
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        spec: PageSpec | None = getattr(match.func, "public_page", None)
        if spec is None or ("HTTP_HX_REQUEST" in meta and not spec.htmx):
            return None
        return spec.names(**match.kwargs), spec

    def _serve(
        self, request: HttpRequest, names: tuple[str, ...], spec: PageSpec
    ) -> HttpResponseBase | None:
        try:
            host = request.get_host()
        except Exception:
            return None  # DisallowedHost: the stack answers 400
        full_path = _variant(request.get_full_path(), request.META)
        language = settings.LANGUAGE_CODE
        key = _page_key(request.scheme or "", host, full_path, language)
        version_keys = [versions.PREFIX + n for n in names]
        try:
            found = cache.get_many([*version_keys, key])
        except Exception:
            return None
        # On a miss the view's wrapper reuses these versions instead of reading them again.
        known = {k: found[k] for k in version_keys if k in found}
        request._page_versions = (names, known)  # type: ignore[attr-defined]
        stored = found.get(key)
        if stored is None or len(known) < len(version_keys):
            return None
        current = tuple(str(found[k]) for k in version_keys)
        etag = _etag_of(full_path, language, names, current, spec.max_age)
        if stored[0] != etag:
            return None
        _etag, content, headers = stored
        if f'"{etag}"' in parse_etags(request.headers.get("If-None-Match", "")):
            response: HttpResponseBase = HttpResponseNotModified()
            for name, value in headers:
                if name.lower() != "content-type":
                    response[name] = value
            return response
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        return response
