"""Issue 15's points walked in a real browser: regions in the statistics, the national
directory with 中央, campaign suggestions in the moderation queue, and staff pages that
show names instead of internals. Screenshots go to tests/artifacts/screenshots."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from liuyanban.analytics import rollups
from liuyanban.intelligence.models import Prediction
from liuyanban.lifecycle.models import Status
from liuyanban.organizations.models import Board, BoardKind, Level, Organization, OrgKind
from liuyanban.testing.campaigns import suggestion_in
from liuyanban.testing.world import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "tests" / "artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.fixture
def browser() -> Iterator[Browser]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def _signed_in(browser: Browser, base: str, name: str, width: int = 1280) -> Page:
    page = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", f"pw-{name}")
    with page.expect_navigation():
        page.locator("form.account-form button[type=submit]").click()
    return page


def _suggestion(world: World) -> str:
    return suggestion_in(
        world, body="建议单位食堂推行小份菜和半份菜，按需取餐。我的电话13812345678。"
    ).title


def test_regions_directory_suggestions_and_plain_staff_pages(
    live_server: Any, browser: Browser
) -> None:
    world = build_world()
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    east = world.message_in(Status.PUBLISHED)
    world.message_in(Status.PUBLISHED, board_id=world.west_board.pk)
    rollups.rebuild()
    ministry = Organization.objects.create(
        code="mohurd",
        name="住房和城乡建设部",
        kind=OrgKind.MINISTRY,
        level=Level.CENTRAL,
        parent=world.root,
    )
    Board.objects.create(
        code="mohurd", name="住房和城乡建设部", kind=BoardKind.BODY, organization=ministry
    )

    # Statistics: the heat table's columns are the regions below the scope.
    visitor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(f"{base}/stats/")
    heat = visitor.locator("table.heat thead").inner_text()
    assert "东区" in heat and "西区" in heat and "未注明" not in heat
    # The directory links 中央, whose page lists the central bodies' boards.
    visitor.goto(f"{base}/directory/")
    visitor.click("text=中央国家机关留言板")
    assert "暂无留言板" not in visitor.inner_text("main")
    assert "住房和城乡建设部" in visitor.inner_text("#boards-h ~ ul")
    visitor.context.close()

    # A campaign suggestion waits in the moderation queue with the redaction view.
    title = _suggestion(world)
    mona = _signed_in(browser, base, "mona")
    mona.goto(f"{base}/work/moderation/")
    mona.click(f"#suggestions-h ~ .table-wrap >> text={title}")
    assert mona.locator("mark", has_text="13812345678").count() >= 1
    mona.screenshot(path=str(SHOTS / "staff-suggestion-moderation.png"), full_page=True)
    with mona.expect_navigation():
        mona.click("button[value=publish]")
    assert "已公开" in mona.inner_text("main")
    mona.context.close()

    # The office sees the classifier's suggestion by name, the author by nickname.
    Prediction.objects.create(
        message=east, target="domain", code="transport", confidence=0.91, model_version="v-9"
    )
    olga = _signed_in(browser, base, "olga")
    olga.goto(f"{base}/work/messages/{east.tracking_number}/")
    text = olga.inner_text("main")
    assert "交通" in text and "把握较大（91%）" in text and "v-9" not in text
    assert east.author_nickname in olga.inner_text("ol.timeline")
    assert east.author is not None and east.author.get_username() not in olga.inner_text(
        "ol.timeline"
    )
    olga.screenshot(path=str(SHOTS / "staff-message-plain.png"), full_page=True)
    olga.context.close()
