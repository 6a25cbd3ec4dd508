"""Suggestion campaigns (建言征集): browse, submit, support, moderate, adopt, topics, results.

Thin endpoints over ``campaigns.actions`` and ``campaigns.selectors``: every rule (phase,
who may moderate or adopt, once-only support, rate limits) lives there; reads go through
the selectors' funnels, so a suggestion that is not yours to see is a 404. Campaigns and
suggestions are addressed by id (they have no code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from liuyanban.accounts.selectors import AnyUser
from liuyanban.campaigns import actions, permissions, selectors
from liuyanban.campaigns.models import Campaign, Phase, Suggestion, SuggestionStatus, TopicGroup
from liuyanban.core.errors import InvalidInput, NotFound
from liuyanban.organizations.models import Organization, Region
from liuyanban.taxonomy.models import Domain

from ..auth import AUTHENTICATED, OPTIONAL, caller, signed_in
from .errors import ERROR_RESPONSES
from .schemas import RefOut, ref

router = Router(tags=["campaigns"])

ID_MAX = 2**63 - 1  # larger ids cannot be stored, and SQLite raises on them
CampaignId = Annotated[int, Path(..., ge=1, le=ID_MAX)]
SuggestionId = Annotated[int, Path(..., ge=1, le=ID_MAX)]
SUGGESTION = "/campaigns/suggestions/{suggestion_id}"


# --- output schemas -------------------------------------------------------------------


class QuestionOut(Schema):
    key: str
    label: str
    required: bool
    max_length: int


class CampaignSummaryOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    host: RefOut
    phase: Literal["upcoming", "open", "closed"]
    phase_label: str
    opens_at: datetime
    closes_at: datetime
    cover_url: str | None


class CampaignOut(CampaignSummaryOut):
    description: str
    domains: list[RefOut]
    questions: list[QuestionOut]
    topics_computed_at: datetime | None
    available_actions: list[str] = Field(
        ..., description="submit (open, signed in), review, moderate, adopt"
    )


class AnswerOut(Schema):
    key: str
    label: str
    value: str


class TopicRefOut(Schema):
    id: int
    label: str


class OriginalSuggestionOut(Schema):
    """The author's own words, for the author and the campaign's reviewers."""

    title: str
    body: str
    answers: list[AnswerOut]


class SuggestionOut(Schema):
    id: int
    campaign: int
    status: Literal["submitted", "published", "rejected"]
    status_label: str
    title: str
    body: str
    answers: list[AnswerOut]
    nickname: str
    region: RefOut | None
    domain: RefOut | None
    submitted_at: datetime
    published_at: datetime | None
    support_count: int
    supported: bool = Field(..., description="the caller has supported it")
    adopted: bool
    adopted_at: datetime | None
    response: str
    topic: TopicRefOut | None
    message: str | None = Field(..., description="tracking number of the public message it became")
    reject_reason: str | None
    original: OriginalSuggestionOut | None
    available_actions: list[str] = Field(..., description="support, publish, reject, adopt")


class SuggestionPageOut(Schema):
    items: list[SuggestionOut]
    next_cursor: str | None


class SuggestionActionOut(Schema):
    """The outcome of an action: the new status, and the suggestion if the caller still sees it."""

    action: str
    status: str
    suggestion: SuggestionOut | None


class TopicOut(Schema):
    id: int
    rank: int
    label: str
    terms: list[str]
    size: int
    representative_ids: list[int]
    sentences: list[str]


class DayCountOut(Schema):
    date: date
    count: int


class RegionCountOut(Schema):
    region: str
    participants: int


class AdoptedOut(Schema):
    id: int
    title: str
    nickname: str
    support_count: int
    response: str
    adopted_at: datetime | None


class ResultsOut(Schema):
    campaign: int
    received: int
    published: int
    participants: int
    adopted_count: int
    by_day: list[DayCountOut]
    by_region: list[RegionCountOut]
    topics: list[TopicOut]
    adopted: list[AdoptedOut]


# --- filling them ---------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What the caller may do in one campaign, looked up once per request, not per row."""

    user: AnyUser
    campaign: Campaign
    is_open: bool
    moderate: bool
    manage: bool
    supported: frozenset[int]

    @property
    def review(self) -> bool:
        return self.moderate or self.manage


