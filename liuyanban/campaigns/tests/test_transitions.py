"""Walk every (status, action) pair of suggestions against their transitions table.

The shape of ``lifecycle/tests/test_transitions.py``: what ``available_actions`` offers
is exactly what the actions accept, for every status and every person; refusals come in
the order 404 → 409 → 403 → guard; a change writes one event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from liuyanban.campaigns import actions, permissions
from liuyanban.campaigns.models import Campaign, CampaignEvent, Suggestion, SuggestionStatus
from liuyanban.campaigns.transitions import TRANSITIONS
from liuyanban.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotAuthenticated,
    NotFound,
    NotPermitted,
)
from liuyanban.testing.campaigns import SUGGESTION_BODY, open_campaign
from liuyanban.testing.world import World

Call = Callable[[World, Any, Suggestion], object]

CALLS: dict[str, Call] = {
    "support": lambda w, a, s: actions.support_suggestion(actor=a, suggestion_id=s.pk),
    "publish": lambda w, a, s: actions.publish_suggestion(actor=a, suggestion_id=s.pk),
    "reject": lambda w, a, s: actions.reject_suggestion(
        actor=a, suggestion_id=s.pk, reason="与本次征集主题无关"
    ),
    "adopt": lambda w, a, s: actions.adopt_suggestion(
        actor=a, suggestion_id=s.pk, response="采纳。自下月起机关食堂推行小份菜。"
    ),
    "convert": lambda w, a, s: actions.convert_to_message(
        actor=a, suggestion_id=s.pk, board_id=w.east_board.pk
    ),
}

# Who holds each permission in a campaign hosted by 东区.
HOLDER = {"moderator": "mona", "manager": "olga", "citizen": "bob"}
# Everyone the matrix asks: the public, the author, a citizen, both kinds of reviewer,
# a leader of the host (a manager too) and an officer of a unit below it (nobody here).
PEOPLE = [None, "alice", "bob", "mona", "olga", "leo", "uma"]


def _suggestion_in(world: World, campaign: Campaign, status: str) -> Suggestion:
    """Alice's suggestion, moved to ``status`` through the real actions."""
    s = actions.submit_suggestion(
        author=world.alice,
        campaign_id=campaign.pk,
        draft=actions.SuggestionDraft(title="建议食堂推行小份菜", body=SUGGESTION_BODY),
        # A given time replays history: the daily limit is not spent by the walk.
        now=timezone.now(),
    )
    if status == SuggestionStatus.PUBLISHED:
        actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    elif status == SuggestionStatus.REJECTED:
        actions.reject_suggestion(actor=world.mona, suggestion_id=s.pk, reason="与主题无关")
    return Suggestion.objects.select_related("campaign__host").get(pk=s.pk)


def _person(world: World, name: str | None) -> Any:
    return AnonymousUser() if name is None else world.people[name]


def _events(s: Suggestion) -> int:
    return CampaignEvent.objects.filter(suggestion=s).count()


