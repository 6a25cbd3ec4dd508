"""Reads of campaigns and suggestions, always through the permission funnel.

The public sees campaigns, published suggestions, topic groups and results; authors
see their own suggestions; the host's staff and moderators see the review queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from liuyanban.accounts.models import Role
from liuyanban.accounts.selectors import AnyUser, is_platform_admin, role_paths, subtree_q
from liuyanban.core.errors import NotFound
from liuyanban.lifecycle.models import Message
from liuyanban.organizations.models import Board, Organization, Region

from . import permissions
from .models import (
    Campaign,
    CampaignEvent,
    Suggestion,
    SuggestionStatus,
    TopicGroup,
)

SORTS = {"support": ("-support_count", "-id"), "new": ("-id",)}


def open_campaigns(now: datetime | None = None, limit: int | None = None) -> list[Campaign]:
    """Campaigns accepting suggestions now, closing soonest first (for the home page)."""
    qs = Campaign.objects.open(now).select_related("host").order_by("closes_at", "id")
    return list(qs[:limit] if limit else qs)


def campaign_lists(now: datetime | None = None) -> dict[str, list[Campaign]]:
    """The campaigns page: open, upcoming and closed campaigns."""
    now = now or timezone.now()
    base = Campaign.objects.select_related("host")
    return {
        "open": list(base.open(now).order_by("closes_at", "id")),
        "upcoming": list(base.upcoming(now).order_by("opens_at", "id")),
        "closed": list(base.closed(now).order_by("-closes_at", "-id")[:50]),
    }


def get_campaign(campaign_id: int) -> Campaign:
    """A campaign (campaigns are public), or NotFound."""
    campaign = Campaign.objects.select_related("host").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound()
    return campaign


def get_campaign_for_review(user: AnyUser, campaign_id: int) -> Campaign:
    """A campaign the user may review; NotFound for everyone else (no hint it is reviewable)."""
    campaign = get_campaign(campaign_id)
    if not permissions.can_review(user, campaign):
        raise NotFound()
    return campaign


def public_suggestions(campaign: Campaign, sort: str = "support") -> QuerySet[Suggestion]:
    """Published suggestions of a campaign, most supported or newest first."""
    return (
        Suggestion.objects.filter(campaign=campaign, status=SuggestionStatus.PUBLISHED)
        .select_related("region", "message")
        .order_by(*SORTS.get(sort, SORTS["support"]))
    )


def my_suggestions(user: AnyUser, campaign: Campaign) -> list[Suggestion]:
    """The user's own suggestions in a campaign, whatever their status."""
    if not user.is_authenticated:
        return []
    return list(Suggestion.objects.filter(campaign=campaign, author_id=user.pk).order_by("-id"))


def get_suggestion_for_user(user: AnyUser, suggestion_id: int) -> Suggestion:
    """One suggestion: published for all, own for the author, any for reviewers; else NotFound."""
    s = (
        Suggestion.objects.select_related("campaign__host", "region", "domain", "message", "topic")
        .filter(pk=suggestion_id)
        .first()
    )
    if s is None:
        raise NotFound()
    if s.status == SuggestionStatus.PUBLISHED or permissions.viewer(user, s.campaign).can_see(s):
        return s
    raise NotFound()


def campaign_link_for_message(message: Message) -> Suggestion | None:
    """The published campaign suggestion a message came from (for the message page), if any."""
    if message.source != "campaign":  # only a converted suggestion has one: skip the query
        return None
    return (
        Suggestion.objects.select_related("campaign")
        .filter(message=message, status=SuggestionStatus.PUBLISHED)
        .first()
    )


def topic_groups(campaign: Campaign) -> list[TopicGroup]:
    """The stored topic groups, largest first."""
    return list(TopicGroup.objects.filter(campaign=campaign).order_by("rank"))


def region_choices(campaign: Campaign) -> list[Region]:
    """Regions a participant may name: the host's region and two levels below it."""
    root = campaign.host.region
    if root is None:
        return list(Region.objects.filter(parent__isnull=True)[:100])
    q = Q(pk=root.pk) | Q(parent=root) | Q(parent__parent=root)
    return list(Region.objects.filter(q).order_by("code")[:500])


