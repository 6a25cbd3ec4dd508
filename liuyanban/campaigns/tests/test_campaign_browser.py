"""A campaign in a real browser: a citizen submits and supports, the host adopts, results show it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from liuyanban.campaigns import actions
from liuyanban.campaigns.models import Campaign, Suggestion
from liuyanban.testing.world import World, build_world

SHOTS = Path(__file__).resolve().parents[3] / "tests" / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser() -> Iterator[Browser]:
    # Django refuses ORM calls from the event loop Playwright's sync API runs in.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def _campaign(world: World) -> Campaign:
    campaign = actions.create_campaign(
        actor=world.olga,
        data=actions.CampaignInput(
            host_id=world.east.pk,
            title="公共机构食堂反食品浪费等您支招",
            description="围绕机关食堂反对食品浪费，征集您的金点子。",
            opens_at=timezone.now() - timedelta(days=1),
            closes_at=timezone.now() + timedelta(days=20),
            questions=[{"key": "q1", "label": "您的身份", "required": True, "max_length": 50}],
        ),
    )
    other = actions.submit_suggestion(
        author=world.bob,
        campaign_id=campaign.pk,
        draft=actions.SuggestionDraft(
            title="晚餐剩菜打折出售",
            body="晚餐结束前半小时把剩余饭菜打折出售，既减少浪费又方便加班职工。",
            answers={"q1": "机关职工"},
        ),
    )
    actions.publish_suggestion(actor=world.mona, suggestion_id=other.pk)
    return campaign


def _login(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", f"pw-{name}")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def _axe(page: Page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("critical", "serious")
    ]
    assert not bad, bad


def test_submit_support_adopt_results(live_server: Any, browser: Browser) -> None:
    world = build_world()
    campaign = _campaign(world)
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)

    # A citizen submits a suggestion and supports another.
    alice = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    _login(alice, base, "alice")
    alice.goto(f"{base}/campaigns/{campaign.pk}/")
    alice.get_by_label("标题").fill("推行小份菜和半份菜")
    alice.get_by_label("建言内容").fill("建议食堂推行小份菜、半份菜，按需取餐，减少剩菜浪费。")
    alice.get_by_label("您的身份").fill("机关职工")
    alice.get_by_role("button", name="提交建言").click()
    expect(alice.get_by_text("建言已提交")).to_be_visible()
    alice.get_by_role("button", name="附议：晚餐剩菜打折出售").click()
    expect(alice.get_by_text("您已附议")).to_be_visible()
    assert Suggestion.objects.get(title="晚餐剩菜打折出售").support_count == 1
    mine = Suggestion.objects.get(title="推行小份菜和半份菜")
    actions.publish_suggestion(actor=world.mona, suggestion_id=mine.pk)

    # The host goes from the review queue to the suggestion's adoption form and answers.
    host = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    _login(host, base, "olga")
    host.goto(f"{base}/campaigns/{campaign.pk}/review/?status=published")
    host.locator(f"#s{mine.pk}").get_by_role("link", name="采纳并回应").click()
    host.locator("#response").fill("已在区机关食堂推行小份菜，下月起全区推广。")
    host.get_by_role("button", name="采纳并公开回应").click()
    expect(host.get_by_text("已采纳并公开回应")).to_be_visible()
    host.screenshot(path=str(SHOTS / "campaign-review.png"), full_page=True)

    # The results page shows it; screenshots of the campaign and results pages.
    visitor = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN"
    ).new_page()
    visitor.goto(f"{base}/campaigns/{campaign.pk}/results/")
    expect(visitor.get_by_text("已在区机关食堂推行小份菜，下月起全区推广。")).to_be_visible()
    visitor.screenshot(path=str(SHOTS / "campaign-results.png"), full_page=True)
    _axe(visitor)
    visitor.goto(f"{base}/campaigns/{campaign.pk}/")
    expect(visitor.get_by_text("推行小份菜和半份菜")).to_be_visible()
    visitor.screenshot(path=str(SHOTS / "campaign.png"), full_page=True)
    _axe(visitor)
    alice.goto(f"{base}/campaigns/{campaign.pk}/")
    alice.screenshot(path=str(SHOTS / "campaign-phone.png"), full_page=True)
