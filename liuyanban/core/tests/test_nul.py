"""A NUL character in any request is a clear 400, never a 500 (PostgreSQL rejects it)."""

from __future__ import annotations

import pytest
from django.test import Client

from liuyanban.testing.images import png_bytes


@pytest.mark.django_db
def test_nul_in_query_form_or_json_is_refused_clearly(client: Client) -> None:
    api = client.get("/api/v1/messages", {"search": "物业\x00"})
    assert api.status_code == 400
    assert api.json()["code"] == "invalid_input" and "NUL" in api.json()["message"]
    posted = client.post(
        "/api/v1/messages", data='{"title": "a\\u0000b"}', content_type="application/json"
    )
    assert posted.status_code == 400
    page = client.get("/search/", {"q": "拆迁\x00"})
    assert page.status_code == 400 and "空字符" in page.content.decode()
    assert client.get("/search/", {"q": "拆迁"}).status_code == 200


@pytest.mark.django_db
def test_images_with_nul_bytes_still_upload(client: Client, world: object) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = png_bytes()
    client.force_login(world.alice)  # type: ignore[attr-defined]
    response = client.post(
        "/write/", {"title": "x\x00y", "images": SimpleUploadedFile("a.png", png)}
    )
    assert response.status_code == 400 and "空字符" in response.content.decode()
    ok = client.post("/write/", {"title": "短", "images": SimpleUploadedFile("a.png", png)})
    assert ok.status_code == 400 and "空字符" not in ok.content.decode()  # the form's own errors
