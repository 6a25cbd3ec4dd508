"""Who may do what in a campaign, and what they see. A role held at an organisation covers its subtree.

The campaign-level rules (host, manage, moderate, review) are looked up once per
campaign in a ``Viewer``; the suggestion-level rules are the predicates and guards
named by ``transitions.TRANSITIONS``. ``available_actions`` and ``visible_fields`` are
what the web pages and the REST API show; the actions check the same rows
(404 → 409 → 403 → guard, as for messages).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from liuyanban.accounts.models import Role
from liuyanban.accounts.selectors import AnyUser, has_role_over, is_platform_admin
from liuyanban.organizations.models import Organization

from .models import Campaign, Phase, Suggestion, SuggestionStatus, SuggestionSupport
from .transitions import TRANSITIONS

HOST_ROLES = (Role.CLERK, Role.LEADER, Role.ADMIN)


def can_host(user: AnyUser, org: Organization | None) -> bool:
    """Staff who may create and run campaigns for ``org``: its clerks, leaders and admins."""
    return is_platform_admin(user) or has_role_over(user, org, *HOST_ROLES)


def can_manage(user: AnyUser, campaign: Campaign) -> bool:
    """The host's staff: edit the campaign, adopt suggestions, turn them into messages."""
    return can_host(user, campaign.host)


def can_moderate(user: AnyUser, campaign: Campaign) -> bool:
    """Moderators over the host organisation publish or reject suggestions."""
    return is_platform_admin(user) or has_role_over(user, campaign.host, Role.MODERATOR)


def can_review(user: AnyUser, campaign: Campaign) -> bool:
    """The review queue (all statuses, exports, topic groups) is for hosts and moderators."""
    return can_manage(user, campaign) or can_moderate(user, campaign)


# ---------------------------------------------------------------------------
# One user in one campaign
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What a user is in one campaign, looked up once (per request or action), not per row."""

    user: AnyUser
    campaign: Campaign
    is_open: bool
    moderator: bool
    manager: bool
    # Which of the suggestions at hand the user has supported already.
    supported: frozenset[int]

    @property
    def signed_in(self) -> bool:
        return bool(self.user.is_authenticated)

    @property
    def reviewer(self) -> bool:
        return self.moderator or self.manager

    def is_author(self, suggestion: Suggestion) -> bool:
        return self.signed_in and suggestion.author_id == self.user.pk

    def can_see(self, suggestion: Suggestion) -> bool:
        """Published for all, own for the author, any for the campaign's reviewers."""
        return (
            suggestion.status == SuggestionStatus.PUBLISHED
            or self.is_author(suggestion)
            or (self.signed_in and self.reviewer)
        )


def viewer(user: AnyUser, campaign: Campaign, suggestion_ids: Iterable[int] = ()) -> Viewer:
    """The user in ``campaign``; ``suggestion_ids`` are those whose support state is needed."""
    ids = list(suggestion_ids)
    supported: frozenset[int] = frozenset()
    if user.is_authenticated and ids:
        supported = frozenset(
            SuggestionSupport.objects.filter(user_id=user.pk, suggestion_id__in=ids).values_list(
                "suggestion_id", flat=True
            )
        )
    return Viewer(
        user=user,
        campaign=campaign,
        is_open=campaign.phase() == Phase.OPEN,
        moderator=can_moderate(user, campaign),
        manager=can_manage(user, campaign),
        supported=supported,
    )


# ---------------------------------------------------------------------------
# Suggestions: predicates and guards named by the transitions table
# ---------------------------------------------------------------------------

Predicate = Callable[[Viewer, Suggestion], bool]
# A guard answers why the action cannot succeed now (a 409 message), or None when it can.
Guard = Callable[[Viewer, Suggestion], StrOrPromise | None]


def is_moderator(v: Viewer, suggestion: Suggestion) -> bool:
    """Moderators over the host organisation."""
    return v.moderator


def is_manager(v: Viewer, suggestion: Suggestion) -> bool:
    """The host's staff (clerks, leaders, admins over the host)."""
    return v.manager


def is_citizen(v: Viewer, suggestion: Suggestion) -> bool:
    """Any signed-in person other than the author."""
    return v.signed_in and not v.is_author(suggestion)


def is_reviewer(v: Viewer, suggestion: Suggestion) -> bool:
    """The campaign's reviewers: its moderators and the host's staff."""
    return v.signed_in and v.reviewer