# ---------------------------------------------------------------------------
# The review queue
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFilters:
    """What a reviewer narrows the queue by."""

    status: str = ""
    adopted: str = ""  # "yes", "no" or ""
    region_id: int | None = None
    domain_id: int | None = None
    topic_id: int | None = None
    similar: int | None = None
    q: str = ""
    sort: str = "new"
    collapse: bool = False  # one row per near-duplicate group


def review_queue(user: AnyUser, campaign: Campaign, f: ReviewFilters) -> QuerySet[Suggestion]:
    """All suggestions of a campaign the user reviews, filtered, searched and sorted."""
    if not permissions.can_review(user, campaign):
        raise NotFound()
    qs = Suggestion.objects.filter(campaign=campaign)
    if f.status in SuggestionStatus.values:
        qs = qs.filter(status=f.status)
    if f.adopted in ("yes", "no"):
        qs = qs.filter(adopted=f.adopted == "yes")
    if f.region_id:
        qs = qs.filter(Q(region_id=f.region_id) | Q(region__parent_id=f.region_id))
    if f.domain_id:
        qs = qs.filter(domain_id=f.domain_id)
    if f.topic_id:
        qs = qs.filter(topic_id=f.topic_id)
    if f.similar:
        qs = qs.filter(similar_group=f.similar)
    if f.q:
        qs = qs.filter(Q(public_title__icontains=f.q) | Q(public_body__icontains=f.q))
    if f.collapse and not f.similar:
        # A group's mark is its smallest id, which is itself a member: show only that one.
        qs = qs.filter(Q(similar_group__isnull=True) | Q(similar_group=F("id")))
    return qs.select_related("region", "domain", "message", "topic").order_by(
        *SORTS.get(f.sort, SORTS["new"])
    )


def similar_counts(suggestions: list[Suggestion]) -> dict[int, int]:
    """Size of the near-duplicate group of each suggestion on a page (one query)."""
    groups = {s.similar_group for s in suggestions if s.similar_group}
    if not groups:
        return {}
    rows = (
        Suggestion.objects.filter(similar_group__in=groups)
        .values("similar_group")
        .annotate(n=Count("id"))
    )
    return {r["similar_group"]: r["n"] for r in rows}


def status_counts(campaign: Campaign) -> dict[str, int]:
    """How many suggestions are in each status, and how many are adopted."""
    rows = Suggestion.objects.filter(campaign=campaign).values("status").annotate(n=Count("id"))
    out = {s: 0 for s in SuggestionStatus.values}
    out.update({r["status"]: r["n"] for r in rows})
    out["adopted"] = Suggestion.objects.filter(campaign=campaign, adopted=True).count()
    out["total"] = sum(out[s] for s in SuggestionStatus.values)
    return out


EXPORT_HEADER = [  # translated when written
    _l("编号"),
    _l("状态"),
    _l("标题"),
    _l("内容"),
    _l("地区"),
    _l("领域"),
    _l("附议数"),
    _l("是否采纳"),
    _l("采纳回应"),
    _l("主题"),
    _l("提交时间"),
    _l("转办留言"),
]


def export_rows(user: AnyUser, campaign: Campaign, f: ReviewFilters) -> Iterator[list[str]]:
    """The review queue as CSV rows (public text only), header first."""
    yield [str(h) for h in EXPORT_HEADER]
    qs = review_queue(user, campaign, f)
    for s in qs.iterator(chunk_size=2000):
        yield [
            str(s.pk),
            s.get_status_display(),
            s.public_title,
            s.public_body,
            s.region.local_name if s.region else "",
            s.domain.local_name if s.domain else "",
            str(s.support_count),
            _("是") if s.adopted else _("否"),
            s.response,
            s.topic.label if s.topic else "",
            timezone.localtime(s.submitted_at).strftime("%Y-%m-%d %H:%M"),
            s.message.tracking_number if s.message else "",
        ]


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    """A campaign's public results."""

    received: int
    published: int
    adopted_count: int
    participants: int
    by_day: list[tuple[date, int]]
    by_region: list[tuple[str, int]]
    topics: list[TopicGroup]
    adopted: list[Suggestion]


# Events that change what the results page shows (supports only change counts inside rows).
RESULT_ACTIONS = ["submit", "publish", "reject", "adopt", "respond", "topics", "edit"]
RESULTS_TTL = 600


