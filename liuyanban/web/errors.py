"""The one place where the web maps domain errors to responses.

InvalidInput goes back to the form (``add_field_errors``); NotFound is the 404
page, NotPermitted the 403 page, RateLimited the 429 page; a stale action
(InvalidTransition, Conflict) becomes a message and a redirect. User input never
causes a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from liuyanban.core.errors import (
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RateLimited,
)
from liuyanban.core.redirects import local_url

View = TypeVar("View", bound=Callable[..., HttpResponse])


def add_field_errors(form: forms.Form, exc: InvalidInput) -> None:
    """Put an InvalidInput's messages next to the form's fields (others on the form)."""
    for name, errors in exc.fields.items():
        target = name if name in form.fields else None
        for error in errors:
            form.add_error(target, error)
    if not exc.fields:
        form.add_error(None, exc.message)


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
    messages.error(request, exc.message)
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
