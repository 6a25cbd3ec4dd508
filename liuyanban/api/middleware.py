"""Every error under /api/ is the API's JSON error object, whoever produced it.

ninja answers the API's own errors (``api/rest/errors.py``); Django answers the rest
in HTML or plain text: a path no route matches, a method a route does not take, a
body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (refused before the API runs), a bug's 500.
This middleware gives those the same ``{"code", "message", "fields"}`` and keeps the
status and the headers a client acts on (Allow, Retry-After).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation

from liuyanban.core.views import language_of

from .rest.errors import http_error_body

API_PREFIX = "/api/"
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class JsonErrorsMiddleware:
    """Rewrite non-JSON error answers on API paths into the API's error object."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not request.path.startswith(API_PREFIX):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        # Refused before the locale middleware ran, or after it reset: choose the language here.
        with translation.override(language_of(request)):
            body = http_error_body(response.status_code)
        answer = JsonResponse(
            body,
            status=response.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
        for header in KEPT_HEADERS:
            if header in response:
                answer[header] = response[header]
        return answer
