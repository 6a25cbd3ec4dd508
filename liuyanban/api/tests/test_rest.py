"""REST API through HTTP: the permission matrix, a full loop, auth, errors, lists."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liuyanban.api.models import ApiToken
from liuyanban.testing.images import png_bytes

TODAY = timezone.localdate()
REPLY = "经核实，幸福路路灯线路老化，已于本周更换线路并恢复照明。"

# (endpoint, message status, body, {persona: expected status}); None is anonymous.
MATRIX: list[tuple[str, str, dict[str, Any], dict[str | None, int]]] = [
    (
        "approve",
        "submitted",
        {},
        # ann (provincial analyst) sees every message of the province but acts on none.
        {"mona": 200, "olga": 403, "wanda": 404, "alice": 403, "bob": 404, "ann": 403, None: 401},
    ),
    ("reject", "submitted", {"reason": "内容与职责无关"}, {"mona": 200, "oscar": 404}),
    ("accept", "published", {}, {"olga": 200, "oscar": 403, "alice": 403, "ann": 403, None: 401}),
    ("accept", "replied", {}, {"olga": 409}),
    ("sign", "published", {}, {"uma": 409}),
    ("sign", "assigned", {}, {"uma": 200, "ulf": 403, "olga": 403}),
    ("return", "assigned", {"reason": "不属于本单位职责"}, {"uma": 200, "wanda": 403}),
    (
        "reply-final",
        "in_handling",
        {"body": REPLY, "resolution": "solved"},
        {"uma": 200, "wanda": 403},
    ),
    ("reply-interim", "in_handling", {"body": REPLY}, {"uma": 200, "bob": 403, "ann": 403}),
    ("approve-reply", "reviewing", {}, {"olga": 200, "uma": 403}),
    ("send-back-reply", "reviewing", {"comment": "请补充时间"}, {"olga": 200, "oscar": 403}),
    ("close", "replied", {}, {"olga": 200, "alice": 403}),
    (
        "supervise",
        "accepted",
        {
            "level": "supervise",
            "note": "请加快办理",
            "response_due": str(TODAY + timedelta(days=3)),
        },
        {"sam": 200, "olga": 403},
    ),
    ("instruct", "accepted", {"text": "请认真办理"}, {"leo": 200, "alice": 403}),
    ("support", "published", {}, {"bob": 200}),
    (
        "request-extension",
        "in_handling",
        {"reason": "需要协调多个部门", "working_days": 5},
        {"uma": 200, "olga": 403},
    ),
    (
        "follow-up",
        "replied",
        {"channel": "phone", "date": str(TODAY), "summary": "群众满意", "satisfied": True},
        {"olga": 200, "uma": 403},
    ),
    ("transfer", "accepted", {"to": "990102-zf"}, {"olga": 200, "sam": 403}),
    ("assign", "accepted", {"lead": "990101-zf-zhujian"}, {"olga": 200, "uma": 403}),
]
CASES = [
    pytest.param(endpoint, status, body, persona, code, id=f"{endpoint}-{status}-{persona}")
    for endpoint, status, body, expected in MATRIX
    for persona, code in expected.items()
]


@pytest.mark.parametrize(("endpoint", "status", "body", "persona", "code"), CASES)
def test_permission_matrix(
    world: Any,
    as_: Any,
    endpoint: str,
    status: str,
    body: dict[str, Any],
    persona: str | None,
    code: int,
) -> None:
    message = world.message_in(status, review=status == "reviewing")
    response = as_(persona).post(f"/messages/{message.tracking_number}/{endpoint}", body)
    assert response.status_code == code, response.content
    data = response.json()
    if code == 200:
        assert data["action"] == endpoint.replace("-", "_")
    else:
        assert set(data) == {"code", "message", "fields"}


def test_full_loop_with_available_actions(world: Any, as_: Any) -> None:
    alice, mona, olga, uma = as_("alice"), as_("mona"), as_("olga"), as_("uma")
    png = base64.b64encode(png_bytes()).decode()
    created = alice.post(
        "/messages",
        {
            "board": "990101-head",
            "domain": "urban",
            "kind": "complaint",
            "title": "东区幸福路路灯长期不亮",
            "body": "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全。",
            "contact": {"real_name": "张三", "phone": "13812345678"},
            "attachments": [{"name": "a.png", "data_base64": png}],
        },
    )
    assert created.status_code == 201, created.content
    tn = created.json()["tracking_number"]
    assert created.json()["status"] == "submitted"
    assert "13812345678" not in created.content.decode()
    assert as_(None).get(f"/messages/{tn}").status_code == 404  # not public yet
    assert "approve" in mona.get(f"/messages/{tn}").json()["available_actions"]
    assert mona.post(f"/messages/{tn}/approve", {}).json()["status"] == "published"
    assert olga.post(f"/messages/{tn}/accept").json()["status"] == "accepted"
    assert olga.post(f"/messages/{tn}/assign", {"lead": "990101-zf-zhujian"}).status_code == 200
    assert uma.get(f"/messages/{tn}").json()["available_actions"][:2] == ["sign", "return"]
    uma.post(f"/messages/{tn}/sign")
    done = uma.post(f"/messages/{tn}/reply-final", {"body": REPLY, "resolution": "solved"})
    assert done.json()["status"] == "replied"
    mine = alice.get("/messages", scope="mine").json()["items"]
    assert [m["tracking_number"] for m in mine] == [tn]
    assert "evaluate" in mine[0]["available_actions"]
    rated = alice.post(f"/messages/{tn}/evaluate", {"solved": 5, "attitude": 5, "speed": 4})
    assert rated.json()["status"] == "closed"
    again = alice.post(f"/messages/{tn}/evaluate", {"solved": 5, "attitude": 5, "speed": 4})
    assert again.status_code == 409
    public = as_(None).get(f"/messages/{tn}").json()
    assert public["replies"][0]["body"].startswith("经核实")
    assert public["original"] is None and public["available_actions"] == []
    timeline = as_(None).get(f"/messages/{tn}/timeline").json()
    assert [e["action"] for e in timeline][:2] == ["submit", "approve"]


def test_merge_by_tracking_number(world: Any, as_: Any) -> None:
    dup = world.message_in("submitted")
    target = world.message_in("published", title="东区幸福路路灯不亮（原帖）")
    r = as_("mona").post(f"/messages/{dup.tracking_number}/merge", {"into": target.tracking_number})
    assert r.json()["status"] == "merged"
    bad = as_("mona").post(f"/messages/{target.tracking_number}/merge", {"into": "LY000"})
    assert bad.status_code == 400 and "into" in bad.json()["fields"]


def test_worklists_and_search(world: Any, as_: Any) -> None:
    submitted = world.message_in("submitted")
    published = world.message_in("published", title="西湖路积水严重无人处理")
    queue = as_("mona").get("/messages", scope="moderation").json()["items"]
    assert [m["tracking_number"] for m in queue] == [submitted.tracking_number]
    inbox = as_("olga").get("/messages", scope="office").json()["items"]
    assert published.tracking_number in [m["tracking_number"] for m in inbox]
    assert as_(None).get("/messages", scope="office").status_code == 401
    found = as_(None).get("/messages", search="积水").json()["items"]
    assert [m["tracking_number"] for m in found] == [published.tracking_number]
    assert as_(None).get("/messages", board="990101-head").json()["items"]
    assert as_(None).get("/messages", board="nope").json()["items"] == []


def test_keyset_pagination(world: Any, as_: Any) -> None:
    numbers = {world.message_in("published").tracking_number for _ in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = as_(None).get("/messages", **params).json()
        seen += [m["tracking_number"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(numbers) and len(seen) == 5


def test_auth_errors(world: Any, as_: Any) -> None:
    message = world.message_in("published")
    path = f"/messages/{message.tracking_number}/accept"
    assert as_(None).post(path).status_code == 401
    token, secret = ApiToken.issue(user=world.olga, name="office system")
    client = Client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/messages", headers=headers).status_code == 200
    token.revoke()
    revoked = client.get("/api/v1/messages", headers=headers)
    assert revoked.status_code == 401 and revoked.json()["code"] == "not_authenticated"
    wrong = client.post("/api/v1" + path, headers={"Authorization": "Bearer lyb_wrong"})
    assert wrong.status_code == 401


def test_session_needs_csrf(world: Any) -> None:
    message = world.message_in("published")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.olga)
    path = f"/api/v1/messages/{message.tracking_number}/accept"
    assert client.get(f"/api/v1/messages/{message.tracking_number}").status_code == 200
    refused = client.post(path)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    client.get("/api/v1/docs")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(path, headers={"X-CSRFToken": token}).status_code == 200


def test_bad_input_is_400(world: Any, as_: Any) -> None:
    bob = as_("bob")
    raw = bob.client.post(
        "/api/v1/messages", "{not json", content_type="application/json", headers=bob.headers
    )
    assert raw.status_code == 400 and raw.json()["code"] == "invalid_input"
    schema = bob.post("/messages", {"board": 3})
    assert schema.status_code == 400 and "title" in schema.json()["fields"]
    domain = bob.post(
        "/messages",
        {"board": "nope", "domain": "urban", "kind": "complaint", "title": "短", "body": "短"},
    )
    assert domain.status_code == 400
    assert {"board", "title", "body"} <= set(domain.json()["fields"])
    assert as_(None).get("/messages", limit=0).status_code == 400
    assert as_(None).get("/messages/LY000000").status_code == 404


def test_rate_limit_429(world: Any, as_: Any, settings: Any) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "API_RATE": "2/m"}
    client = as_(None)
    codes = [client.get("/kinds").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/kinds").json()["code"] == "rate_limited"


def test_directory_and_stats(world: Any, as_: Any) -> None:
    world.message_in("published")
    world.message_in("replied")
    world.message_in("submitted")
    anon = as_(None)
    assert {o["code"] for o in anon.get("/organizations", parent="990000-zf").json()["items"]} == {
        "990101-zf",
        "990102-zf",
    }
    assert anon.get("/organizations/990101-zf").json()["name"] == "东区人民政府"
    assert anon.get("/organizations/nope").status_code == 404
    assert {b["code"] for b in anon.get("/boards").json()} == {"990101-head", "990102-head"}
    stats = anon.get("/boards/990101-head/stats").json()
    assert (stats["total"], stats["open"], stats["answered"]) == (2, 1, 1)
    assert "submitted" not in stats["by_status"]
    assert any(d["code"] == "urban" for d in anon.get("/domains").json())
    assert {k["code"] for k in anon.get("/kinds").json()} >= {"complaint", "thanks"}


def test_docs_page_is_self_contained(world: Any, as_: Any) -> None:
    html = as_(None).get("/docs").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_a_decompression_bomb_is_a_400_not_a_500(world: Any, as_: Any) -> None:
    from liuyanban.testing.images import bomb_png

    created = as_("alice").post(
        "/messages",
        {
            "board": "990101-head",
            "domain": "urban",
            "kind": "complaint",
            "title": "东区幸福路路灯长期不亮",
            "body": "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全。",
            "attachments": [
                {"name": "b.png", "data_base64": base64.b64encode(bomb_png()).decode()}
            ],
        },
    )
    assert created.status_code == 400
    assert "像素过多" in created.json()["fields"]["attachments"][0]
