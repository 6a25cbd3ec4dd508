"""Every staff queue on a phone (390 × 844): no sideways scrolling, no text squeezed to a
character or two per line, the header folded behind a menu button; screenshots of each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from liuyanban.lifecycle.models import Status
from liuyanban.testing.campaigns import open_campaign, suggestion_in
from liuyanban.testing.world import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "tests" / "artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

# Text nodes that wrap onto several lines while their widest line is under 2.5 em wide:
# a title set one or two characters per line.
SQUEEZED = """() => {
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (text.length < 3 || !el || el.closest(".sr, script, style, noscript, option")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = Array.from(range.getClientRects()).filter(r => r.width > 0);
    if (lines.length < 2) continue;
    // Visually hidden (the 1-pixel clip of screen-reader-only text) is not squeezed.
    if (el.getBoundingClientRect().width <= 2 || el.closest("thead")?.getBoundingClientRect().width <= 2) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const widest = Math.max(...lines.map(r => r.width));
    if (widest < 2.5 * size) bad.push(text.slice(0, 24));
  }
  return bad;
}"""


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def _busy_world() -> tuple[World, int]:
    """Every queue has something in it, with long titles and overdue badges."""
    world = build_world()
    long_title = "东区幸福路一号至九号路灯长期不亮夜间出行很不安全"
    for status in (
        Status.SUBMITTED,
        Status.PUBLISHED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.IN_HANDLING,
        Status.REVIEWING,
        Status.REPLIED,
    ):
        world.message_in(status, title=long_title)
    campaign = open_campaign(world)
    suggestion_in(
        world,
        campaign,
        title="建议单位食堂推行小份菜和半份菜",
        body="建议单位食堂推行小份菜和半份菜，按需取餐，减少剩饭剩菜的浪费。",
    )
    return world, campaign.pk


def _phone(browser: Any, base: str, name: str) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", f"pw-{name}")
    with page.expect_navigation():
        page.locator("form.account-form button[type=submit]").click()
    return page


def test_every_staff_queue_fits_a_phone(live_server: Any, browser: Any) -> None:
    _world, campaign_id = _busy_world()
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = [
        ("mona", "/work/", "workbench"),
        ("mona", "/work/moderation/", "moderation"),
        ("olga", "/work/office/", "office"),
        ("uma", "/work/unit/", "unit"),
        ("sam", "/work/supervision/", "supervision"),
        ("leo", "/work/leader/", "leader"),
        ("olga", f"/campaigns/{campaign_id}/review/", "campaign-review"),
        ("ann", "/stats/dashboard/", "dashboard"),
    ]
    problems: dict[str, Any] = {}
    for person, path, name in pages:
        page = _phone(browser, live_server.url, person)
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (path, response)
        # The header is one line: links fold behind the menu button.
        header = page.locator("header.top").bounding_box()
        assert header is not None and header["height"] <= 64, (name, header)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        squeezed = page.evaluate(SQUEEZED)
        if overflow > 0 or squeezed:
            problems[name] = {"overflow_px": overflow, "squeezed": squeezed[:5]}
        page.screenshot(path=str(SHOTS / f"phone-staff-{name}.png"), full_page=True)
        page.context.close()
    assert not problems, problems


def test_the_menu_button_unfolds_the_header(live_server: Any, browser: Any) -> None:
    build_world()
    page = _phone(browser, live_server.url, "olga")
    page.goto(live_server.url + "/work/office/")
    menu = page.locator("#site-menu")
    assert not menu.is_visible()
    page.click(".menu-toggle")
    assert menu.is_visible()
    assert page.get_attribute(".menu-toggle", "aria-expanded") == "true"
    assert page.locator("#site-menu >> text=退出").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=str(SHOTS / "phone-menu-open.png"))
    page.context.close()


def test_english_header_stays_on_one_line_at_1366(live_server: Any, browser: Any) -> None:
    build_world()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", "pw-olga")
    with page.expect_navigation():
        page.locator("form.account-form button[type=submit]").click()
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    page.goto(live_server.url + "/work/office/")
    assert page.get_attribute("html", "lang") == "en"
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 64, header
    assert not page.locator(".menu-toggle").is_visible()
    context.close()
