"""Anchor views for ``bench/http_bench.py``: what the stack costs without the product.

Routed only when ``LIUYANBAN["BENCH_VIEWS"]`` is on (``LIUYANBAN_BENCH_VIEWS=1``), never
by default: an empty view (the framework's floor), a bare page of 20 rows from one
query through the template language (the floor of an uncached list page), and one
row read by primary key as JSON (the floor of an API read).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from liuyanban.lifecycle.models import Message
from liuyanban.lifecycle.selectors import public_messages


def empty(request: HttpRequest) -> HttpResponse:
    """Nothing but Django's request/response cycle and the middleware."""
    return HttpResponse(b"ok", content_type="text/plain")


def rows(request: HttpRequest) -> HttpResponse:
    """The 20 newest public messages in a bare template (no base layout, no context work)."""
    items = list(
        public_messages()
        .order_by("-published_at", "-pk")
        .values("tracking_number", "public_title", "public_body", "published_at")[:20]
    )
    return render(request, "bench/rows.html", {"items": items})


def by_pk(request: HttpRequest) -> JsonResponse:
    """One message by primary key, as JSON."""
    pk = int(request.GET.get("id", "1") or 1)
    row = Message.objects.filter(pk=pk).values("pk", "tracking_number", "public_title").first()
    return JsonResponse(row or {})


urlpatterns: list[URLPattern] = [
    path("empty/", empty),
    path("rows/", rows),
    path("pk/", by_pk),
]
