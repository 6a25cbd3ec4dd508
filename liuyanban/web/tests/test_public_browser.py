"""The public side in a real browser: write, get answered, be found; screenshots and axe."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Message, Resolution
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
NO_WORKER = "django_tasks.backends.dummy.DummyBackend"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser() -> Iterator[Browser]:
    # Django refuses ORM calls from the event loop Playwright's sync API runs in.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def _check_accessibility(page: Page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("critical", "serious")
    ]
    assert not bad, f"{name}: {bad}"


def _shoot(browser: Browser, url: str, name: str, state: Any = None) -> None:
    """Screenshot ``url`` at desktop and phone width, and run axe on it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        context = browser.new_context(
            viewport={"width": width, "height": height}, storage_state=state, locale="zh-CN"
        )
        page = context.new_page()
        page.goto(url)
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        if size == "desktop":
            _check_accessibility(page, name)
        context.close()


def _handle(world: World, message: Message) -> None:
    """The staff side, through the real actions: approve, accept, assign, sign, reply."""
    actions.approve_message(actor=world.mona, message_id=message.pk)
    actions.accept_message(actor=world.olga, message_id=message.pk)
    actions.assign_message(
        actor=world.olga, message_id=message.pk, lead_id=world.east_housing.pk, requirements="核实"
    )
    actions.sign_message(actor=world.uma, message_id=message.pk)
    actions.reply_final(
        actor=world.uma,
        message_id=message.pk,
        body="经核实，小区物业已于本周退还多收的停车费，并公示收费标准。",
        resolution=Resolution.SOLVED,
    )


def test_citizen_writes_and_visitor_finds_the_answer(live_server: Any, browser: Browser) -> None:
    world = build_world()
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")

    # A citizen logs in and writes, with a validation error on the way.
    page.goto(f"{base}/write/?board={world.east_board.code}")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice")
    page.click("form button[type=submit]")
    page.wait_for_url("**/write/**")
    page.select_option("#id_domain", label="城建")
    page.select_option("#id_kind", label="投诉")
    page.fill("#id_title", "物业乱收")
    page.fill(
        "#id_body", "我们小区的物业公司每月多收停车管理费，业主意见很大，请有关部门核查处理。"
    )
    page.fill("#id_phone", "13812345678")
    assert "已输入 4 / 50 字" in page.inner_text("#id_title_count")
    page.click("button[name=submit]")
    assert "标题至少需要 5 个字" in page.inner_text("#error-summary")
    assert "物业公司每月多收" in page.input_value("#id_body")  # nothing typed is lost
    page.fill("#id_title", "小区物业乱收停车费")
    _shoot_page(page, "write-error")
    page.click("button[name=submit]")
    page.wait_for_url("**/write/done/**")
    tracking = page.inner_text(".tracking strong").strip()
    message = Message.objects.get(tracking_number=tracking)
    assert message.author == world.alice
    citizen = page.context.storage_state()
    page.close()

    _handle(world, message)

    # The citizen reads the reply and rates it on the three scales.
    rater = browser.new_context(
        storage_state=citizen, viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    own = rater.new_page()
    own.goto(f"{base}/messages/{tracking}/")
    for name, value in (("solved", "5"), ("attitude", "4"), ("speed", "4")):
        own.check(f"#rate-{name}-{value}")
    own.fill("#rate-comment", "停车费已经退了，谢谢")
    own.click("form.evaluate button[type=submit]")
    own.wait_for_load_state()
    assert "留言人评价" in own.inner_text("main")
    rater.close()
    message.refresh_from_db()
    assert message.status == "closed"  # a good rating closes the message

    # An anonymous visitor searches a two-character word and opens the answer.
    visitor = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    visitor.goto(f"{base}/")
    visitor.fill("#home-s", "物业")
    visitor.press("#home-s", "Enter")
    visitor.wait_for_url("**/search/?q=**")
    assert visitor.locator("mark", has_text="物业").count() >= 1
    visitor.click(f"a[href='/messages/{tracking}/']")
    visitor.wait_for_url(f"**/messages/{tracking}/")
    assert "退还多收的停车费" in visitor.inner_text("main")
    assert "停车费已经退了" in visitor.inner_text("main")  # the author's rating is public
    assert "13812345678" not in visitor.content()
    visitor.close()

    for name, path in [
        ("home", "/"),
        ("board", f"/boards/{world.east_board.code}/"),
        ("message", f"/messages/{tracking}/"),
        ("search", "/search/?q=物业"),
        ("write", f"/write/?board={world.east_board.code}"),
    ]:
        _shoot(browser, base + path, name, citizen if name == "write" else None)


def _shoot_page(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)


def test_dissatisfied_citizen_asks_for_rehandling(live_server: Any, browser: Browser) -> None:
    world = build_world()
    base = live_server.url
    message = world.submit(None, title="东区幸福路路灯一直不亮")
    _handle(world, message)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/messages/{message.tracking_number}/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice")
    page.click("form button[type=submit]")
    page.wait_for_url(f"**/messages/{message.tracking_number}/")

    # Rated 1/2/1: the message is still answered, and the author is offered recourse.
    for name, value in (("solved", "1"), ("attitude", "2"), ("speed", "1")):
        page.check(f"#rate-{name}-{value}")
    page.click("form.evaluate button[type=submit]")
    page.wait_for_load_state()
    # The three scales of the rating sit on one line.
    tops = page.eval_on_selector_all(
        "dl.scores > div", "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    assert len(tops) == 3 and len(set(tops)) == 1, tops
    assert "对答复不满意？" in page.inner_text("main")
    page.fill("#id_reason", "答复说已经修好，但路灯到今天还是不亮")
    page.click("#rehandle-h ~ form button[type=submit]")
    page.wait_for_load_state()
    assert "已申请重办" in page.inner_text("main")
    assert "申请重办" in page.inner_text("ol.timeline")
    _shoot_page(page, "rehandling")
    context.close()
    message.refresh_from_db()
    assert message.status == "accepted" and message.reopen_count == 1


def test_pasting_a_published_message_shows_the_similar_hint(
    live_server: Any, browser: Browser
) -> None:
    from django.test.utils import override_settings

    world = build_world()
    # As in the demo or a backlog: no worker has run the intake analysis yet.
    with override_settings(TASKS={"default": {"BACKEND": NO_WORKER}}):
        published = world.submit(world.bob, title="东区幸福路路灯三个月不亮")
        actions.approve_message(actor=world.mona, message_id=published.pk)
    published.refresh_from_db()
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(f"{live_server.url}/write/?board={world.east_board.code}")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice")
    page.click("form button[type=submit]")
    page.wait_for_url("**/write/**")
    assert "已有类似留言" not in page.inner_text("#similar-hint")
    page.fill("#id_title", published.public_title)
    page.fill("#id_body", published.public_body)
    page.press("#id_body", "Tab")  # the hint asks when a field is left (a "change")
    hint = page.locator("#similar-hint")
    hint.get_by_text("已有类似留言").wait_for(timeout=10_000)
    link = hint.locator(f"a[href='/messages/{published.tracking_number}/']")
    assert link.inner_text().strip() == published.public_title
    page.close()