def results(campaign: Campaign) -> Results:
    """The results, cached until the next event that changes them (or ten minutes).

    At 62,000 suggestions the by-day and by-region aggregates take about a second on
    SQLite; the page is public and popular when a campaign closes.
    """
    latest = (
        CampaignEvent.objects.filter(campaign=campaign, action__in=RESULT_ACTIONS)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    # created_at too: ids are reused after a rollback (tests) or a restore.
    key = f"campaign-results:{campaign.pk}:{campaign.created_at.timestamp()}:{latest}"
    cached = cache.get(key)
    if not isinstance(cached, Results):
        cached = compute_results(campaign)
        cache.set(key, cached, RESULTS_TTL)
    return cached


def compute_results(campaign: Campaign) -> Results:
    """Counts over time, participants by region, topic groups, adopted suggestions."""
    received = Suggestion.objects.filter(campaign=campaign).exclude(
        status=SuggestionStatus.REJECTED
    )
    by_day = (
        received.annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    by_region = (
        received.values("region__name")
        .annotate(n=Count("author", distinct=True))
        .order_by("-n", "region__name")
    )
    adopted = list(
        public_suggestions(campaign).filter(adopted=True).order_by("-support_count", "-id")[:200]
    )
    return Results(
        received=received.count(),
        published=received.filter(status=SuggestionStatus.PUBLISHED).count(),
        adopted_count=received.filter(adopted=True).count(),
        participants=received.values("author").distinct().count(),
        by_day=[(r["day"], r["n"]) for r in by_day],
        by_region=[(r["region__name"] or _("未填写"), r["n"]) for r in by_region],
        topics=topic_groups(campaign),
        adopted=adopted,
    )


def results_rows(campaign: Campaign) -> Iterator[list[Any]]:
    """The results page as CSV sections: totals, by day, by region, topics, adopted."""
    r = results(campaign)
    yield [_("征集活动"), campaign.title]
    yield [_("收到建言"), r.received]
    yield [_("公开建言"), r.published]
    yield [_("参与人数"), r.participants]
    yield [_("采纳建言"), r.adopted_count]
    yield []
    yield [_("日期"), _("建言数")]
    yield from ([d.isoformat(), n] for d, n in r.by_day)
    yield []
    yield [_("地区"), _("参与人数")]
    yield from ([name, n] for name, n in r.by_region)
    yield []
    yield [_("主题"), _("建言数"), _("代表性观点")]
    yield from ([t.label, t.size, " / ".join(t.sentences)] for t in r.topics)
    yield []
    yield [_("采纳建言编号"), _("标题"), _("附议数"), _("采纳回应")]
    yield from ([s.pk, s.public_title, s.support_count, s.response] for s in r.adopted)


def host_choices(user: AnyUser) -> list[Organization]:
    """Organisations the user may host a campaign for: where they hold a host role, and below."""
    paths = role_paths(user, permissions.HOST_ROLES)
    if is_platform_admin(user):
        paths = [
            *paths,
            *Organization.objects.filter(parent__isnull=True).values_list("path", flat=True),
        ]
    if not paths:
        return []
    roots = Organization.objects.filter(path__in=paths)
    q = Q(pk__in=roots) | Q(parent__in=roots)
    return list(Organization.objects.filter(q).order_by("path")[:300])


def boards_for_conversion(campaign: Campaign) -> list[Board]:
    """Boards a suggestion may be routed to: those of the host organisation and below it."""
    return list(
        Board.objects.filter(organization__path__startswith=campaign.host.path, is_active=True)
        .select_related("organization")
        .order_by("organization__path", "name")[:300]
    )


def suggestions_to_moderate(user: AnyUser) -> QuerySet[Suggestion]:
    """Pending suggestions of every campaign ``user`` moderates, oldest first (the workbench queue)."""
    pending = Suggestion.objects.filter(status=SuggestionStatus.SUBMITTED)
    if not is_platform_admin(user):
        pending = pending.filter(subtree_q(role_paths(user, [Role.MODERATOR]), "campaign__host"))
    return pending.select_related("campaign").order_by("submitted_at", "pk")


def get_suggestion_to_moderate(user: AnyUser, suggestion_id: int) -> Suggestion:
    """A suggestion for its moderator's page: 404 when missing or not theirs to moderate."""
    suggestion = (
        Suggestion.objects.select_related("campaign", "author").filter(pk=suggestion_id).first()
    )
    if suggestion is None or not permissions.can_moderate(user, suggestion.campaign):
        raise NotFound()
    return suggestion