def viewer(user: AnyUser, campaign: Campaign, suggestions: list[Suggestion]) -> Viewer:
    return Viewer(
        user=user,
        campaign=campaign,
        is_open=campaign.phase() == Phase.OPEN,
        moderate=permissions.can_moderate(user, campaign),
        manage=permissions.can_manage(user, campaign),
        supported=frozenset(selectors.supported_ids(user, [s.pk for s in suggestions])),
    )


def _campaign_summary(c: Campaign) -> dict[str, object]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "title": c.title,
        "host": ref(c.host),
        "phase": c.phase(),
        "phase_label": c.phase_label,
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "cover_url": c.cover.url if c.cover else None,
    }


def _campaign_detail(user: AnyUser, c: Campaign) -> dict[str, object]:
    v = viewer(user, c, [])
    shown = {
        "submit": v.is_open and bool(user.is_authenticated),
        "review": v.review,
        "moderate": v.moderate,
        "adopt": v.manage,
    }
    return {
        **_campaign_summary(c),
        "description": c.description,
        "domains": [ref(d) for d in c.domains.order_by("sort_order", "pk")],
        "questions": c.questions,
        "topics_computed_at": c.topics_computed_at,
        "available_actions": [name for name, ok in shown.items() if ok],
    }


def _answers(campaign: Campaign, answers: dict[str, str]) -> list[dict[str, str]]:
    labels = {q["key"]: q["label"] for q in campaign.questions}
    return [{"key": k, "label": labels.get(k, k), "value": v} for k, v in answers.items()]


def _suggestion(v: Viewer, s: Suggestion) -> dict[str, object]:
    """A suggestion as the caller may see it: public text for all, the original for insiders."""
    insider = bool(v.user.is_authenticated) and (s.author_id == v.user.pk or v.review)
    own = bool(v.user.is_authenticated) and s.author_id == v.user.pk
    published = s.status == SuggestionStatus.PUBLISHED
    submitted = s.status == SuggestionStatus.SUBMITTED
    shown = {
        "support": published
        and v.is_open
        and bool(v.user.is_authenticated)
        and not own
        and s.pk not in v.supported,
        "publish": submitted and v.moderate,
        "reject": submitted and v.moderate,
        "adopt": published and v.manage,
    }
    public = s.public_message
    return {
        "id": s.pk,
        "campaign": s.campaign_id,
        "status": s.status,
        "status_label": s.get_status_display(),
        "title": s.public_title,
        "body": s.public_body,
        "answers": _answers(v.campaign, s.public_answers),
        "nickname": s.nickname,
        "region": ref(s.region),
        "domain": ref(s.domain),
        "submitted_at": s.submitted_at,
        "published_at": s.published_at,
        "support_count": s.support_count,
        "supported": s.pk in v.supported,
        "adopted": s.adopted,
        "adopted_at": s.adopted_at,
        "response": s.response,
        "topic": {"id": s.topic.pk, "label": s.topic.label} if published and s.topic else None,
        "message": public.tracking_number if public else None,
        "reject_reason": s.reject_reason if insider else None,
        "original": (
            {"title": s.title, "body": s.body, "answers": _answers(v.campaign, s.answers)}
            if insider
            else None
        ),
        "available_actions": [name for name, ok in shown.items() if ok],
    }


def _topic(t: TopicGroup) -> dict[str, object]:
    return {
        "id": t.pk,
        "rank": t.rank,
        "label": t.label,
        "terms": t.label_terms,
        "size": t.size,
        "representative_ids": t.representative_ids,
        "sentences": t.sentences,
    }


def _id_of(model: type[Organization | Region | Domain], code: str | None) -> int | None:
    """The id of a directory object by code; an unknown code becomes the action's field error (-1)."""
    if not code:
        return None
    pk = model.objects.filter(code=code).values_list("pk", flat=True).first()
    return int(pk) if pk is not None else -1


