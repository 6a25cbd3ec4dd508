"""Images through the pages, the REST API and Open311: nothing public until a moderator says so."""

from __future__ import annotations

import io
from typing import Any

from django.core.cache import cache
from django.test import Client
from PIL import Image

from liuyanban.lifecycle import actions
from liuyanban.lifecycle.attachments import Upload
from liuyanban.lifecycle.models import Attachment, AttachmentState, Message
from liuyanban.testing.images import GPS_IFD, jpeg_with_gps, png_bytes
from liuyanban.testing.world import World


def _submitted(world: World) -> tuple[Message, Attachment, Attachment]:
    m = world.submit(attachments=[Upload("a.jpg", jpeg_with_gps()), Upload("b.png", png_bytes())])
    first, second = m.attachments.order_by("pk")
    return m, first, second


def test_moderator_sees_each_image_and_decides_each(client: Client, world: World) -> None:
    m, first, second = _submitted(world)
    client.force_login(world.mona)
    page = client.get(f"/work/messages/{m.tracking_number}/").content.decode()
    # Each image beside the text, with a "publish" box ticked by default in the approval panel.
    for image in (first, second):
        assert f'src="/images/{image.pk}/"' in page
        assert f'name="publish_images" value="{image.pk}"' in page
    assert page.count("checked") >= 2
    # The moderator unticks the second image and approves.
    response = client.post(
        f"/work/messages/{m.tracking_number}/approve/",
        {
            "public_title": m.public_title,
            "public_body": m.public_body,
            "publish_images": [str(first.pk)],
            "images_shown": f"{first.pk},{second.pk}",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (AttachmentState.PUBLISHED, AttachmentState.WITHHELD)
    public = Client().get(f"/messages/{m.tracking_number}/").content.decode()
    assert f"/images/{first.pk}/" in public and f"/images/{second.pk}/" not in public


def test_the_image_view_checks_the_state(client: Client, world: World) -> None:
    m, first, second = _submitted(world)
    anonymous = Client()
    assert anonymous.get(f"/images/{first.pk}/").status_code == 404
    client.force_login(world.mona)
    served = client.get(f"/images/{first.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"
    actions.approve_message(actor=world.mona, message_id=m.pk, images={first.pk: "published"})
    public = anonymous.get(f"/images/{first.pk}/")
    assert public.status_code == 200 and "public" in public["Cache-Control"]
    # What the public downloads carries no EXIF, no GPS.
    image = Image.open(io.BytesIO(public.content))
    assert len(image.getexif()) == 0 and not image.getexif().get_ifd(GPS_IFD)
    assert anonymous.get(f"/images/{second.pk}/").status_code == 404  # still pending
    assert anonymous.get("/images/999999/").status_code == 404


def test_images_left_pending_by_bulk_approval_are_queued(client: Client, world: World) -> None:
    m, first, second = _submitted(world)
    client.force_login(world.mona)
    queue = client.get("/work/moderation/").content.decode()
    assert "2 张图片" in queue
    client.post("/work/moderation/approve/", {"ids": [str(m.pk)]})
    m.refresh_from_db()
    assert m.status == "published"
    queue = client.get("/work/moderation/").content.decode()
    assert "图片待审核" in queue and m.tracking_number in queue
    page = client.get(f"/work/messages/{m.tracking_number}/").content.decode()
    assert 'id="panel-moderate_images"' in page
    response = client.post(
        f"/work/messages/{m.tracking_number}/moderate_images/",
        {f"image_{first.pk}": "published", f"image_{second.pk}": "withheld"},
    )
    assert response.status_code == 302
    assert list(Attachment.objects.order_by("pk").values_list("state", flat=True)) == [
        "published",
        "withheld",
    ]
    assert m.tracking_number not in client.get("/work/moderation/").content.decode()


def test_rest_api_and_open311_show_published_images_only(world: World, client: Client) -> None:
    from liuyanban.api.models import ApiToken

    cache.clear()
    m, first, second = _submitted(world)
    actions.approve_message(
        actor=world.mona, message_id=m.pk, images={first.pk: "published", second.pk: "withheld"}
    )
    public = client.get(f"/api/v1/messages/{m.tracking_number}").json()
    assert [i["id"] for i in public["images"]] == [first.pk]
    assert public["images"][0]["url"] == f"/images/{first.pk}/"
    _, secret = ApiToken.issue(user=world.mona, name="t")
    staff = client.get(
        f"/api/v1/messages/{m.tracking_number}", headers={"Authorization": f"Bearer {secret}"}
    ).json()
    assert [(i["id"], i["state"]) for i in staff["images"]] == [
        (first.pk, "published"),
        (second.pk, "withheld"),
    ]
    detail: Any = client.get(f"/open311/v2/requests/{m.tracking_number}.json").json()
    assert detail[0]["media_url"] == f"http://testserver/images/{first.pk}/"
    listing: Any = client.get("/open311/v2/requests.json").json()
    assert [r["media_url"] for r in listing] == [f"http://testserver/images/{first.pk}/"]


def test_rest_api_moderates_images(world: World, client: Client) -> None:
    from liuyanban.api.models import ApiToken

    cache.clear()
    m, first, second = _submitted(world)
    _, secret = ApiToken.issue(user=world.mona, name="t")
    auth = {"Authorization": f"Bearer {secret}"}
    approved = client.post(
        f"/api/v1/messages/{m.tracking_number}/approve",
        {"images": {str(first.pk): "withheld"}},
        content_type="application/json",
        headers=auth,
    )
    assert approved.status_code == 200, approved.content
    states = dict(Attachment.objects.values_list("pk", "state"))
    assert states == {first.pk: "withheld", second.pk: "pending"}
    done = client.post(
        f"/api/v1/messages/{m.tracking_number}/moderate-images",
        {"images": {str(second.pk): "published"}},
        content_type="application/json",
        headers=auth,
    )
    assert done.status_code == 200 and done.json()["action"] == "moderate_images"
    bad = client.post(
        f"/api/v1/messages/{m.tracking_number}/moderate-images",
        {"images": {str(second.pk): "maybe"}},
        content_type="application/json",
        headers=auth,
    )
    assert bad.status_code in (400, 422)
    assert Attachment.objects.get(pk=second.pk).state == "published"
