"""The site in English, in a real browser: no Chinese character outside what users wrote.

Text that users typed (titles, bodies, replies, nicknames, suggestions) is marked in the
templates with ``data-user-content``; text marked ``lang="zh…"`` (the language menu's
"简体中文") is Chinese on purpose. Everything else — labels, generated body and board
names, domains, kinds, plural forms, the admin's app and model names — must be English.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from liuyanban.accounts.models import User
from liuyanban.lifecycle.models import Status
from liuyanban.testing.world import build_world

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Han characters outside user content: text nodes, visible attributes and the page title
# once the user content it repeats is taken out.
FIND_HAN = """() => {
  const han = /[\\u3400-\\u9fff\\uf900-\\ufaff]/;
  const skip = (el) => el && el.closest(
    '[data-user-content], [lang^="zh"], script, style, noscript, template');
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (han.test(node.data) && !skip(node.parentElement)) found.push(node.data.trim().slice(0, 80));
  }
  for (const el of document.body.querySelectorAll('[placeholder], [title], [aria-label], [alt], input[value]')) {
    if (skip(el)) continue;
    for (const name of ['placeholder', 'title', 'aria-label', 'alt', 'value']) {
      if (name === 'value' && !['submit', 'button'].includes(el.type)) continue;
      const value = el.getAttribute(name);
      if (value && han.test(value)) found.push(`${name}=${value.slice(0, 80)}`);
    }
  }
  let title = document.title;
  for (const el of document.querySelectorAll('[data-user-content]')) {
    const text = el.textContent.trim();
    if (text) title = title.split(text).join('');
  }
  if (han.test(title)) found.push(`<title>${document.title}`);
  return found;
}"""


@pytest.fixture
def browser() -> Iterator[Browser]:
    # Django refuses ORM calls from the event loop Playwright's sync API runs in.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def _english_page(browser: Browser, base: str, user: str | None = None) -> Page:
    """A page switched to English through the header's language menu, signed in as ``user``."""
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    if user:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", user)
        page.fill("#id_password", f"pw-{user}")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
    page.goto(f"{base}/")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.get_attribute("html", "lang") == "en"
    return page


def _han_outside_user_content(page: Page, base: str, path: str) -> list[str]:
    response = page.goto(base + path)
    assert response is not None and response.status == 200, path
    assert page.get_attribute("html", "lang") == "en", path
    return [f"{path}: {text}" for text in page.evaluate(FIND_HAN)]


def test_english_pages_have_no_chinese_outside_user_content(
    live_server: Any, browser: Browser
) -> None:
    world = build_world()
    base = live_server.url
    replied = world.message_in(Status.REPLIED)
    handling = world.message_in(Status.IN_HANDLING, title="西区公交站台没有遮雨棚")
    world.message_in(Status.SUBMITTED, title="东区菜市场噪音扰民")
    User.objects.create_superuser(username="root", password="pw-root")

    found: list[str] = []
    visitor = _english_page(browser, base)
    for path in [
        "/",
        "/directory/",
        f"/directory/{world.east.code}/",
        f"/boards/{world.east_board.code}/",
        f"/messages/{replied.tracking_number}/",
        "/search/?q=路灯",
        "/stats/",
        "/campaigns/",
        "/hot/",
    ]:
        found += _han_outside_user_content(visitor, base, path)
    # Plural forms: one message is "1 message", never "1 messages" nor "18 message".
    visitor.goto(f"{base}/search/?q=遮雨棚")
    assert "1 message found" in visitor.inner_text("#res-h")
    visitor.goto(f"{base}/search/?q=路灯")
    assert "2 messages found" in visitor.inner_text("#res-h")
    visitor.close()

    for user, paths in [
        ("mona", ["/work/", "/work/moderation/"]),
        ("olga", ["/work/office/", f"/work/messages/{replied.tracking_number}/"]),
        ("uma", ["/work/unit/", f"/work/messages/{handling.tracking_number}/"]),
        ("root", ["/admin/"]),
    ]:
        page = _english_page(browser, base, user)
        for path in paths:
            found += _han_outside_user_content(page, base, path)
        page.close()

    assert not found, "\n".join(dict.fromkeys(found))


def test_generated_names_are_english_in_english(live_server: Any, browser: Browser) -> None:
    world = build_world()
    base = live_server.url
    page = _english_page(browser, base)
    page.goto(f"{base}/boards/{world.east_board.code}/")
    assert page.inner_text("h1") == "Head of East District"
    assert "People's Government of East District" in page.inner_text("main")
    page.goto(f"{base}/directory/{world.east.code}/")
    assert "East District Housing and Urban-Rural Development Bureau" in page.inner_text("main")
    page.close()
