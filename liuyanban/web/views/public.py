"""Shared helpers of the public pages (the views live in ``public_*.py``)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


def login_redirect(request: HttpRequest, next_url: str) -> HttpResponse:
    """Send an anonymous visitor to the login page; htmx gets a full-page redirect."""
    response = redirect_to_login(next_url)
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
    return response


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (django-htmx's middleware sets ``request.htmx``)."""
    return bool(getattr(request, "htmx", False))
