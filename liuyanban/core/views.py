"""Error views Django calls itself (``handler400`` in the URLconf)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults


def language_of(request: HttpRequest) -> str:
    """The caller's language when the locale middleware has not run (yet): the switch's
    cookie if it names a supported language, else Chinese (the browser is not asked)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen and translation.check_for_language(chosen):
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400, except a body over the size limit, which is 413 with the limit in plain words.

    On API paths ``api.middleware.JsonErrorsMiddleware`` turns either into JSON.
    """
    with translation.override(language_of(request)):
        return _bad_request(request, exception)


def _bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        limit = max(1, (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) // (1024 * 1024))
        return HttpResponse(
            _("请求内容过大，上限为 %(mb)d MB") % {"mb": limit},
            status=413,
            content_type="text/plain; charset=utf-8",
        )
    return defaults.bad_request(request, exception)
