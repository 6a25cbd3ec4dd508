"""Refuse NUL characters in any request, once, before they reach a database that rejects them.

PostgreSQL text cannot hold U+0000; without this, a client sending one (in a query
string, a form or JSON) would meet a 500 deep in the ORM instead of a clear 400.
Every spelling counts: a raw NUL, ``%00`` in the path, the query or a url-encoded
form (checked after decoding), and ``\u0000`` in JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

API_PREFIXES = ("/api/", "/open311/")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("RAW_URI", ""):
        return True
    for key, values in request.GET.lists():
        if any("\x00" in v for v in [key, *values]):
            return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    if request.method == "POST" and request.content_type in FORM_TYPES:
        # The decoded fields: ``%00`` in a url-encoded body is a NUL once decoded. Uploaded
        # files may hold NUL bytes (every image does); only the text fields matter.
        return any("\x00" in k or "\x00" in v for k, vs in request.POST.lists() for v in vs)
    body = request.body
    # Raw NUL bytes, the JSON escape for it, and %00 in a url-encoded body Django leaves raw.
    if request.content_type == FORM_TYPES[1] and b"%00" in body:
        return True
    return b"\x00" in body or b"\\u0000" in body.lower()


class RejectNulMiddleware:
    """Answer 400 in the caller's format when a request carries a NUL character."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            message = _("请求中含有不允许的空字符（NUL），请删除后重试")
            if request.path.startswith(API_PREFIXES):
                return JsonResponse(
                    {"code": "invalid_input", "message": message, "fields": {}},
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
            return HttpResponseBadRequest(
                json.dumps(message, ensure_ascii=False)[1:-1],
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
