"""Open311 under bad input: impossible dates, non-finite coordinates, control characters,
token probing. Always the spec's 400 (or 429), never a 500, never a stored "nan,nan"."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from liuyanban.api import open311
from liuyanban.api.models import ApiToken
from liuyanban.lifecycle.models import Message, Status
from liuyanban.testing.world import World

C0 = "".join(chr(i) for i in range(1, 32))  # NUL is refused earlier, by the middleware


def _spec_error(response: Any, fmt: str, status: int = 400) -> None:
    assert response.status_code == status, response.content
    if fmt == "json":
        assert set(response.json()[0]) == {"code", "description"}
    else:
        assert ET.fromstring(response.content).tag == "errors"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("value", ["2025-02-30", "9999-99-99", "2025-13-01T00:00:00", "0001-01-01"])
@pytest.mark.parametrize("name", ["start_date", "end_date"])
def test_impossible_dates_are_400(world: World, fmt: str, value: str, name: str) -> None:
    client = Client()
    _spec_error(client.get(f"/open311/v2/requests.{fmt}", {name: value}), fmt)
    _spec_error(client.get(f"/open311/v2/servicerequestupdates.{fmt}", {name: value}), fmt)


def _post(secret: str, **extra: str) -> Any:
    data = {
        "api_key": secret,
        "service_code": "urban",
        "description": "幸福路路灯坏了三个月，晚上出行很不安全，请尽快修复。",
        "attribute[kind]": "complaint",
        "attribute[board]": "990101-head",
        **extra,
    }
    return Client().post("/open311/v2/requests.json", data)


@pytest.mark.parametrize(
    ("lat", "long"),
    [
        ("nan", "nan"),
        ("NaN", "113.0"),
        ("28.2", "inf"),
        ("-inf", "113.0"),
        ("1e999", "113.0"),
        ("91", "113.0"),
        ("28.2", "-180.5"),
        ("北纬28", "113.0"),
    ],
)
def test_bad_coordinates_are_400_and_nothing_stored(world: World, lat: str, long: str) -> None:
    _, secret = ApiToken.issue(user=world.bob, name="civic app")
    _spec_error(_post(secret, lat=lat, long=long), "json")
    assert not Message.objects.exists()


def test_good_coordinates_are_kept(world: World) -> None:
    _, secret = ApiToken.issue(user=world.bob, name="civic app")
    assert _post(secret, lat="28.228", long="-112.9388").status_code == 201
    assert Message.objects.get().location == "28.228000,-112.938800"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_feed_stays_well_formed_with_every_control_character(world: World, fmt: str) -> None:
    message = world.message_in(Status.PUBLISHED)
    text = f"路灯{C0}不亮\ufffe了"
    Message.objects.filter(pk=message.pk).update(public_body=text, public_location=C0)
    for url in (
        f"/open311/v2/requests.{fmt}",
        f"/open311/v2/requests/{message.tracking_number}.{fmt}",
    ):
        response = Client().get(url)
        assert response.status_code == 200
        if fmt == "xml":
            root = ET.fromstring(response.content)  # raises on a control character
            description = root.find("request/description")
            # (XML readers turn a raw carriage return into a newline.)
            assert description is not None and description.text == "路灯\t\n\n不亮了"
        else:
            assert json.loads(response.content)[0]["description"] == "路灯\t\n\r不亮了"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_lone_surrogates_are_replaced_on_output(fmt: str) -> None:
    rows = [{"description": "路灯\ud800不亮\udfff", "address": "\x01幸福路"}]
    response = open311.respond(fmt, "service_requests", "request", rows)
    if fmt == "xml":
        root = ET.fromstring(response.content)
        assert root.findtext("request/description") == "路灯\ufffd不亮\ufffd"
        assert root.findtext("request/address") == "幸福路"
    else:
        assert json.loads(response.content)[0]["description"] == "路灯\ufffd不亮\ufffd"


def test_control_characters_are_removed_before_storage(world: World) -> None:
    _, secret = ApiToken.issue(user=world.bob, name="civic app")
    body = "幸福路\x01路灯\x1b坏了三个月，晚上出行很不安全，请尽快修复。"
    response = _post(secret, description=body, address_string="东区\x0b幸福路")
    assert response.status_code == 201
    stored = Message.objects.get()
    assert stored.body == "幸福路路灯坏了三个月，晚上出行很不安全，请尽快修复。"
    assert stored.location == "东区幸福路"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_token_answer_is_the_same_for_unknown_and_unpublished(world: World, fmt: str) -> None:
    waiting = world.message_in(Status.SUBMITTED)
    rejected = world.message_in(Status.REJECTED)
    client = Client()

    def answer(token: str) -> tuple[int, str]:
        response = client.get(f"/open311/v2/tokens/{token}.{fmt}")
        return response.status_code, response.content.decode().replace(token, "TOKEN")

    unknown = answer("LY990101000000")
    assert answer(waiting.tracking_number) == unknown
    assert answer(rejected.tracking_number) == unknown
    assert unknown[0] == 200
    published = world.message_in(Status.PUBLISHED)
    status, body = answer(published.tracking_number)
    assert status == 200 and body != unknown[1]


def test_token_lookups_are_throttled(world: World, settings: Any) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "OPEN311_TOKEN_LOOKUPS_PER_MINUTE": 3}
    client = Client()
    codes = [client.get(f"/open311/v2/tokens/LY99010100000{i}.json").status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    _spec_error(client.get("/open311/v2/tokens/LY990101000009.xml"), "xml", status=429)
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert other.get("/open311/v2/tokens/LY990101000001.json").status_code == 200
