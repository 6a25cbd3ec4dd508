"""Every REST API error is the JSON error object with its documented status (docs/api.md).

Seen before (issue 12): an anonymous write with CSRF enforced got 403 instead of 401;
an oversized body got Django's HTML 400; unknown routes got the site's HTML 404;
a wrong method got a plain-text 405; a form body sent to a JSON endpoint was a 500.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from liuyanban.api.models import ApiToken
from liuyanban.api.rest import directory

MESSAGE = {
    "board": "990101-head",
    "domain": "urban",
    "kind": "complaint",
    "title": "东区幸福路路灯长期不亮",
    "body": "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全。",
}


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code and body["message"]
    return body


@pytest.mark.parametrize("data", [MESSAGE, None])
def test_an_anonymous_write_is_401_even_with_csrf_enforced(world: Any, data: Any) -> None:
    # Production enforces CSRF; the old code checked it before noticing there were no credentials.
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/messages", data, content_type="application/json")
    body = _error(response, 401, "not_authenticated")
    assert body["message"] == "请先登录"
    _error(
        client.post("/api/v1/messages/LY1/approve", {}, "application/json"),
        401,
        "not_authenticated",
    )


def test_a_session_write_without_the_csrf_token_is_403(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post("/api/v1/messages", MESSAGE, content_type="application/json")
    _error(response, 403, "forbidden")


def test_a_bad_token_is_401(world: Any) -> None:
    response = Client().get("/api/v1/kinds", headers={"Authorization": "Bearer nope"})
    _error(response, 401, "not_authenticated")


def test_an_oversized_body_is_413(world: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    _, secret = ApiToken.issue(user=world.alice, name="t")
    response = Client().post(
        "/api/v1/messages",
        '{"title": "' + "x" * (1024 * 1024 + 10) + '"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    body = _error(response, 413, "too_large")
    assert "1 MB" in body["message"]
    # Anonymous too: the size is refused before anything else is looked at.
    _error(
        Client().post("/api/v1/messages", "x" * (1024 * 1024 + 10), "application/json"),
        413,
        "too_large",
    )


def test_an_oversized_body_on_a_web_page_is_413_in_plain_words(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client().post("/accounts/login/", "x" * 2048, content_type="text/plain")
    assert response.status_code == 413
    assert "请求内容过大" in response.content.decode()


def test_malformed_json_and_non_json_bodies_are_400(world: Any) -> None:
    client = Client()
    client.force_login(world.alice)
    body = _error(
        client.post("/api/v1/messages", "{not json", content_type="application/json"),
        400,
        "invalid_input",
    )
    assert "JSON" in body["message"]
    # A multipart form sent to a JSON endpoint (was a 500).
    _error(client.post("/api/v1/messages", {"title": "x"}), 400, "invalid_input")
    _error(
        client.post(
            "/api/v1/messages", "title=x", content_type="application/x-www-form-urlencoded"
        ),
        400,
        "invalid_input",
    )


def test_schema_errors_name_the_fields(world: Any) -> None:
    client = Client()
    client.force_login(world.alice)
    body = _error(
        client.post("/api/v1/messages", {"board": 3}, content_type="application/json"),
        400,
        "invalid_input",
    )
    assert "title" in body["fields"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/messages/LY1/nope", "/api/nope"])
def test_an_unknown_route_is_404(db: None, path: str) -> None:
    body = _error(Client().get(path), 404, "not_found")
    assert body["message"] == "接口地址不存在"


def test_a_missing_message_is_404_like_one_not_yours(world: Any) -> None:
    _error(Client().get("/api/v1/messages/LY000000"), 404, "not_found")


def test_a_wrong_method_is_405_with_allow(db: None) -> None:
    response = Client().delete("/api/v1/kinds")
    _error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_the_rate_limit_is_429_with_retry_after(world: Any, settings: Any) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "API_RATE": "1/m"}
    client = Client()
    assert client.get("/api/v1/kinds").status_code == 200
    response = client.get("/api/v1/kinds")
    _error(response, 429, "rate_limited")
    assert 0 < int(response["Retry-After"]) <= 60


def test_a_bug_is_a_json_500_without_details(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(directory.Kind.objects, "all", broken)
    response = Client(raise_request_exception=False).get("/api/v1/kinds")
    body = _error(response, 500, "server_error")
    assert "secret" not in response.content.decode()
    assert body["message"] == "服务器内部错误，请稍后重试"


def test_web_pages_keep_their_html_errors(db: None) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_errors_django_answers_speak_the_callers_language(db: None, settings: Any) -> None:
    """Refused before the locale middleware runs: the language comes from the switch's cookie."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert english.get("/api/v1/nope").json()["message"] == "No such API endpoint"
    big = english.post("/api/v1/messages", "x" * 2048, content_type="application/json")
    assert big.status_code == 413 and big.json()["message"].startswith("The request body")
    # ...and Chinese for everyone else, whatever language the thread served last.
    assert Client().get("/api/v1/nope").json()["message"] == "接口地址不存在"
    assert (
        "请求内容过大"
        in Client().post("/accounts/login/", "x" * 2048, "text/plain").content.decode()
    )
