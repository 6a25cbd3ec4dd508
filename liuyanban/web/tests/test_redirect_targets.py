"""Redirect targets taken from the request (``back``, ``next``, the referrer) stay on this site."""

from __future__ import annotations

import pytest
from django.test import Client

from liuyanban.lifecycle.models import Message, Status
from liuyanban.testing.world import World

OFFSITE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
]


@pytest.mark.parametrize("back", OFFSITE)
def test_back_after_rating_stays_here(client: Client, world: World, back: str) -> None:
    m = world.message_in(Status.REPLIED)
    Message.objects.filter(pk=m.pk).update(author=world.alice)
    client.force_login(world.alice)
    response = client.post(
        f"/messages/{m.tracking_number}/evaluate/",
        {"solved": "4", "attitude": "5", "speed": "3", "back": back},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{m.tracking_number}/"


def test_local_back_after_rating_is_followed(client: Client, world: World) -> None:
    m = world.message_in(Status.REPLIED)
    Message.objects.filter(pk=m.pk).update(author=world.alice)
    client.force_login(world.alice)
    response = client.post(
        f"/messages/{m.tracking_number}/evaluate/",
        {"solved": "4", "attitude": "5", "speed": "3", "back": "/accounts/messages/"},
    )
    assert response["Location"] == "/accounts/messages/"


@pytest.mark.parametrize("target", OFFSITE)
def test_next_after_login_stays_here(client: Client, world: World, target: str) -> None:
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "pw-alice", "next": target}
    )
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize("target", OFFSITE)
def test_next_after_a_campaign_button_stays_here(client: Client, world: World, target: str) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from liuyanban.campaigns import actions
    from liuyanban.campaigns.models import Campaign, CampaignKind

    now = timezone.now()
    campaign = Campaign.objects.create(
        host=world.east,
        kind=CampaignKind.SUGGESTION,
        title="食堂反浪费征集",
        description="征集金点子。",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=5),
        questions=[],
    )
    s = actions.submit_suggestion(
        author=world.alice,
        campaign_id=campaign.pk,
        draft=actions.SuggestionDraft(title="推行小份菜", body="建议食堂推行小份菜，减少浪费。"),
    )
    actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    client.force_login(world.bob)
    response = client.post(f"/campaigns/suggestions/{s.pk}/support/", {"next": target})
    assert response.status_code == 302
    assert "evil" not in response["Location"] and not response["Location"].startswith("java")
