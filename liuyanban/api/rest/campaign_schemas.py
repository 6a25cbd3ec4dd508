"""The campaigns API's schemas: what it reads (ids, filters, bodies) and what it answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Path, Schema

from liuyanban.organizations.models import Organization, Region
from liuyanban.taxonomy.models import Domain

from .schemas import RefOut

ID_MAX = 2**63 - 1  # larger ids cannot be stored, and SQLite raises on them
CampaignId = Annotated[int, Path(..., ge=1, le=ID_MAX)]
SuggestionId = Annotated[int, Path(..., ge=1, le=ID_MAX)]


# --- answers --------------------------------------------------------------------------


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


# --- requests ---------------------------------------------------------------------------


class CampaignFilters(Schema):
    phase: Literal["open", "upcoming", "closed"] | None = Field(
        None, description="only this phase; all three (closed: latest 50) when absent"
    )


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


class SuggestionFilters(Schema):
    scope: Literal["public", "mine", "review"] = Field(
        "public", description="published suggestions, my own, or the review queue (reviewers)"
    )
    sort: Literal["support", "new"] = Field("support", description="most supported or newest")
    status: Literal["submitted", "published", "rejected"] | None = Field(
        None, description="review scope only"
    )
    search: str | None = Field(None, max_length=100, description="review scope: public text")
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the last page")
    limit: int = Field(20, ge=1, le=100)


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


class PublishIn(Schema):
    public_title: str | None = Field(None, max_length=200)
    public_body: str | None = Field(None, max_length=10000)


class RejectIn(Schema):
    reason: str = Field(..., max_length=2000)


class AdoptIn(Schema):
    response: str = Field(..., max_length=10000, description="the public response")


def id_of(model: type[Organization | Region | Domain], code: str | None) -> int | None:
    """The id of a directory object by code; an unknown code becomes the action's field error (-1)."""
    if not code:
        return None
    pk = model.objects.filter(code=code).values_list("pk", flat=True).first()
    return int(pk) if pk is not None else -1


def aware(at: datetime) -> datetime:
    """A datetime without an offset is taken in the site's time zone."""
    return timezone.make_aware(at) if timezone.is_naive(at) else at
