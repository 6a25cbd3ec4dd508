"""A Content-Security-Policy on every page: scripts only from our own files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from liuyanban.lifecycle.models import Status
from liuyanban.testing.world import World

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/write/",
        "/search/?q=路灯",
        "/stats/",
        "/campaigns/",
        "/accounts/login/",
        "/api/v1/docs",
        "/open311/v2/services.xml",
        "/no-such-page/",
    ],
)
def test_every_response_has_the_policy(world: World, path: str) -> None:
    world.message_in(Status.PUBLISHED)
    response = Client().get(path)
    assert response.status_code in (200, 302, 404)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no CDN
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]


def test_templates_have_no_inline_script_or_handler() -> None:
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if INLINE_HANDLER.search(text):
            offenders.append(f"{path.name}: inline event handler")
        for attrs in SCRIPT_TAG.findall(text):
            if "src=" not in attrs and "application/json" not in attrs:
                offenders.append(f"{path.name}: inline <script>")
    assert offenders == []
