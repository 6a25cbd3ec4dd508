"""Pages still work in a real browser under the Content-Security-Policy, with no violation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from liuyanban.analytics import rollups
from liuyanban.lifecycle.models import Status
from liuyanban.testing.world import build_world

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser() -> Iterator[Browser]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def _watch(page: Page) -> list[str]:
    """Collect every CSP violation the page reports in its console."""
    seen: list[str] = []
    page.on(
        "console",
        lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return seen


def test_pages_work_without_violations(live_server: Any, browser: Browser) -> None:
    world = build_world()
    world.message_in(Status.CLOSED)
    rollups.rebuild()
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    violations = _watch(page)

    # The charts draw (ECharts from our static files).
    page.goto(f"{base}/stats/")
    page.wait_for_selector("#stats-data", state="attached")
    page.wait_for_selector("canvas, svg", timeout=10_000)

    # The language menu switches without an inline handler (static/js/site.js).
    page.goto(f"{base}/")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    # htmx: the board picker suggests boards as one types.
    page.goto(f"{base}/accounts/login/?next=/write/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice")
    page.click("form button[type=submit]")
    page.wait_for_url("**/write/**")
    page.fill("#board-q", "东区")
    page.wait_for_selector("#board-suggestions li", timeout=10_000)

    # The API documentation renders (Swagger UI from our static files).
    page.goto(f"{base}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)

    assert violations == []
