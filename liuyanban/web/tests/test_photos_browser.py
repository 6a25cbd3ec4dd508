"""A photo in the browser: chosen once, kept across the preview, moderated, published without EXIF."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, FilePayload, Page, sync_playwright

from liuyanban.lifecycle.models import AttachmentState, Message
from liuyanban.testing.images import GPS_IFD, jpeg_with_gps
from liuyanban.testing.world import build_world

SHOTS = Path(__file__).resolve().parents[3] / "tests" / "artifacts" / "screenshots"
# Root cannot run Chromium's sandbox (docs/reports-pdf.md); the tests run as root in CI.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser() -> Iterator[Browser]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def _login(page: Page, base: str, name: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", name)
    page.fill("#id_password", f"pw-{name}")
    page.click("form button[type=submit]")
    page.wait_for_url(f"**{next_url.split('?')[0]}**")


def _loaded(page: Page, selector: str) -> int:
    """How many images under ``selector`` actually loaded (decoded with a width)."""
    page.wait_for_load_state("networkidle")
    return int(
        page.eval_on_selector_all(
            selector, "els => els.filter(e => e.complete && e.naturalWidth > 0).length"
        )
    )


def test_photo_survives_preview_is_moderated_and_published_clean(
    live_server: Any, browser: Browser
) -> None:
    world = build_world()
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)

    # The citizen chooses a phone photo (with GPS) and previews.
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    _login(page, base, "alice", f"/write/?board={world.east_board.code}")
    page.select_option("#id_domain", label="城建")
    page.select_option("#id_kind", label="投诉")
    page.fill("#id_title", "幸福路井盖破损")
    page.fill("#id_body", "幸福路三号门口的井盖破损下陷，行人和电动车经过很危险，请尽快更换。")
    photo: FilePayload = {
        "name": "IMG_0001.jpg",
        "mimeType": "image/jpeg",
        "buffer": jpeg_with_gps(),
    }
    page.set_input_files("#id_images", files=[photo])
    page.click("button[name=preview]")
    page.wait_for_selector("#preview")
    # The thumbnail is still there after the preview, in the preview and in the form.
    assert _loaded(page, "#preview img") == 1
    assert _loaded(page, ".kept-images img") == 1
    assert page.is_checked(".kept-images input[name=kept_images]")
    page.screenshot(path=str(SHOTS / "write-preview-image.png"), full_page=True)
    # Submitting does not ask for the file again.
    page.click("button[name=submit]")
    page.wait_for_url("**/write/done/**")
    tracking = page.inner_text(".tracking strong").strip()
    message = Message.objects.get(tracking_number=tracking)
    assert message.attachments.get().state == AttachmentState.PENDING
    page.close()

    # Not public before moderation, not even by its address.
    stranger = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    image_id = message.attachments.get().pk
    assert stranger.request.get(f"{base}/images/{image_id}/").status == 404

    # The moderator sees the image beside the text, ticked to publish, and approves.
    mod = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    _login(mod, base, "mona", f"/work/messages/{tracking}/")
    assert _loaded(mod, ".staff-images img") == 1
    assert _loaded(mod, ".image-choices img") == 1
    assert mod.is_checked(f"input[name=publish_images][value='{image_id}']")
    mod.screenshot(path=str(SHOTS / "staff-moderation-image.png"), full_page=True)
    mod.click("#panel-approve button[type=submit]")
    mod.wait_for_load_state("networkidle")
    assert message.attachments.get().state == AttachmentState.PUBLISHED

    # The public page shows it; the file carries no EXIF and no GPS.
    stranger.goto(f"{base}/messages/{tracking}/")
    assert _loaded(stranger, ".images img") == 1
    served = stranger.request.get(f"{base}/images/{image_id}/")
    assert served.status == 200
    image = Image.open(io.BytesIO(served.body()))
    assert len(image.getexif()) == 0 and not image.getexif().get_ifd(GPS_IFD)
    assert image.size == (20, 40)  # the phone's orientation applied


def test_pdf_page_says_being_prepared_then_offers_the_download(
    live_server: Any, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liuyanban.analytics import pdf_printing
    from liuyanban.analytics.models import ReportPdf
    from liuyanban.core import jobs

    build_world()
    # No worker in this test: the job waits until the test prints it, as a worker would.
    monkeypatch.setattr(jobs, "record", lambda task, *args: None)
    monkeypatch.setattr(pdf_printing, "html_to_pdf", lambda html, timeout=60: b"%PDF-1.4 test")
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(f"{live_server.url}/stats/report/pdf/?year=2026")
    assert "报告正在生成" in page.inner_text("#pdf-status")
    assert "悬停" not in page.content() and "鼠标" not in page.content()
    page.screenshot(path=str(SHOTS / "pdf-being-prepared-phone.png"), full_page=True)
    job = ReportPdf.objects.get()
    assert pdf_printing.render(job.pk, wait=5) == "ready"
    # The page polls (htmx, no inline script) and offers the file without a reload.
    page.wait_for_selector("#pdf-status a[download]", timeout=10_000)
    with page.expect_download() as download:
        page.click("#pdf-status a[download]")
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
