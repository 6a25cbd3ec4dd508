"""Refuse NUL characters in any request, once, before they reach a database that rejects them.

PostgreSQL text cannot hold U+0000; without this, a client sending one (in a query
string, a form or JSON) would meet a 500 deep in the ORM instead of a clear 400.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

API_PREFIXES = ("/api/", "/open311/")


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for values in request.GET.lists():
        if any("\x00" in v for v in [values[0], *values[1]]):
            return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    if request.content_type == "multipart/form-data":
        # Uploaded files may hold NUL bytes (every image does); only the text fields matter.
        return any("\x00" in v for _k, vs in request.POST.lists() for v in vs)
    body = request.body
    # Raw NUL bytes, and the JSON escape for it.
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
