"""What the intelligence shows staff: predictions, findings, duplicates, routing suggestions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from liuyanban.core.rowcache import Memo
from liuyanban.core.text.chinese import is_keyword
from liuyanban.lifecycle.models import Assignment, AssignmentRole, AssignmentState, Message
from liuyanban.organizations.models import Organization, OrgKind
from liuyanban.taxonomy.models import Domain, Kind

from .lexicon import message_keywords
from .models import (
    DuplicateLink,
    HotIssueFeedback,
    HotIssueVerdict,
    LinkState,
    MessageInsight,
    Prediction,
    QualityFeedback,
    QualityVerdict,
)
from .routing import Case, RoutingModel, Suggestion

HISTORY_LIMIT = 5000
_CACHE_SECONDS = 600


@dataclass(frozen=True)
class SuggestionView:
    """A prediction as staff read it: the category's own name and a plain confidence."""

    target: str
    label: str
    confidence: str
    confirmed_label: str


def _confidence_words(confidence: float) -> str:
    # Staff act on a plain judgement, not on a calibrated figure with two decimals.
    percent = round(confidence * 100)
    if confidence >= 0.8:
        return _("把握较大（%(p)s%%）") % {"p": percent}
    if confidence >= 0.5:
        return _("把握一般（%(p)s%%）") % {"p": percent}
    return _("把握较小（%(p)s%%）") % {"p": percent}


def _category_names(predictions: list[Prediction]) -> dict[tuple[str, str], str]:
    codes = {c for p in predictions for c in (p.code, p.confirmed_code) if c}
    names: dict[tuple[str, str], str] = {}
    # In the reader's language: 住房 for a Chinese page, "Real estate" for an English one.
    for domain in Domain.objects.filter(code__in=codes):
        names["domain", domain.code] = domain.local_name
    for kind in Kind.objects.filter(code__in=codes):
        names["kind", kind.code] = kind.local_name
    return names


def suggestion_views(predictions: list[Prediction]) -> list[SuggestionView]:
    """The predictions with names instead of codes; model versions stay in the admin."""
    names = _category_names(predictions)
    return [
        SuggestionView(
            target=p.target,
            label=names.get((p.target, p.code), p.code),
            confidence=_confidence_words(p.confidence),
            confirmed_label=names.get((p.target, p.confirmed_code), p.confirmed_code)
            if p.confirmed_code
            else "",
        )
        for p in predictions
    ]


@dataclass(frozen=True)
class Intelligence:
    """Everything the moderation and office screens show about one message."""

    predictions: list[Prediction]
    suggestions: list[SuggestionView]
    insight: MessageInsight | None
    duplicates: list[DuplicateLink]


def for_message(message: Message) -> Intelligence:
    """The stored intelligence of a message (computed in the background at intake)."""
    predictions = list(Prediction.objects.filter(message=message).order_by("target"))
    return Intelligence(
        predictions=predictions,
        suggestions=suggestion_views(predictions),
        insight=MessageInsight.objects.filter(message=message).first(),
        duplicates=list(
            DuplicateLink.objects.filter(message=message, state=LinkState.SUGGESTED).select_related(
                "candidate"
            )[:5]
        ),
    )


def candidate_units(office: Organization) -> list[Organization]:
    """Units an office may assign to: its departments, or its region government's for a party body."""
    units = list(office.children.filter(kind=OrgKind.DEPARTMENT, is_active=True))
    if not units and office.region_id is not None:
        gov = Organization.objects.filter(
            region_id=office.region_id, kind=OrgKind.GOVERNMENT
        ).first()
        if gov is not None:
            units = list(gov.children.filter(kind=OrgKind.DEPARTMENT, is_active=True))
    return units


def _words_of_search_text(text: str) -> list[str]:
    """Content words of an indexed text, for messages analysed before keywords were stored.

    The index holds jieba's search-mode words, sub-words included ("长沙市" also gives
    "沙市"): a word inside a longer word of the same text is dropped.
    """
    words = list(dict.fromkeys(w for w in text.split() if is_keyword(w)))
    return [w for w in words if not any(w != o and w in o for o in words)]