def is_anyone(v: Viewer, suggestion: Suggestion) -> bool:
    """Whoever sees the suggestion."""
    return True


PREDICATES: dict[str, Predicate] = {
    "moderator": is_moderator,
    "manager": is_manager,
    "citizen": is_citizen,
    "reviewer": is_reviewer,
    "anyone": is_anyone,
}


def knows_of(v: Viewer, suggestion: Suggestion, action: str) -> bool:
    """Whether the action exists for this viewer: else the suggestion answers 404 to it."""
    row = TRANSITIONS[action]
    return v.can_see(suggestion) and PREDICATES[row.audience](v, suggestion)


def _support_guard(v: Viewer, suggestion: Suggestion) -> StrOrPromise | None:
    if not v.is_open:
        return _("征集已结束，不能再附议")
    if suggestion.pk in v.supported:
        return _("您已附议过该建言")
    return None


def _convert_guard(v: Viewer, suggestion: Suggestion) -> StrOrPromise | None:
    if suggestion.message_id is not None:
        return _("该建言已转为留言")
    if suggestion.author_id is None:
        return _("该建言不能转为留言")
    return None


# Conditions beyond status and role, so that buttons appear only when the action can succeed.
GUARDS: dict[str, Guard] = {
    "support": _support_guard,
    "convert": _convert_guard,
}


def may(v: Viewer, suggestion: Suggestion, action: str) -> bool:
    """Whether the viewer may take ``action`` on ``suggestion`` now."""
    row = TRANSITIONS[action]
    if not knows_of(v, suggestion, action) or suggestion.status not in row.sources:
        return False
    if not PREDICATES[row.permission](v, suggestion):
        return False
    guard = GUARDS.get(action)
    return guard is None or guard(v, suggestion) is None


def available_actions(
    user: AnyUser, suggestion: Suggestion, *, v: Viewer | None = None
) -> list[str]:
    """Every action the table allows this user on this suggestion now, in table order.

    Pass ``v`` (one ``viewer`` for the whole page) when listing many suggestions.
    """
    v = v or viewer(user, suggestion.campaign, [suggestion.pk])
    return [action for action in TRANSITIONS if may(v, suggestion, action)]


# ---------------------------------------------------------------------------
# What a viewer sees of a suggestion
# ---------------------------------------------------------------------------

# Everyone who sees a suggestion sees its public version: public title, body and answers,
# nickname, region, domain, dates, support count, adoption and response.
ORIGINAL = "original"  # the author's own title, body and answers
REJECT_REASON = "reject_reason"  # why it was not published
TOPIC = "topic"  # its topic group (published suggestions are grouped)
MESSAGE = "message"  # the message it became, once that message is public
PENDING_MESSAGE = "pending_message"  # the message it became, before it is public


def visible_fields(
    user: AnyUser, suggestion: Suggestion, *, v: Viewer | None = None
) -> frozenset[str]:
    """The parts beyond the public version this viewer may see (the one rule for every interface).

    The author and the campaign's reviewers read the original words and the reason for a
    rejection; the host's staff see the message a suggestion became while it waits in
    moderation; everyone sees the public message and, once published, the topic group.
    """
    v = v or viewer(user, suggestion.campaign)
    fields = set()
    if v.is_author(suggestion) or (v.signed_in and v.reviewer):
        fields |= {ORIGINAL, REJECT_REASON}
    if suggestion.status == SuggestionStatus.PUBLISHED:
        fields.add(TOPIC)
    if suggestion.public_message is not None:
        fields.add(MESSAGE)
    elif suggestion.message_id is not None and v.manager:
        fields.add(PENDING_MESSAGE)
    return frozenset(fields)


# ---------------------------------------------------------------------------
# Campaigns
# ---------------------------------------------------------------------------

# What a user may do in a campaign as a whole (the campaign page's links and the API hint).
CAMPAIGN_ACTIONS = ("submit", "review", "moderate", "adopt", "edit")


def campaign_actions(user: AnyUser, campaign: Campaign, *, v: Viewer | None = None) -> list[str]:
    """``submit`` (open, signed in), ``review`` (the queue), ``moderate``, ``adopt``, ``edit``."""
    v = v or viewer(user, campaign)
    allowed = {
        "submit": v.is_open and v.signed_in,
        "review": v.reviewer,
        "moderate": v.moderator,
        "adopt": v.manager,
        "edit": v.manager,
    }
    return [name for name in CAMPAIGN_ACTIONS if allowed[name]]
