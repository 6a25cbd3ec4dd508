"""The one place where pages map domain errors to responses (web and accounts pages).

In ``core`` so that every app with pages uses it without importing ``web``.

The mapping (``core.errors`` gives each error its status and message):

| error | page |
|---|---|
| ``InvalidInput`` with a form | the form again, messages next to their fields (``form_error``): 400 |
| ``NotFound`` | the 404 page (missing and not yours look the same) |
| ``NotPermitted`` | the 403 page with the error's message |
| ``RateLimited`` | the 429 page (or the form again with 429) |
| ``NotAuthenticated`` | the login page, then back |
| ``InvalidTransition``, ``Conflict``, input without a form | a flash (``user_text``) and a redirect back: the page was stale |

User input never causes a 500. The accounts pages answer a refused form with 200 (as
Django's login does), a rate limit still with 429: ``form_error(..., refusal_status=200)``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from liuyanban.core.errors import (
    DomainError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RateLimited,
)
from liuyanban.core.redirects import local_url

View = TypeVar("View", bound=Callable[..., HttpResponse])


def add_field_errors(form: forms.Form, exc: DomainError) -> None:
    """Put an error's messages next to the form's fields (others, or the message, on the form)."""
    for name, errors in exc.fields.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target, error)
    if not exc.fields:
        form.add_error(None, exc.message)


def form_error(form: forms.Form, exc: DomainError, *, refusal_status: int | None = None) -> int:
    """An action refused a form's input: show why on the form; the page's HTTP status.

    The error's own status (400, 409, 429 …), or ``refusal_status`` for anything but
    a rate limit on pages that treat a refusal as an ordinary answer (log in, codes).
    """
    add_field_errors(form, exc)
    if refusal_status is not None and not isinstance(exc, RateLimited):
        return refusal_status
    return exc.status


def user_text(exc: DomainError) -> str:
    """What the user reads when no form shows the error: the message, then the fields'."""
    detail = "；".join(m for msgs in exc.fields.values() for m in msgs if m != exc.message)
    return f"{exc.message}：{detail}" if detail else exc.message


def raise_for(exc: DomainError) -> None:
    """404 and 403 raised for Django's handlers (where a view cannot return a response)."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if isinstance(exc, NotPermitted):
        raise PermissionDenied(exc.message)


def _safe_back(request: HttpRequest, back: str | None) -> str:
    """Where to send the user after a stale action: ``back``, the referrer, or home."""
    return local_url(request, back, request.META.get("HTTP_REFERER"), default="/")


def error_response(
    request: HttpRequest, exc: DomainError, *, back: str | None = None
) -> HttpResponse:
    """The response for a domain error that no form handled."""
    if isinstance(exc, NotFound):
        return render(request, "404.html", {"error": exc}, status=404)
    if isinstance(exc, NotPermitted):
        return render(request, "403.html", {"error": exc}, status=403)
    if isinstance(exc, RateLimited):
        return render(request, "429.html", {"error": exc}, status=429)
    if isinstance(exc, NotAuthenticated):
        return redirect_to_login(request.get_full_path())
    # InvalidTransition, Conflict, or an InvalidInput without a form: say it, go back.
    messages.error(request, user_text(exc))
    return redirect(_safe_back(request, back))


def handles_domain_errors(view: View) -> View:
    """Decorate a view so that any DomainError it lets through is mapped here."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return error_response(request, exc)

    return cast(View, wrapper)
