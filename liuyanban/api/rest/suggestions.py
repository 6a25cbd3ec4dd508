"""A campaign's suggestions: list, submit, read, support, moderate, adopt.

Thin endpoints over ``campaigns.actions`` and ``campaigns.selectors``: every rule (phase,
who may moderate or adopt, once-only support, rate limits) lives there, and what a
caller may do or see comes from ``campaigns.permissions``; reads go through the
selectors' funnels, so a suggestion that is not yours to see is a 404.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from liuyanban.accounts.selectors import AnyUser
from liuyanban.campaigns import actions, permissions, selectors
from liuyanban.campaigns.models import Suggestion
from liuyanban.core import paging
from liuyanban.core.errors import InvalidInput, NotFound
from liuyanban.organizations.models import Region
from liuyanban.taxonomy.models import Domain

from ..auth import AUTHENTICATED, OPTIONAL, caller, signed_in
from . import campaign_shapes as shapes
from .campaign_schemas import (
    AdoptIn,
    CampaignId,
    PublishIn,
    RejectIn,
    SuggestionActionOut,
    SuggestionFilters,
    SuggestionId,
    SuggestionIn,
    SuggestionOut,
    SuggestionPageOut,
    id_of,
)
from .errors import ERROR_RESPONSES

router = Router(tags=["campaigns"])
SUGGESTION = "/campaigns/suggestions/{suggestion_id}"


# --- suggestions: lists ----------------------------------------------------------------------


@router.get(
    "/campaigns/{campaign_id}/suggestions",
    response={200: SuggestionPageOut, **ERROR_RESPONSES},
    auth=OPTIONAL,
)
def list_suggestions(
    request: HttpRequest, campaign_id: CampaignId, filters: Query[SuggestionFilters]
) -> dict[str, object]:
    """Published suggestions (by support or newest), my own (newest first), or the review queue.

    Keyset pages: pass ``next_cursor`` back as ``cursor`` with the same ``sort``.
    """
    user = caller(request)
    campaign = selectors.get_campaign(campaign_id)
    sort = filters.sort
    if filters.scope == "public":
        qs = selectors.public_suggestions(campaign, sort)
    elif filters.scope == "review":
        review = selectors.ReviewFilters(
            status=filters.status or "", q=filters.search or "", sort=sort
        )
        qs = selectors.review_queue(user, campaign, review)
    else:
        signed_in(request)
        sort = "new"
        # my_suggestions gives a list (a few a day per person): the same rows as a query to page.
        mine = [s.pk for s in selectors.my_suggestions(user, campaign)]
        qs = Suggestion.objects.filter(pk__in=mine).order_by("-id")
    keys = [key.lstrip("-") for key in selectors.SORTS[sort]]
    page = paging.keyset_page(
        qs.select_related("region", "domain", "message", "topic"),
        keys=keys,
        cursor=filters.cursor,
        limit=filters.limit,
        strict=True,
    )
    v = permissions.viewer(user, campaign, [s.pk for s in page.items])
    return {
        "items": [shapes.suggestion(v, s) for s in page.items],
        "next_cursor": page.next_cursor,
    }


# --- suggestions: submit and read --------------------------------------------------------------


@router.post(
    "/campaigns/{campaign_id}/suggestions",
    response={201: SuggestionOut, **ERROR_RESPONSES},
    auth=AUTHENTICATED,
)
def submit_suggestion(
    request: HttpRequest, campaign_id: CampaignId, payload: SuggestionIn
) -> Status:
    """Submit a suggestion while the campaign is open; it waits for moderation.

    A repeated ``idempotency_key`` returns the first suggestion. Field errors name
    ``title``, ``body``, ``region``, ``domain``, ``nickname`` and ``answer_<key>``.
    """
    user = signed_in(request)
    if len(payload.answers) > actions.MAX_QUESTIONS:
        raise InvalidInput(fields={"answers": [f"最多 {actions.MAX_QUESTIONS} 个回答"]})
    s = actions.submit_suggestion(
        author=user,
        campaign_id=campaign_id,
        draft=actions.SuggestionDraft(
            title=payload.title,
            body=payload.body,
            answers=payload.answers,
            region_id=id_of(Region, payload.region),
            domain_id=id_of(Domain, payload.domain),
            nickname=payload.nickname,
            idempotency_key=payload.idempotency_key,
        ),
    )
    shown = selectors.get_suggestion_for_user(user, s.pk)
    return Status(
        201, shapes.suggestion(permissions.viewer(user, shown.campaign, [shown.pk]), shown)
    )


@router.get(SUGGESTION, response={200: SuggestionOut, **ERROR_RESPONSES}, auth=OPTIONAL)
def get_suggestion(request: HttpRequest, suggestion_id: SuggestionId) -> dict[str, object]:
    """One suggestion: published for all, your own, or any for the campaign's reviewers."""
    user = caller(request)
    s = selectors.get_suggestion_for_user(user, suggestion_id)
    return shapes.suggestion(permissions.viewer(user, s.campaign, [s.pk]), s)


# --- suggestions: actions --------------------------------------------------------------------

RESPONSES = {200: SuggestionActionOut, **ERROR_RESPONSES}


def _outcome(user: AnyUser, suggestion_id: int, action: str) -> dict[str, object]:
    try:
        s = selectors.get_suggestion_for_user(user, suggestion_id)
    except NotFound:
        return {"action": action, "status": "", "suggestion": None}
    return {
        "action": action,
        "status": s.status,
        "suggestion": shapes.suggestion(permissions.viewer(user, s.campaign, [s.pk]), s),
    }


@router.post(SUGGESTION + "/support", response=RESPONSES, auth=AUTHENTICATED)
def support(request: HttpRequest, suggestion_id: SuggestionId) -> dict[str, object]:
    """Support (附议) a published suggestion of someone else while open; again is 409."""
    user = signed_in(request)
    actions.support_suggestion(actor=user, suggestion_id=suggestion_id)
    return _outcome(user, suggestion_id, "support")


@router.post(SUGGESTION + "/publish", response=RESPONSES, auth=AUTHENTICATED)
def publish(
    request: HttpRequest, suggestion_id: SuggestionId, payload: PublishIn
) -> dict[str, object]:
    """Publish (审核通过), optionally with an edited public text; moderators over the host."""
    user = signed_in(request)
    actions.publish_suggestion(
        actor=user,
        suggestion_id=suggestion_id,
        public_title=payload.public_title,
        public_body=payload.public_body,
    )
    return _outcome(user, suggestion_id, "publish")


@router.post(SUGGESTION + "/reject", response=RESPONSES, auth=AUTHENTICATED)
def reject(
    request: HttpRequest, suggestion_id: SuggestionId, payload: RejectIn
) -> dict[str, object]:
    """Reject with a reason the author sees (审核不通过); moderators over the host."""
    user = signed_in(request)
    actions.reject_suggestion(actor=user, suggestion_id=suggestion_id, reason=payload.reason)
    return _outcome(user, suggestion_id, "reject")


@router.post(SUGGESTION + "/adopt", response=RESPONSES, auth=AUTHENTICATED)
def adopt(request: HttpRequest, suggestion_id: SuggestionId, payload: AdoptIn) -> dict[str, object]:
    """Adopt (采纳) a published suggestion with a public response; again edits the response."""
    user = signed_in(request)
    actions.adopt_suggestion(actor=user, suggestion_id=suggestion_id, response=payload.response)
    return _outcome(user, suggestion_id, "adopt")