def _history(office_id: int) -> list[Case]:
    """The office's recent lead assignments: accepted ones teach, returned ones warn."""
    rows = (
        Assignment.objects.filter(from_org_id=office_id, role=AssignmentRole.LEAD)
        .exclude(state=AssignmentState.CANCELLED)
        .order_by("-id")
        .values_list(
            "to_org_id",
            "state",
            "message__domain_id",
            "message__region_id",
            "message__insight__keywords",
            "message__search_text",
        )[:HISTORY_LIMIT]
    )
    return [
        Case(
            domain=domain,
            words=words if words else _words_of_search_text(text or ""),
            unit=unit,
            region=region,
            returned=state == AssignmentState.RETURNED,
        )
        for unit, state, domain, region, words, text in rows
    ]


def _fit_routing(office_id: int) -> RoutingModel:
    return RoutingModel().fit(_history(office_id))


# The model is never changed after fitting: every caller may share it.
_models: Memo[int, RoutingModel] = Memo(
    "routing_model", _fit_routing, ttl=_CACHE_SECONDS, size=256, copier=lambda model: model
)


def routing_model(office: Organization) -> RoutingModel:
    """The office's routing model, refitted at most every ten minutes per process."""
    model = _models.get(office.pk)
    assert model is not None  # a fit always returns a model
    return model


def routing_suggestions(message: Message, k: int = 3) -> list[dict[str, Any]]:
    """The top ``k`` units for the assign dialog, with scores and reasons."""
    units = candidate_units(message.office)
    if not units:
        return []
    declared: dict[int, set[int]] = {}
    for unit_id, domain_id in Organization.domains.through.objects.filter(
        Q(organization__in=units)
    ).values_list("organization_id", "domain_id"):
        declared.setdefault(unit_id, set()).add(domain_id)
    ranked: list[Suggestion] = routing_model(message.office).suggest(
        domain=message.domain_id,
        words=message_keywords(
            message.public_title or message.title, message.public_body or message.body
        ),
        candidates=[u.pk for u in units],
        declared=declared,
        region=message.region_id,
        k=k,
    )
    by_id = {u.pk: u for u in units}
    return [{"unit": by_id[s.unit], "score": s.score, "reasons": list(s.reasons)} for s in ranked]


@dataclass(frozen=True)
class SimilarMessage:
    """A published message that reads like another text, with the estimated similarity."""

    message: Message
    score: float


SIMILAR_MIN_CHARS = 15


def similar_published(
    *, text: str = "", message: Message | None = None, k: int = 5
) -> list[SimilarMessage]:
    """Published near-duplicates of ``message`` or of a ``text`` being written.

    The one lookup behind the write form's hint, its preview, the moderation page and the
    public page: all read the same stored band index (``duplicates``), so they agree.
    A text shorter than ``SIMILAR_MIN_CHARS`` characters asks nothing (too little to compare).
    """
    from . import dedup, duplicates

    if message is not None:
        sig = duplicates.stored_or_computed(message)
        exclude = [message.pk]
    else:
        if len(text.strip()) < SIMILAR_MIN_CHARS:
            return []
        sig = dedup.signature(text)
        exclude = []
    found = duplicates.similar(sig, exclude=exclude, public_only=True, k=k)
    return [SimilarMessage(m, score) for m, score in found]


# ---------------------------------------------------------------------------
# What staff marked as wrong (hot issues and reply-quality scores)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackCount:
    """How many marks of one verdict."""

    kind: str
    verdict: str
    label: str
    count: int


@dataclass(frozen=True)
class FeedbackReport:
    """Counts per kind and verdict, and the latest marked items."""

    counts: list[FeedbackCount]
    issue_marks: list[HotIssueFeedback]
    quality_marks: list[QualityFeedback]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.counts)


def feedback_report(limit: int = 100) -> FeedbackReport:
    """What staff marked as wrong, for the next round of improvements."""
    issue_counts = Counter(HotIssueFeedback.objects.values_list("verdict", flat=True))
    quality_counts = Counter(QualityFeedback.objects.values_list("verdict", flat=True))
    counts = [
        FeedbackCount("hot_issue", v.value, str(v.label), issue_counts[v.value])
        for v in HotIssueVerdict
    ] + [
        FeedbackCount("reply_quality", v.value, str(v.label), quality_counts[v.value])
        for v in QualityVerdict
    ]
    return FeedbackReport(
        counts=counts,
        issue_marks=list(
            HotIssueFeedback.objects.select_related("issue", "user").order_by("-created_at")[:limit]
        ),
        quality_marks=list(
            QualityFeedback.objects.select_related("message", "user").order_by("-created_at")[
                :limit
            ]
        ),
    )
