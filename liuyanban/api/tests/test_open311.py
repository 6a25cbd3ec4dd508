"""Open311 GeoReport v2: golden files in both formats, a round trip, errors, privacy."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from liuyanban.api.models import ApiToken
from liuyanban.lifecycle import actions

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
VOLATILE = [
    (re.compile(r"LY\d{12}"), "LY000000000000"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00"), "2000-01-01T00:00:00+08:00"),
    (re.compile(r'("update_id": )\d+'), r"\g<1>0"),
    (re.compile(r"(<update_id>)\d+"), r"\g<1>0"),
]


def normalise(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def check_golden(name: str, text: str) -> None:
    """Compare with api/golden/<name>; write it when missing or LIUYANBAN_UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    text = normalise(text)
    if os.environ.get("LIUYANBAN_UPDATE_GOLDEN") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def post_request(client: Client, fmt: str, secret: str, **extra: str) -> Any:
    data = {
        "api_key": secret,
        "service_code": "urban",
        "description": "幸福路路灯坏了三个月，晚上出行很不安全，请尽快修复。",
        "attribute[kind]": "complaint",
        "attribute[board]": "990101-head",
        "address_string": "东区幸福路",
        "email": "zhangsan@example.org",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812345678",
        **extra,
    }
    return client.post(f"/open311/v2/requests.{fmt}", data)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_golden_documents(world: Any, client: Client, fmt: str) -> None:
    message = world.message_in("replied")
    for name, url in [
        ("discovery", "discovery"),
        ("services", "services"),
        ("service_definition", "services/urban"),
        ("request", f"requests/{message.tracking_number}"),
        ("updates", f"servicerequestupdates.{fmt}?service_request_id={message.tracking_number}"),
        ("error_not_found", "requests/LY000"),
    ]:
        full = url if "?" in url else f"{url}.{fmt}"
        response = client.get(f"/open311/v2/{full}")
        assert response.status_code in (200, 404)
        body = response.content.decode()
        if fmt == "json":
            json.loads(body)
        else:
            ET.fromstring(response.content)
        check_golden(f"open311_{name}.{fmt}", body)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_round_trip(world: Any, client: Client, fmt: str) -> None:
    _, secret = ApiToken.issue(user=world.bob, name="civic app")
    created = post_request(client, fmt, secret)
    assert created.status_code == 201, created.content
    token = re.search(r"LY\d{12}", created.content.decode())
    assert token is not None
    tn = token.group(0)
    waiting = client.get(f"/open311/v2/tokens/{tn}.{fmt}").content.decode()
    assert "service_request_id" in waiting and f">{tn}</service_request_id>" not in waiting
    assert client.get(f"/open311/v2/requests/{tn}.{fmt}").status_code == 404  # in moderation
    message = world.bob.authored_messages.get(tracking_number=tn)
    assert (message.source, message.contact.phone) == ("open311", "13812345678")
    actions.approve_message(actor=world.mona, message_id=message.pk)
    by_id = client.get(f"/open311/v2/requests/{tn}.{fmt}")
    by_filter = client.get(
        f"/open311/v2/requests.{fmt}", {"service_code": "urban", "status": "open"}
    )
    by_list = client.get(f"/open311/v2/requests.{fmt}", {"service_request_id": f"{tn},LY0"})
    for response in (by_id, by_filter, by_list):
        text = response.content.decode()
        assert response.status_code == 200 and tn in text
        for private in ("13812345678", "zhangsan@example.org", "张三"):
            assert private not in text
    closed = client.get(f"/open311/v2/requests.{fmt}", {"status": "closed"}).content.decode()
    assert tn not in closed
    assert tn in client.get(f"/open311/v2/tokens/{tn}.{fmt}").content.decode()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_in_spec_shape(world: Any, client: Client, fmt: str) -> None:
    _, secret = ApiToken.issue(user=world.bob, name="civic app")
    token, revoked = ApiToken.issue(user=world.bob, name="old")
    token.revoke()
    cases = [
        (post_request(client, fmt, "bad"), 403),
        (post_request(client, fmt, revoked), 403),
        (post_request(client, fmt, secret, service_code=""), 400),
        (post_request(client, fmt, secret, description="短"), 400),
        (post_request(client, fmt, secret, **{"attribute[board]": "nope"}), 400),
        (client.get(f"/open311/v2/requests.{fmt}", {"start_date": "yesterday"}), 400),
        (client.get(f"/open311/v2/requests.{fmt}", {"status": "pending"}), 400),
        (client.get(f"/open311/v2/services/nope.{fmt}"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.content
        if fmt == "json":
            errors = response.json()
            assert errors and set(errors[0]) == {"code", "description"}
        else:
            root = ET.fromstring(response.content)
            assert root.tag == "errors" and root.find("error/description") is not None


def test_default_window_is_90_days(world: Any, client: Client) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from liuyanban.lifecycle.models import Message

    old = world.message_in("published")
    Message.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=91))
    new = world.message_in("published")
    text = client.get("/open311/v2/requests.json").content.decode()
    assert new.tracking_number in text and old.tracking_number not in text
    since = (timezone.now() - timedelta(days=100)).date().isoformat()
    assert (
        old.tracking_number
        in client.get("/open311/v2/requests.json", {"start_date": since}).content.decode()
    )


def test_request_list_reads_final_replies_in_one_query(
    world: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    from liuyanban.lifecycle.models import Status

    for _ in range(6):
        world.message_in(Status.REPLIED)
    # Count once with six answered messages; more messages must not add queries.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as six:
        assert client.get("/open311/v2/requests.json").status_code == 200
    for _ in range(4):
        world.message_in(Status.REPLIED)
    with django_assert_max_num_queries(len(six.captured_queries)):
        rows = client.get("/open311/v2/requests.json").json()
    assert len(rows) == 10
    assert all(r["status_notes"] and r["agency_responsible"] for r in rows)


def test_request_list_is_gzipped_and_answers_conditional_gets(
    world: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from liuyanban.lifecycle.models import Status

    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.REPLIED)
    url = "/open311/v2/requests.json"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first["Content-Encoding"] == "gzip"
    etag = first["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # Any event of a public message gives the list a new validator.
    with django_capture_on_commit_callbacks(execute=True):
        actions.support_message(actor=world.bob, message_id=m.pk)
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again["ETag"] != etag


def test_request_list_is_written_exactly_as_json_dumps_writes_it(
    world: Any, client: Client
) -> None:
    from liuyanban.lifecycle.models import Status

    for status in (Status.REPLIED, Status.PUBLISHED, Status.CLOSED):
        world.message_in(status)
    body = client.get("/open311/v2/requests.json").content.decode()
    rows = json.loads(body)
    assert len(rows) == 3
    assert body == json.dumps(rows, ensure_ascii=False, indent=1)


def test_fast_json_writer_matches_the_standard_library_on_any_rows() -> None:
    import random

    from liuyanban.api.open311 import dump_json

    rng = random.Random(5)
    values: list[Any] = [
        "",
        '中文，\n"引号"\\',
        "a\tb\u2028c",
        None,
        True,
        False,
        0,
        -3,
        1.5,
        28.123456789,
        float("nan"),
        float("-inf"),
    ]
    for _ in range(500):
        data: Any = [
            {f"k{j}{'键' * (j % 2)}": rng.choice(values) for j in range(rng.randint(1, 6))}
            for _ in range(rng.randint(0, 4))
        ]
        assert dump_json(data) == json.dumps(data, ensure_ascii=False, indent=1)
    others: list[Any] = [{"a": 1}, [{"a": [1, 2]}], [{}], [{"a": {"b": None}}]]
    for other in others:
        assert dump_json(other) == json.dumps(other, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_list_rows_equal_the_detail_rows(world: Any, client: Client, language: str) -> None:
    """The list builds its rows from columns, the detail from the message: same fields."""
    from liuyanban.lifecycle.models import Status

    for status in (Status.REPLIED, Status.PUBLISHED, Status.IN_HANDLING, Status.CLOSED):
        world.message_in(status)
    client.cookies["django_language"] = language
    listed = client.get("/open311/v2/requests.json").json()
    assert len(listed) == 4
    for row in listed:
        detail = client.get(f"/open311/v2/requests/{row['service_request_id']}.json").json()
        assert detail == [row]
    assert any(row["status_notes"] for row in listed)


def test_request_list_is_served_from_the_cache_until_a_reply_changes_it(
    world: Any,
    client: Client,
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The list of an anonymous GET is built once per version: the next GET reads no
    database, in either encoding; a reply's event names a new version, so it shows at once."""
    from liuyanban.lifecycle.models import Resolution, Status

    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.IN_HANDLING)
    url = "/open311/v2/requests.json"
    first = client.get(url)
    assert [r["status_notes"] for r in first.json()] == [""]
    with django_assert_num_queries(0):
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert plain.content == first.content and plain["ETag"] == first["ETag"]
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == first.content
    assert packed["ETag"] == f"W/{first['ETag']}"  # the same list, another representation
    with django_assert_num_queries(0):
        assert client.get(url, headers={"If-None-Match": packed["ETag"]}).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_final(
            actor=world.uma,
            message_id=m.pk,
            body="经核实，幸福路路灯线路老化，已于本周更换线路并恢复照明。",
            resolution=Resolution.SOLVED,
        )
    after = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert after.json()[0]["status_notes"].startswith("经核实")
    assert after.json()[0]["status"] == "closed"