def test_table_is_complete() -> None:
    """Every row names a known permission and audience, and has a call in this walk."""
    assert set(CALLS) == set(TRANSITIONS)
    for row in TRANSITIONS.values():
        assert row.permission in permissions.PREDICATES
        assert row.audience in permissions.PREDICATES
        assert row.sources <= set(SuggestionStatus.values)
        assert row.targets <= set(SuggestionStatus.values)


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_status_and_action(world: World, action: str) -> None:
    """From a source status the holder succeeds, with one event; from any other, 409 (or 404)."""
    row = TRANSITIONS[action]
    campaign = open_campaign(world)
    holder = world.people[HOLDER[row.permission]]
    for status in SuggestionStatus.values:
        s = _suggestion_in(world, campaign, status)
        before = _events(s)
        offered = action in permissions.available_actions(holder, s)
        if status in row.sources:
            assert offered, (status, action)
            CALLS[action](world, holder, s)
            s.refresh_from_db()
            assert s.status in (row.targets or {status}), (status, action, s.status)
            assert _events(s) == before + 1, (status, action)
            assert CampaignEvent.objects.filter(suggestion=s).last().action in (  # type: ignore[union-attr]
                action,
                "respond",
            )
        else:
            assert not offered, (status, action)
            # A suggestion the holder cannot see (a citizen, before publication) is a 404.
            seen = permissions.knows_of(permissions.viewer(holder, campaign), s, action)
            with pytest.raises(InvalidTransition if seen else NotFound):
                CALLS[action](world, holder, s)
            assert _events(s) == before, (status, action)


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_what_is_offered_is_what_is_accepted(world: World, action: str) -> None:
    """For every person and status: offered ⇔ the action succeeds; refusals in 404 → 409 → 403."""
    row = TRANSITIONS[action]
    campaign = open_campaign(world)
    for status in SuggestionStatus.values:
        for name in PEOPLE:
            person = _person(world, name)
            s = _suggestion_in(world, campaign, status)
            v = permissions.viewer(person, campaign, [s.pk])
            offered = action in permissions.available_actions(person, s, v=v)
            try:
                CALLS[action](world, person, s)
            except DomainError as exc:
                assert not offered, (status, action, name, exc)
                if name is None and action == "support":
                    expected: type[DomainError] = NotAuthenticated
                elif not permissions.knows_of(v, s, action):
                    expected = NotFound
                elif status not in row.sources:
                    expected = InvalidTransition
                elif not permissions.PREDICATES[row.permission](v, s):
                    expected = NotPermitted
                else:
                    expected = Conflict
                assert type(exc) is expected, (status, action, name, exc)
            else:
                assert offered, (status, action, name)


def test_guards_hide_what_cannot_succeed(world: World) -> None:
    """Support once and while open; convert once: the button goes, the action answers 409."""
    campaign = open_campaign(world)
    s = _suggestion_in(world, campaign, SuggestionStatus.PUBLISHED)
    actions.support_suggestion(actor=world.bob, suggestion_id=s.pk)
    assert "support" not in permissions.available_actions(world.bob, s)
    with pytest.raises(Conflict, match="您已附议过该建言"):
        actions.support_suggestion(actor=world.bob, suggestion_id=s.pk)
    assert "support" in permissions.available_actions(world.uma, s)
    with time_machine.travel(campaign.closes_at + timedelta(minutes=1)):
        assert "support" not in permissions.available_actions(world.uma, s)
        with pytest.raises(Conflict, match="征集已结束"):
            actions.support_suggestion(actor=world.uma, suggestion_id=s.pk)

    actions.convert_to_message(actor=world.olga, suggestion_id=s.pk, board_id=world.east_board.pk)
    s.refresh_from_db()
    assert "convert" not in permissions.available_actions(world.olga, s)
    with pytest.raises(Conflict, match="该建言已转为留言"):
        actions.convert_to_message(
            actor=world.olga, suggestion_id=s.pk, board_id=world.east_board.pk
        )


def test_visible_fields(world: World) -> None:
    """Original words and the rejection reason: author and reviewers; a pending message: the host."""
    campaign = open_campaign(world)
    rejected = _suggestion_in(world, campaign, SuggestionStatus.REJECTED)
    for name in ("alice", "mona", "olga"):
        shown = permissions.visible_fields(world.people[name], rejected)
        assert {permissions.ORIGINAL, permissions.REJECT_REASON} <= shown, name
    published = _suggestion_in(world, campaign, SuggestionStatus.PUBLISHED)
    for person in (AnonymousUser(), world.bob, world.uma):
        shown = permissions.visible_fields(person, published)
        assert shown == {permissions.TOPIC}, person
    actions.convert_to_message(
        actor=world.olga, suggestion_id=published.pk, board_id=world.east_board.pk
    )
    published.refresh_from_db()
    assert permissions.PENDING_MESSAGE in permissions.visible_fields(world.olga, published)
    assert permissions.PENDING_MESSAGE not in permissions.visible_fields(world.mona, published)
    assert permissions.visible_fields(world.bob, published) == {permissions.TOPIC}
