"""Uploaded images are re-encoded without metadata, bounded, and moderated one by one."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.utils import translation
from PIL import Image

from liuyanban.core.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted
from liuyanban.lifecycle import actions, selectors
from liuyanban.lifecycle.attachments import Upload, check_uploads
from liuyanban.lifecycle.models import Attachment, AttachmentState, Event, Status
from liuyanban.testing.images import GPS_IFD, bomb_png, jpeg_with_gps, png_bytes
from liuyanban.testing.world import World


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    # The messages are checked in Chinese, whatever an earlier test left activated.
    with translation.override("zh-hans"):
        yield


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- re-encoding -----------------------------------------------------------------


def test_gps_and_camera_data_never_reach_storage(world: World) -> None:
    original = _open(jpeg_with_gps())
    assert original.getexif().get_ifd(GPS_IFD)  # the fixture really carries a position
    message = world.submit(attachments=[Upload("phone.jpg", jpeg_with_gps())])
    stored = message.attachments.get()
    with stored.file.open("rb") as handle:
        data = handle.read()
    image = _open(data)
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in data and b"PhoneMaker" not in data and b"secret comment" not in data
    assert "exif" not in image.info and "comment" not in image.info and "xmp" not in image.info


def test_exif_orientation_is_applied_to_the_pixels() -> None:
    # Stored 40×20 (red left, blue right) with "rotate 90° clockwise": shown 20×40, red on top.
    (checked,) = check_uploads([Upload("phone.jpg", jpeg_with_gps(orientation=6))])
    image = _open(checked.data).convert("RGB")
    assert image.size == (20, 40) and (checked.width, checked.height) == (20, 40)
    top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60  # red
    assert bottom[2] > 200 and bottom[0] < 60  # blue


def test_decompression_bomb_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InvalidInput) as exc:
        check_uploads([Upload("bomb.png", bomb_png())])
    assert "像素过多" in exc.value.fields["attachments"][0]


def test_pillow_bomb_error_beyond_its_own_limit_is_refused_too(settings: object) -> None:
    # Even with our own pixel limit raised, Pillow's hard limit becomes the same clear error.
    settings.LIUYANBAN = {**settings.LIUYANBAN, "IMAGE_MAX_PIXELS": 10**12}  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput) as exc:
        check_uploads([Upload("bomb.png", bomb_png(30_000, 30_000))])
    assert "像素过多" in exc.value.fields["attachments"][0]


@pytest.mark.parametrize(
    "data",
    [
        b"<script>alert(1)</script>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG signature and nothing behind it
        png_bytes()[:40],  # truncated
        b"%PDF-1.4 not an image",
    ],
)
def test_non_images_and_broken_images_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput) as exc:
        check_uploads([Upload("x.png", data)])
    assert "不是 JPEG、PNG、GIF 或 WebP 图片" in exc.value.fields["attachments"][0]


def test_size_and_side_are_bounded(settings: object) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "IMAGE_MAX_SIDE": 16, "IMAGE_MAX_BYTES": 10_000}  # type: ignore[attr-defined]
    (checked,) = check_uploads([Upload("a.png", png_bytes(64, 32))])
    assert (checked.width, checked.height) == (16, 8)
    with pytest.raises(InvalidInput) as exc:
        check_uploads([Upload("big.png", b"\x89PNG" + b"\x00" * 20_000)])
    assert "超过" in exc.value.fields["attachments"][0]


def test_gif_keeps_its_first_frame_as_png() -> None:
    out = io.BytesIO()
    frames = [Image.new("P", (10, 10), i) for i in range(3)]
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    (checked,) = check_uploads([Upload("a.gif", out.getvalue())])
    assert checked.content_type == "image/png" and _open(checked.data).format == "PNG"


# --- moderation, image by image ------------------------------------------------------


def _with_images(world: World, n: int = 2) -> int:
    uploads = [Upload(f"{i}.png", png_bytes(8 + i, 6)) for i in range(n)]
    return world.submit(attachments=uploads).pk


def test_images_wait_for_a_moderator_and_are_decided_one_by_one(world: World) -> None:
    pk = _with_images(world)
    first, second = Attachment.objects.filter(message_id=pk).order_by("pk")
    assert {first.state, second.state} == {AttachmentState.PENDING}
    actions.approve_message(
        actor=world.mona,
        message_id=pk,
        images={first.pk: "published", second.pk: "withheld"},
    )
    message = selectors.get_message_for_user(world.bob, pk=pk)
    assert [a.pk for a in selectors.published_images(message)] == [first.pk]
    assert [a.pk for a in selectors.images_for(world.bob, message)] == [first.pk]
    # The author and the message's staff still see the withheld one.
    assert len(selectors.images_for(world.alice, message)) == 2
    assert len(selectors.images_for(world.olga, message)) == 2
    event = Event.objects.get(message_id=pk, action="approve")
    assert event.details["images_published"] == [first.pk]
    assert event.details["images_withheld"] == [second.pk]


def test_bulk_approval_leaves_images_pending_and_queued(world: World) -> None:
    pk = _with_images(world, 1)
    actions.approve_message(actor=world.mona, message_id=pk)
    message = selectors.get_message_for_user(world.bob, pk=pk)
    assert not selectors.published_images(message).exists()
    assert list(selectors.image_review_queue(world.mona)) == [message]
    assert not selectors.image_review_queue(world.olga).exists()  # clerks do not moderate
    (image,) = Attachment.objects.filter(message_id=pk)
    actions.moderate_images(actor=world.mona, message_id=pk, decisions={image.pk: "published"})
    assert selectors.published_images(message).count() == 1
    assert not selectors.image_review_queue(world.mona).exists()
    event = Event.objects.filter(message_id=pk).latest("pk")
    assert (event.action, event.is_public, event.details) == (
        "moderate_images",
        False,
        {"images_published": [image.pk]},
    )


def test_a_published_image_can_be_withheld_later(world: World) -> None:
    pk = _with_images(world, 1)
    (image,) = Attachment.objects.filter(message_id=pk)
    actions.approve_message(actor=world.mona, message_id=pk, images={image.pk: "published"})
    actions.moderate_images(actor=world.mona, message_id=pk, decisions={image.pk: "withheld"})
    with pytest.raises(NotFound):
        selectors.get_attachment_for_user(world.bob, image.pk)
    assert selectors.get_attachment_for_user(world.olga, image.pk) == image


def test_image_decisions_are_checked(world: World) -> None:
    pk = _with_images(world, 1)
    other = _with_images(world, 1)
    foreign = Attachment.objects.get(message_id=other)
    (image,) = Attachment.objects.filter(message_id=pk)
    with pytest.raises(InvalidInput):
        actions.moderate_images(
            actor=world.mona, message_id=pk, decisions={foreign.pk: "published"}
        )
    with pytest.raises(InvalidInput):
        actions.moderate_images(actor=world.mona, message_id=pk, decisions={image.pk: "maybe"})
    with pytest.raises(InvalidInput):
        actions.moderate_images(actor=world.mona, message_id=pk, decisions={})
    with pytest.raises(NotPermitted):
        actions.moderate_images(actor=world.olga, message_id=pk, decisions={image.pk: "published"})
    assert Attachment.objects.get(pk=foreign.pk).state == AttachmentState.PENDING
    assert not Event.objects.filter(action="moderate_images").exists()


def test_rejection_withholds_the_images(world: World) -> None:
    pk = _with_images(world, 1)
    actions.reject_message(actor=world.mona, message_id=pk, reason="与职责无关")
    assert Attachment.objects.get(message_id=pk).state == AttachmentState.WITHHELD
    with pytest.raises(InvalidTransition):
        actions.approve_message(actor=world.mona, message_id=pk)
    assert Attachment.objects.get(message_id=pk).message.status == Status.REJECTED


def test_nobody_outside_sees_a_pending_image(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    pk = _with_images(world, 1)
    (image,) = Attachment.objects.filter(message_id=pk)
    for user in (AnonymousUser(), world.bob):
        with pytest.raises(NotFound):
            selectors.get_attachment_for_user(user, image.pk)
    assert selectors.get_attachment_for_user(world.mona, image.pk) == image
    assert selectors.get_attachment_for_user(world.alice, image.pk) == image
