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


URL_ENCODED = "application/x-www-form-urlencoded"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        ("get", "/search/?q=%E6%8B%86%00x", None, None),
        ("get", "/search/?q%00=x", None, None),
        ("get", "/messages/LY%00/", None, None),
        ("get", "/api/v1/messages/LY%00", None, None),
        ("post", "/accounts/login/", "username=a%00b&password=x", URL_ENCODED),
        ("post", "/open311/v2/requests.json", "api_key=x&description=a%00b", URL_ENCODED),
        ("put", "/api/v1/messages/x", "title=a%00b", URL_ENCODED),
        ("post", "/api/v1/messages", '{"title": "a\\U0000b"}', "application/json"),
    ],
)
def test_url_encoded_nul_is_the_same_clear_400(
    client: Client, method: str, path: str, body: str | None, content_type: str | None
) -> None:
    kwargs = {"data": body, "content_type": content_type} if body is not None else {}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
    text = response.content.decode()
    assert "NUL" in text or "空字符" in text


@pytest.mark.django_db
def test_an_encoded_percent_sign_is_not_a_nul(client: Client) -> None:
    assert client.get("/search/?q=a%2500").status_code == 200
    response = client.post(
        "/accounts/login/", "username=a%2500&password=x", content_type=URL_ENCODED
    )
    assert response.status_code != 400 or "空字符" not in response.content.decode()