def _aware(at: datetime) -> datetime:
    """A datetime without an offset is taken in the site's time zone."""
    return timezone.make_aware(at) if timezone.is_naive(at) else at


# --- campaigns ----------------------------------------------------------------------------


class CampaignFilters(Schema):
    phase: Literal["open", "upcoming", "closed"] | None = Field(
        None, description="only this phase; all three (closed: latest 50) when absent"
    )


@router.get(
    "/campaigns", response={200: list[CampaignSummaryOut], **ERROR_RESPONSES}, auth=OPTIONAL
)
def list_campaigns(
    request: HttpRequest, filters: Query[CampaignFilters]
) -> list[dict[str, object]]:
    """Open (closing soonest first), upcoming (opening soonest first) and closed campaigns."""
    lists = selectors.campaign_lists()
    phases = [filters.phase] if filters.phase else ["open", "upcoming", "closed"]
    return [_campaign_summary(c) for phase in phases for c in lists[phase]]


class QuestionIn(Schema):
    key: str = Field(..., max_length=30, description="a-z, digits, _; unique")
    label: str = Field(..., max_length=200)
    required: bool = False
    max_length: int = Field(500, ge=1, le=2000)


class CampaignIn(Schema):
    host: str = Field(..., max_length=64, description="code of the host organisation")
    kind: Literal["suggestion", "urgent"] = "suggestion"
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=10000)
    opens_at: datetime
    closes_at: datetime
    domains: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=50, description="domain codes"
    )
    questions: list[QuestionIn] = Field(default_factory=list, max_length=20)


@router.post("/campaigns", response={201: CampaignOut, **ERROR_RESPONSES}, auth=AUTHENTICATED)
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    """Start a campaign (clerks, leaders and admins over the host)."""
    user = signed_in(request)
    campaign = actions.create_campaign(
        actor=user,
        data=actions.CampaignInput(
            host_id=_id_of(Organization, payload.host) or -1,
            title=payload.title,
            description=payload.description,
            opens_at=_aware(payload.opens_at),
            closes_at=_aware(payload.closes_at),
            kind=payload.kind,
            domain_ids=[_id_of(Domain, code) or -1 for code in payload.domains],
            questions=[q.dict() for q in payload.questions],
        ),
    )
    return Status(201, _campaign_detail(user, selectors.get_campaign(campaign.pk)))


@router.get(
    "/campaigns/{campaign_id}", response={200: CampaignOut, **ERROR_RESPONSES}, auth=OPTIONAL
)
def get_campaign(request: HttpRequest, campaign_id: CampaignId) -> dict[str, object]:
    """One campaign with its questions, domains and what the caller may do in it."""
    return _campaign_detail(caller(request), selectors.get_campaign(campaign_id))


@router.get(
    "/campaigns/{campaign_id}/topics",
    response={200: list[TopicOut], **ERROR_RESPONSES},
    auth=OPTIONAL,
)
def list_topics(request: HttpRequest, campaign_id: CampaignId) -> list[dict[str, object]]:
    """Topic groups of the published suggestions, largest first (as last computed)."""
    return [_topic(t) for t in selectors.topic_groups(selectors.get_campaign(campaign_id))]


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
        "topics": [_topic(t) for t in r.topics],
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


# --- suggestions: lists ----------------------------------------------------------------------

_CURSOR = re.compile(r"^(?:(\d{1,18})\.)?(\d{1,18})$")


class SuggestionFilters(Schema):
    scope: Literal["public", "mine", "review"] = Field(
        "public", description="published suggestions, my own, or the review queue (reviewers)"
    )
    sort: Literal["support", "new"] = Field("support", description="most supported or newest")
    status: Literal["submitted", "published", "rejected"] | None = Field(
        None, description="review scope only"
    )
    search: str | None = Field(None, max_length=100, description="review scope: public text")
    cursor: str | None = Field(None, max_length=40, description="next_cursor of the last page")
    limit: int = Field(20, ge=1, le=100)


