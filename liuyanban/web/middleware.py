"""Simplified Chinese unless the visitor chose another language with the switch."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ChineseByDefaultMiddleware:
    """Ignore the browser's Accept-Language: the platform speaks Chinese first.

    A visitor who picks English in the language switch gets a cookie that Django's
    LocaleMiddleware (which runs next) honours; nobody is switched by their browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
