"""Writing a message through HTTP: picker, validation, preview, drafts, idempotency, limits."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liuyanban.lifecycle.models import Message
from liuyanban.taxonomy.models import Domain, Kind
from liuyanban.testing.images import png_bytes
from liuyanban.testing.world import World

PNG = png_bytes()


def _html(response: Any) -> str:
    return response.content.decode()


def _form(world: World, **overrides: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "board": str(world.east_board.pk),
        "domain": str(Domain.objects.get(code="urban").pk),
        "kind": str(Kind.objects.get(code="complaint").pk),
        "title": "幸福路路灯长期不亮",
        "body": "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全。",
        "location": "东区幸福路",
        "nickname": "夜归人",
        "real_name": "张三",
        "phone": "13812345678",
        "address": "幸福路 1 号",
        "idempotency_key": "a" * 32,
    }
    data.update(overrides)
    return data


def test_write_form_preselects_board_from_board_page(client: Client, world: World) -> None:
    client.force_login(world.alice)
    html = _html(client.get(f"/write/?board={world.east_board.code}"))
    assert "东区区长" in html
    assert f'name="board" value="{world.east_board.pk}"' in html
    assert 'name="idempotency_key"' in html
    assert "不公开" in html


def test_region_picker_works_without_javascript(client: Client, world: World) -> None:
    client.force_login(world.alice)
    html = _html(client.get(f"/write/?province={world.province.code}"))
    assert '<select id="id_board" name="board"' in html
    assert "东区区长" in html and "西区区长" in html


def test_board_suggestions_by_name(client: Client, world: World) -> None:
    client.force_login(world.alice)
    part = _html(client.get("/write/boards/", {"q": "西区"}, HTTP_HX_REQUEST="true"))
    assert f"?board={world.west_board.code}" in part and "<html" not in part
    page = _html(client.get("/write/", {"q": "西区"}))
    assert f"?board={world.west_board.code}" in page


def test_validation_error_keeps_input_and_links_errors(client: Client, world: World) -> None:
    client.force_login(world.alice)
    response = client.post("/write/", _form(world, title="太短", body="我要反映一个路灯问题。"))
    assert response.status_code == 400
    html = _html(response)
    assert "标题至少需要 5 个字" in html
    assert 'aria-describedby="id_title_helptext id_title_error"' in html
    assert 'value="太短"' in html and "我要反映一个路灯问题。" in html
    assert 'value="13812345678"' in html  # private fields kept too
    assert Message.objects.count() == 0


def test_missing_board_error_is_shown(client: Client, world: World) -> None:
    client.force_login(world.alice)
    response = client.post("/write/", _form(world, board=""))
    assert response.status_code == 400
    assert "请选择留言对象" in _html(response)


def test_preview_renders_without_creating(client: Client, world: World) -> None:
    client.force_login(world.alice)
    response = client.post("/write/", {**_form(world), "preview": "1"})
    assert response.status_code == 200
    html = _html(response)
    assert "预览" in html and 'id="preview"' in html
    assert Message.objects.count() == 0


def test_session_draft_is_restored_and_cleared(client: Client, world: World) -> None:
    client.force_login(world.alice)
    client.post("/write/", {**_form(world, body="草稿：幸福路路灯三个月不亮了。"), "preview": "1"})
    html = _html(client.get("/write/"))
    assert "草稿：幸福路路灯三个月不亮了。" in html
    client.post("/write/", _form(world, body="草稿：幸福路路灯三个月不亮了。"))
    assert "草稿：" not in _html(client.get("/write/"))


def test_submit_shows_tracking_number_and_double_submit_creates_one(
    client: Client, world: World
) -> None:
    client.force_login(world.alice)
    first = client.post("/write/", _form(world), REMOTE_ADDR="10.1.2.3")
    second = client.post("/write/", _form(world), REMOTE_ADDR="10.1.2.3")
    assert first.status_code == 302 and first["Location"] == second["Location"]
    message = Message.objects.get()
    assert message.author == world.alice and message.submit_ip == "10.1.2.3"
    assert message.contact.phone == "13812345678"
    done = _html(client.get(first["Location"]))
    assert message.tracking_number in done and "留言已提交" in done


def test_images_are_attached_and_bad_files_rejected(client: Client, world: World) -> None:
    client.force_login(world.alice)
    bad = client.post(
        "/write/", {**_form(world), "images": [SimpleUploadedFile("x.png", b"not an image")]}
    )
    assert bad.status_code == 400 and "不是 JPEG" in _html(bad)
    ok = client.post(
        "/write/",
        {**_form(world, idempotency_key="b" * 32), "images": [SimpleUploadedFile("a.png", PNG)]},
    )
    assert ok.status_code == 302
    assert Message.objects.get().attachments.count() == 1


def test_rate_limit_is_a_clear_message_and_keeps_input(
    client: Client, world: World, settings: Any
) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "MESSAGES_PER_AUTHOR_PER_DAY": 1}
    client.force_login(world.alice)
    client.post("/write/", _form(world))
    response = client.post(
        "/write/", _form(world, idempotency_key="c" * 32, title="第二条留言标题")
    )
    assert response.status_code == 429
    html = _html(response)
    assert "您今天提交的留言已达上限" in html and 'value="第二条留言标题"' in html


def test_done_page_of_someone_else_is_404(client: Client, world: World) -> None:
    message = world.submit(world.alice)
    client.force_login(world.bob)
    assert client.get(f"/write/done/{message.tracking_number}/").status_code == 404


def test_similar_published_messages_are_shown_while_writing(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from liuyanban.lifecycle import actions

    with django_capture_on_commit_callbacks(execute=True):
        existing = world.submit(author=world.bob)  # stored signature via intake analysis
    actions.approve_message(actor=world.mona, message_id=existing.pk)
    client.force_login(world.alice)
    html = _html(client.post("/write/", {**_form(world), "preview": "1"}))
    assert "已有类似留言" in html and existing.tracking_number in html
    live = _html(
        client.post(
            "/write/similar/",
            {
                "title": "幸福路路灯长期不亮",
                "body": "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全。",
            },
            HTTP_HX_REQUEST="true",
        )
    )
    assert existing.public_title in live
    unrelated = _html(
        client.post(
            "/write/similar/",
            {"title": "咨询入学政策", "body": "请问实验小学今年入学需要准备哪些材料？"},
        )
    )
    assert "已有类似留言" not in unrelated


def test_a_decompression_bomb_is_a_400_with_the_reason(client: Client, world: World) -> None:
    from liuyanban.testing.images import bomb_png

    client.force_login(world.alice)
    response = client.post(
        "/write/", {**_form(world), "images": [SimpleUploadedFile("bomb.png", bomb_png())]}
    )
    assert response.status_code == 400
    assert "像素过多" in _html(response)
    assert not Message.objects.exists()


def test_preview_keeps_the_chosen_image_until_submission(client: Client, world: World) -> None:
    from liuyanban.lifecycle.models import DraftImage
    from liuyanban.testing.images import jpeg_with_gps

    client.force_login(world.alice)
    shown = client.post(
        "/write/",
        {**_form(world), "preview": "1", "images": [SimpleUploadedFile("p.jpg", jpeg_with_gps())]},
    )
    assert shown.status_code == 200
    (kept,) = DraftImage.objects.all()
    page = _html(shown)
    # The preview shows the image, and the form carries it on (ticked) without re-choosing.
    assert page.count(f"/write/images/{kept.token}/") == 2
    assert f'name="kept_images" value="{kept.token}" checked' in page
    thumb = client.get(f"/write/images/{kept.token}/")
    assert thumb.status_code == 200 and b"Exif" not in thumb.content
    # Nobody else can load it.
    other = Client()
    other.force_login(world.bob)
    assert other.get(f"/write/images/{kept.token}/").status_code == 404
    # Leaving and coming back keeps it too (the session's draft).
    assert f"/write/images/{kept.token}/" in _html(client.get("/write/"))
    done = client.post("/write/", {**_form(world), "submit": "1", "kept_images": [kept.token]})
    assert done.status_code == 302
    image = Message.objects.get().attachments.get()
    assert image.state == "pending" and image.content_type == "image/jpeg"


def test_an_unticked_kept_image_is_not_sent(client: Client, world: World) -> None:
    client.force_login(world.alice)
    client.post(
        "/write/",
        {**_form(world), "preview": "1", "images": [SimpleUploadedFile("a.png", PNG)]},
    )
    done = client.post("/write/", {**_form(world), "submit": "1"})
    assert done.status_code == 302
    assert not Message.objects.get().attachments.exists()


def test_someone_elses_token_is_ignored(client: Client, world: World) -> None:
    from liuyanban.lifecycle.attachments import Upload
    from liuyanban.lifecycle.drafts import keep_draft_images

    (theirs,) = keep_draft_images(owner=world.bob, uploads=[Upload("a.png", PNG)])
    client.force_login(world.alice)
    done = client.post("/write/", {**_form(world), "submit": "1", "kept_images": [theirs.token]})
    assert done.status_code == 302
    assert not Message.objects.get().attachments.exists()


def test_stale_kept_images_are_purged(world: World) -> None:
    from datetime import timedelta

    from liuyanban.lifecycle.attachments import Upload
    from liuyanban.lifecycle.drafts import keep_draft_images, purge_draft_images
    from liuyanban.lifecycle.models import DraftImage

    (old,) = keep_draft_images(owner=world.alice, uploads=[Upload("a.png", PNG)])
    keep_draft_images(owner=world.alice, uploads=[Upload("b.png", PNG)])
    DraftImage.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(days=2))
    assert purge_draft_images() == 1
    assert purge_draft_images() == 0
    assert DraftImage.objects.count() == 1
    assert not old.file.storage.exists(old.file.name)


def test_pasting_a_published_message_shows_it_everywhere_the_same(
    client: Client, world: World
) -> None:
    """One index, one selector: write hint, preview, moderation page and public page agree,
    even when the published message's intake analysis has not run (demo, queue backlog)."""
    from liuyanban.lifecycle import actions

    published = world.submit(author=world.bob)  # no on-commit callbacks: no intake analysis
    actions.approve_message(actor=world.mona, message_id=published.pk)
    published.refresh_from_db()
    pasted = {"title": published.public_title, "body": published.public_body}

    client.force_login(world.alice)
    hint = _html(client.post("/write/similar/", pasted, HTTP_HX_REQUEST="true"))
    assert "已有类似留言" in hint and published.tracking_number in hint
    preview = _html(client.post("/write/", {**_form(world, **pasted), "preview": "1"}))
    assert "已有类似留言" in preview and published.tracking_number in preview

    again = world.submit(author=world.alice, title=published.title, body=published.body)
    client.force_login(world.mona)
    moderation = _html(client.get(f"/work/messages/{again.tracking_number}/"))
    assert "未发现相似的已公开留言" not in moderation
    assert published.tracking_number in moderation

    actions.approve_message(actor=world.mona, message_id=again.pk)
    client.logout()
    # The public page loads its similar messages once scrolled to (htmx), from here:
    fragment = f"/messages/{again.tracking_number}/similar/"
    public = _html(client.get(f"/messages/{again.tracking_number}/"))
    assert f'hx-get="{fragment}"' in public and f'href="{fragment}"' in public
    similar = _html(client.get(fragment, HTTP_HX_REQUEST="true"))
    assert "相似留言" in similar and published.tracking_number in similar
    assert "<html" not in similar  # a fragment; without JavaScript the link opens a page
    page = _html(client.get(fragment))
    assert "<html" in page and published.tracking_number in page
    # A message with nothing like it lists nothing as "similar" (no same-board stand-in).
    other = world.submit(
        author=world.bob,
        title="咨询实验小学入学政策",
        body="请问实验小学今年一年级入学需要准备哪些材料，何时报名？",
    )
    actions.approve_message(actor=world.mona, message_id=other.pk)
    nothing = f"/messages/{other.tracking_number}/similar/"
    assert _html(client.get(nothing, HTTP_HX_REQUEST="true")).strip() == ""
    assert "暂无相似的已公开留言" in _html(client.get(nothing))


def test_index_duplicates_fills_public_messages_without_signatures(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    from liuyanban.intelligence.models import MessageSignature
    from liuyanban.intelligence.selectors import similar_published
    from liuyanban.lifecycle import actions

    published = world.submit(author=world.bob)
    actions.approve_message(actor=world.mona, message_id=published.pk)
    MessageSignature.objects.all().delete()  # e.g. rows imported before the index existed
    text = f"{published.title} {published.body}"
    assert similar_published(text=text) == []
    out = StringIO()
    call_command("index_duplicates", "--batch", "1", stdout=out)
    assert "已完成 1 / 1" in out.getvalue()
    assert [s.message.pk for s in similar_published(text=text)] == [published.pk]
