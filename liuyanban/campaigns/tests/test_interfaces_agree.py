"""The web page and the REST API of a suggestion say the same: who sees it, what they may do and see.

Both read ``campaigns.permissions`` (``available_actions``, ``visible_fields``); this walks
every person over suggestions in every status (and supported, adopted, converted) and
compares the buttons on the page with the API's ``available_actions`` and fields.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from liuyanban.api.models import ApiToken
from liuyanban.api.rest.campaign_shapes import SUGGESTION_ACTIONS
from liuyanban.campaigns import actions, permissions
from liuyanban.campaigns.models import Suggestion, SuggestionStatus
from liuyanban.testing.campaigns import SUGGESTION_BODY, open_campaign
from liuyanban.testing.world import World

PEOPLE = [None, "alice", "bob", "mona", "olga", "uma"]
STATES = ["submitted", "published", "rejected", "supported", "adopted", "converted"]


def _suggestion(world: World, state: str) -> Suggestion:
    s = actions.submit_suggestion(
        author=world.alice,
        campaign_id=open_campaign(world, title=f"食堂反食品浪费金点子征集 {state}").pk,
        draft=actions.SuggestionDraft(title="建议食堂推行小份菜", body=SUGGESTION_BODY),
    )
    if state == SuggestionStatus.REJECTED:
        actions.reject_suggestion(actor=world.mona, suggestion_id=s.pk, reason="与主题无关")
    elif state != SuggestionStatus.SUBMITTED:
        actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    if state == "supported":
        actions.support_suggestion(actor=world.bob, suggestion_id=s.pk)
    if state == "adopted":
        actions.adopt_suggestion(actor=world.olga, suggestion_id=s.pk, response="采纳，下月推行。")
    if state == "converted":
        actions.convert_to_message(
            actor=world.olga, suggestion_id=s.pk, board_id=world.east_board.pk
        )
    return Suggestion.objects.select_related("campaign__host").get(pk=s.pk)


def _web(world: World, name: str | None, s: Suggestion) -> tuple[int, set[str], str]:
    client = Client()
    if name is not None:
        assert client.login(username=name, password=f"pw-{name}")
    response = client.get(reverse("web:campaign_suggestion", args=[s.pk]))
    html = response.content.decode() if response.status_code == 200 else ""
    moderate = reverse("web:campaign_moderate", args=[s.pk])
    buttons = {
        "support": reverse("web:campaign_support", args=[s.pk]) in html,
        "publish": moderate in html and 'name="decision" value="publish"' in html,
        "reject": moderate in html and 'name="decision" value="reject"' in html,
        "adopt": reverse("web:campaign_adopt", args=[s.pk]) in html,
        "convert": reverse("web:campaign_convert", args=[s.pk]) in html,
    }
    return response.status_code, {a for a, shown in buttons.items() if shown}, html


def _rest(world: World, name: str | None, s: Suggestion) -> tuple[int, dict[str, Any]]:
    headers = {}
    if name is not None:
        _, secret = ApiToken.issue(user=world.people[name], name=f"{name}-agree")
        headers = {"Authorization": f"Bearer {secret}"}
    response = Client().get(f"/api/v1/campaigns/suggestions/{s.pk}", headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize("state", STATES)
def test_web_and_rest_agree(world: World, state: str) -> None:
    s = _suggestion(world, state)
    for name in PEOPLE:
        cache.clear()  # the API throttle counts per test, not across this walk
        person = AnonymousUser() if name is None else world.people[name]
        web_status, buttons, html = _web(world, name, s)
        rest_status, data = _rest(world, name, s)
        assert web_status == rest_status, (state, name)
        if web_status == 404:
            continue
        allowed = permissions.available_actions(person, s)
        fields = permissions.visible_fields(person, s)
        assert buttons == set(allowed), (state, name, buttons, allowed)
        assert data["available_actions"] == [a for a in allowed if a in SUGGESTION_ACTIONS]
        assert (data["original"] is not None) == (permissions.ORIGINAL in fields), (state, name)
        assert (data["reject_reason"] is not None) == (permissions.REJECT_REASON in fields)
        shows_reason = "未通过审核：" in html
        assert shows_reason == (state == "rejected" and permissions.REJECT_REASON in fields)
        assert ("留言待审核" in html) == (permissions.PENDING_MESSAGE in fields), (state, name)
