"""Suggestion campaigns (建言征集): browse, start, topics and results.

Thin endpoints over ``campaigns.actions`` and ``campaigns.selectors``; the suggestions
of a campaign are in ``suggestions.py``, the schemas in ``campaign_schemas.py`` and
what a caller sees in ``campaign_shapes.py``. Campaigns are addressed by id.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from liuyanban.campaigns import actions, selectors
from liuyanban.organizations.models import Organization
from liuyanban.taxonomy.models import Domain

from ..auth import AUTHENTICATED, OPTIONAL, caller, signed_in
from . import campaign_shapes as shapes
from .campaign_schemas import (
    CampaignFilters,
    CampaignId,
    CampaignIn,
    CampaignOut,
    CampaignSummaryOut,
    ResultsOut,
    TopicOut,
    aware,
    id_of,
)
from .errors import ERROR_RESPONSES

router = Router(tags=["campaigns"])


@router.get(
    "/campaigns", response={200: list[CampaignSummaryOut], **ERROR_RESPONSES}, auth=OPTIONAL
)
def list_campaigns(
    request: HttpRequest, filters: Query[CampaignFilters]
) -> list[dict[str, object]]:
    """Open (closing soonest first), upcoming (opening soonest first) and closed campaigns."""
    lists = selectors.campaign_lists()
    phases = [filters.phase] if filters.phase else ["open", "upcoming", "closed"]
    return [shapes.campaign_summary(c) for phase in phases for c in lists[phase]]


@router.post("/campaigns", response={201: CampaignOut, **ERROR_RESPONSES}, auth=AUTHENTICATED)
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    """Start a campaign (clerks, leaders and admins over the host)."""
    user = signed_in(request)
    campaign = actions.create_campaign(
        actor=user,
        data=actions.CampaignInput(
            host_id=id_of(Organization, payload.host) or -1,
            title=payload.title,
            description=payload.description,
            opens_at=aware(payload.opens_at),
            closes_at=aware(payload.closes_at),
            kind=payload.kind,
            domain_ids=[id_of(Domain, code) or -1 for code in payload.domains],
            questions=[q.dict() for q in payload.questions],
        ),
    )
    return Status(201, shapes.campaign_detail(user, selectors.get_campaign(campaign.pk)))


@router.get(
    "/campaigns/{campaign_id}", response={200: CampaignOut, **ERROR_RESPONSES}, auth=OPTIONAL
)
def get_campaign(request: HttpRequest, campaign_id: CampaignId) -> dict[str, object]:
    """One campaign with its questions, domains and what the caller may do in it."""
    return shapes.campaign_detail(caller(request), selectors.get_campaign(campaign_id))


@router.get(
    "/campaigns/{campaign_id}/topics",
    response={200: list[TopicOut], **ERROR_RESPONSES},
    auth=OPTIONAL,
)
def list_topics(request: HttpRequest, campaign_id: CampaignId) -> list[dict[str, object]]:
    """Topic groups of the published suggestions, largest first (as last computed)."""
    return [shapes.topic(t) for t in selectors.topic_groups(selectors.get_campaign(campaign_id))]


@router.get(
    "/campaigns/{campaign_id}/results", response={200: ResultsOut, **ERROR_RESPONSES}, auth=OPTIONAL
)
def get_results(request: HttpRequest, campaign_id: CampaignId) -> dict[str, object]:
    """Totals, counts by day, participants by region, topic groups, adopted suggestions."""
    campaign = selectors.get_campaign(campaign_id)
    r = selectors.results(campaign)
    return {
        "campaign": campaign.pk,
        "received": r.received,
        "published": r.published,
        "participants": r.participants,
        "adopted_count": r.adopted_count,
        "by_day": [{"date": d, "count": n} for d, n in r.by_day],
        "by_region": [{"region": name, "participants": n} for name, n in r.by_region],
        "topics": [shapes.topic(t) for t in r.topics],
        "adopted": [
            {
                "id": s.pk,
                "title": s.public_title,
                "nickname": s.nickname,
                "support_count": s.support_count,
                "response": s.response,
                "adopted_at": s.adopted_at,
            }
            for s in r.adopted
        ],
    }
