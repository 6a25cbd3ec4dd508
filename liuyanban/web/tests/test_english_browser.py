"""The site in English, in a real browser: no Chinese character outside what users wrote.

Text that users typed (titles, bodies, replies, nicknames, suggestions) is marked in the
templates with ``data-user-content``; text marked ``lang="zh…"`` (the language menu's
"简体中文") is Chinese on purpose. Everything else — labels, generated body and board
names, domains, kinds, plural forms, the admin's app and model names — must be English.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, sync_playwright

from liuyanban.accounts.models import User
from liuyanban.campaigns.models import Campaign
from liuyanban.intelligence.models import HotIssue
from liuyanban.lifecycle.models import Status
from liuyanban.taxonomy.models import Domain
from liuyanban.testing.world import World, build_world

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Han characters outside user content: text nodes, and visible attributes and the page title
# once the user content they repeat is taken out.
FIND_HAN = """() => {
  const han = /[\\u3400-\\u9fff\\uf900-\\ufaff]/;
  const skip = (el) => el && el.closest(
    '[data-user-content], [lang^="zh"], script, style, noscript, template');
  // What users wrote, to take out of attributes and the title that repeat it.
  const typed = [...document.querySelectorAll('[data-user-content]')]
    .map((el) => el.textContent.trim()).filter(Boolean).sort((a, b) => b.length - a.length);
  const without = (text) => typed.reduce((rest, t) => rest.split(t).join(''), text);
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
      if (value && han.test(without(value))) found.push(`${name}=${value.slice(0, 80)}`);
    }
  }
  if (han.test(without(document.title))) found.push(`<title>${document.title}`);
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


def _campaign_with_a_suggestion(world: World) -> Campaign:
    """A campaign hosted by the east district, created and answered through the pages."""
    olga = Client()
    assert olga.login(username="olga", password="pw-olga")
    now = timezone.localtime()
    response = olga.post(
        reverse("web:campaign_create"),
        {
            "host": str(world.east.pk),
            "kind": "suggestion",
            "title": "公共机构食堂反食品浪费等您支招",
            "description": "围绕机关食堂反对食品浪费，征集您的金点子。",
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
            "domains": [str(Domain.objects.get(code="urban").pk)],
            "questions": "*您所在的单位类型|50\n您的其他想法",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.latest("id")
    alice = Client()
    assert alice.login(username="alice", password="pw-alice")
    response = alice.post(
        reverse("web:campaign", args=[campaign.pk]),
        {
            "title": "食堂推行小份菜",
            "body": "建议单位食堂推行小份菜和半份菜，按需取餐，减少剩饭剩菜的浪费。",
            "answer_q1": "机关单位",
            "region": "",
            "idempotency_key": "",
        },
    )
    assert response.status_code in (200, 302)
    return campaign


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
    # A second message on the same problem at the same place makes the one hot issue.
    world.message_in(Status.PUBLISHED, title="东区幸福路路灯不亮，晚上出行不安全")
    handling = world.message_in(Status.IN_HANDLING, title="西区公交站台没有遮雨棚")
    world.message_in(Status.SUBMITTED, title="东区菜市场噪音扰民")
    User.objects.create_superuser(username="root", password="pw-root")
    campaign = _campaign_with_a_suggestion(world)

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
        f"/campaigns/{campaign.pk}/",
        "/hot/",
        f"/hot/{HotIssue.objects.get().pk}/",
    ]:
        found += _han_outside_user_content(visitor, base, path)
    # Plural forms: the home page's hot issues count their messages.
    visitor.goto(f"{base}/")
    counts = visitor.locator("#hot-h + ol .muted").all_inner_texts()
    assert counts
    for text in counts:
        n = int(text.split()[0])
        assert text == (f"{n} message" if n == 1 else f"{n} messages"), text
    # Plural forms: one message is "1 message", never "1 messages" nor "18 message".
    visitor.goto(f"{base}/search/?q=遮雨棚")
    assert "1 message found" in visitor.inner_text("#res-h")
    visitor.goto(f"{base}/search/?q=路灯")
    assert "3 messages found" in visitor.inner_text("#res-h")
    visitor.close()

    for user, paths in [
        ("mona", ["/work/", "/work/moderation/"]),
        # Notifications are rendered in the reader's language (notifications.texts).
        (
            "alice",
            ["/me/messages/", "/me/notifications/", f"/write/?board={world.east_board.code}"],
        ),
        ("sam", ["/work/supervision/"]),
        ("leo", ["/work/leader/"]),
        ("ann", ["/stats/dashboard/"]),
        ("olga", [f"/campaigns/{campaign.pk}/review/"]),
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
