"""Who sees the author's contact data and original words: one answer on every interface.

``lifecycle.permissions.may_see_private`` decides; the web staff page, the REST API,
the exports and Open311 all follow it. Seen before (issue 12): a provincial analyst
opened /work/messages/<no>/ and read the author's real name, phone, email, address
and unredacted text that the REST API hid from the same analyst.
"""

from __future__ import annotations

import pytest
from django.test import Client

from liuyanban.api.models import ApiToken
from liuyanban.core.errors import NotPermitted
from liuyanban.intelligence import actions as intel_actions
from liuyanban.intelligence.models import QualityFeedback
from liuyanban.intelligence.replyquality import ReplyQuality
from liuyanban.lifecycle import permissions
from liuyanban.lifecycle.actions import Contact
from liuyanban.lifecycle.models import Message, Status
from liuyanban.testing.world import World
from liuyanban.web import workbench

ORIGINAL = "幸福路的路灯坏了三个月，我家住幸福路8号301室，电话13812345678，请尽快修。"
CONTACT = Contact(
    real_name="张三丰", phone="13912345678", email="zhang@example.com", address="光明街12号"
)
SECRETS = ["张三丰", "13912345678", "zhang@example.com", "光明街12号", "13812345678"]

# persona → (staff page status, may see private data)
MATRIX: dict[str, tuple[int, bool]] = {
    "mona": (200, True),  # moderator
    "olga": (200, True),  # the office holding it
    "uma": (200, True),  # the handling unit
    "sam": (200, True),  # supervisor of the province
    "leo": (200, True),  # the board's leader
    "ann": (200, False),  # provincial analyst: sees the message, not its private parts
    "oscar": (404, False),  # another district's clerk
    "bob": (404, False),  # a citizen
}


@pytest.fixture
def message(world: World) -> Message:
    return world.message_in(Status.IN_HANDLING, body=ORIGINAL, contact=CONTACT)


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.people[name])
    return client


@pytest.mark.parametrize(("persona", "expected"), MATRIX.items())
def test_the_staff_page_shows_private_data_only_to_insiders(
    world: World, message: Message, persona: str, expected: tuple[int, bool]
) -> None:
    status, private = expected
    response = _client(world, persona).get(f"/work/messages/{message.tracking_number}/")
    assert response.status_code == status
    if status != 200:
        return
    page = response.content.decode()
    for secret in SECRETS:
        assert (secret in page) is private, (persona, secret)
    assert message.public_body[:10] in page  # everyone here reads the public version
    assert permissions.may_see_private(world.people[persona], message) is private


@pytest.mark.parametrize(("persona", "expected"), [*MATRIX.items(), ("alice", (404, True))])
def test_the_rest_api_gives_the_original_to_the_same_people(
    world: World, message: Message, persona: str, expected: tuple[int, bool]
) -> None:
    _status, private = expected
    _, secret = ApiToken.issue(user=world.people[persona], name="t")
    response = Client().get(
        f"/api/v1/messages/{message.tracking_number}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200  # the message is public
    original = response.json()["original"]
    assert (original is not None) is private
    if private:
        assert original["body"] == ORIGINAL
    for contact_value in ("张三丰", "13912345678", "zhang@example.com", "光明街12号"):
        assert contact_value not in response.content.decode()  # contact data never travels


@pytest.mark.parametrize("persona", ["ann", "olga", "mona"])
def test_exports_and_open311_carry_public_wording_only(
    world: World, message: Message, persona: str
) -> None:
    _, secret = ApiToken.issue(user=world.people[persona], name="t")
    csv = Client().get(
        "/api/v1/exports/messages.csv", headers={"Authorization": f"Bearer {secret}"}
    )
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert message.tracking_number in body
    for secret_value in SECRETS:
        assert secret_value not in body
    feed = Client().get(f"/open311/v2/requests/{message.tracking_number}.json")
    assert feed.status_code == 200
    for secret_value in SECRETS:
        assert secret_value not in feed.content.decode()


def _quality(message: Message) -> ReplyQuality:
    return workbench.reply_quality(message, "已收悉，我们将转有关部门处理。")


def test_only_insiders_can_mark_a_reply_quality_score(
    world: World, message: Message, client: Client
) -> None:
    """Seen: analysts filed reply-quality marks on messages they do not handle."""
    client.force_login(world.ann)
    page = client.post(
        f"/work/messages/{message.tracking_number}/reply/quality/feedback/",
        {"body": "已收悉，我们将转有关部门处理。", "qf_verdict": "too_low"},
    )
    assert page.status_code == 403
    assert not QualityFeedback.objects.exists()
    with pytest.raises(NotPermitted):
        intel_actions.record_quality_feedback(
            actor=world.ann, message_id=message.pk, verdict="too_low", quality=_quality(message)
        )
    mark = intel_actions.record_quality_feedback(
        actor=world.uma, message_id=message.pk, verdict="too_low", quality=_quality(message)
    )
    assert mark.user == world.uma