def _keyset(qs: QuerySet[Suggestion], sort: str, cursor: str | None) -> QuerySet[Suggestion]:
    """Rows after the cursor in the selector's order: (-support_count, -id) or (-id)."""
    if not cursor:
        return qs
    m = _CURSOR.match(cursor)
    if m is None or (sort == "support") != (m.group(1) is not None):
        raise InvalidInput(fields={"cursor": ["翻页标记无效，请从第一页开始"]})
    pk = int(m.group(2))
    if sort == "new":
        return qs.filter(pk__lt=pk)
    support = int(m.group(1))
    return qs.filter(Q(support_count__lt=support) | Q(support_count=support, pk__lt=pk))


def _cursor(s: Suggestion, sort: str) -> str:
    return f"{s.support_count}.{s.pk}" if sort == "support" else str(s.pk)


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
    qs = _keyset(qs.select_related("region", "domain", "message", "topic"), sort, filters.cursor)
    rows = list(qs[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    v = viewer(user, campaign, rows)
    return {
        "items": [_suggestion(v, s) for s in rows],
        "next_cursor": _cursor(rows[-1], sort) if more and rows else None,
    }


# --- suggestions: submit and read --------------------------------------------------------------


class SuggestionIn(Schema):
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=10000)
    answers: dict[Annotated[str, Field(max_length=30)], Annotated[str, Field(max_length=10000)]] = (
        Field(default_factory=dict, description="question key → answer")
    )
    region: str | None = Field(None, max_length=12, description="region code")
    domain: str | None = Field(None, max_length=64, description="one of the campaign's domains")
    nickname: str = Field("", max_length=30)
    idempotency_key: str = Field("", max_length=64)


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
            region_id=_id_of(Region, payload.region),
            domain_id=_id_of(Domain, payload.domain),
            nickname=payload.nickname,
            idempotency_key=payload.idempotency_key,
        ),
    )
    shown = selectors.get_suggestion_for_user(user, s.pk)
    return Status(201, _suggestion(viewer(user, shown.campaign, [shown]), shown))


@router.get(SUGGESTION, response={200: SuggestionOut, **ERROR_RESPONSES}, auth=OPTIONAL)
def get_suggestion(request: HttpRequest, suggestion_id: SuggestionId) -> dict[str, object]:
    """One suggestion: published for all, your own, or any for the campaign's reviewers."""
    user = caller(request)
    s = selectors.get_suggestion_for_user(user, suggestion_id)
    return _suggestion(viewer(user, s.campaign, [s]), s)


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
        "suggestion": _suggestion(viewer(user, s.campaign, [s]), s),
    }


@router.post(SUGGESTION + "/support", response=RESPONSES, auth=AUTHENTICATED)
def support(request: HttpRequest, suggestion_id: SuggestionId) -> dict[str, object]:
    """Support (附议) a published suggestion of someone else while open; again is 409."""
    user = signed_in(request)
    actions.support_suggestion(actor=user, suggestion_id=suggestion_id)
    return _outcome(user, suggestion_id, "support")


class PublishIn(Schema):
    public_title: str | None = Field(None, max_length=200)
    public_body: str | None = Field(None, max_length=10000)


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


class RejectIn(Schema):
    reason: str = Field(..., max_length=2000)


@router.post(SUGGESTION + "/reject", response=RESPONSES, auth=AUTHENTICATED)
def reject(
    request: HttpRequest, suggestion_id: SuggestionId, payload: RejectIn
) -> dict[str, object]:
    """Reject with a reason the author sees (审核不通过); moderators over the host."""
    user = signed_in(request)
    actions.reject_suggestion(actor=user, suggestion_id=suggestion_id, reason=payload.reason)
    return _outcome(user, suggestion_id, "reject")


class AdoptIn(Schema):
    response: str = Field(..., max_length=10000, description="the public response")


@router.post(SUGGESTION + "/adopt", response=RESPONSES, auth=AUTHENTICATED)
def adopt(request: HttpRequest, suggestion_id: SuggestionId, payload: AdoptIn) -> dict[str, object]:
    """Adopt (采纳) a published suggestion with a public response; again edits the response."""
    user = signed_in(request)
    actions.adopt_suggestion(actor=user, suggestion_id=suggestion_id, response=payload.response)
    return _outcome(user, suggestion_id, "adopt")
