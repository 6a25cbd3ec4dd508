"""Hot issues in the platform: the pure ``HotIssueIndex`` fed by published messages, kept in rows.

Where the index lives: in the worker process (``_state``). It is built lazily from the
published messages of the last ``HOT_ISSUES["days"]`` days the first time a worker needs it,
then grows with ``add`` for every "approve" event (task ``update_hot_issue``), and is rebuilt
once a day so that its IDF and memory follow the window. Nothing of the index is stored:
``HotIssue`` and ``HotIssueMember`` rows are its *output*. A group is matched to its row by
membership (the row holding most of the group's messages keeps its id), so issue ids and
their links stay stable across workers, daily rebuilds and ``manage.py rebuild_hot_issues``.
Before a group is written, its members are checked against the database (id and
publication time); a mismatch (a rolled-back or deleted message) rebuilds the index.

Several workers each hold an index and may group a borderline message differently; the
row keeps every member it was given until a full rebuild (``exact`` sync) tidies it up.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liuyanban.accounts.models import Role, User
from liuyanban.accounts.selectors import AnyUser, role_paths, subtree_q
from liuyanban.core.errors import InvalidInput, NotFound, NotPermitted
from liuyanban.core.progress import Tracker, advance, begin
from liuyanban.lifecycle.models import Message, Reply
from liuyanban.lifecycle.permissions import is_insider
from liuyanban.lifecycle.selectors import get_message_for_user, public_messages
from liuyanban.notifications.actions import notify

from .hot import HotInput, HotIssueIndex, heat
from .hot.index import Group
from .hot.report import describe, place_label
from .models import (
    HotIssue,
    HotIssueFeedback,
    HotIssueMember,
    HotIssueStatus,
    HotIssueVerdict,
    QualityFeedback,
    QualityVerdict,
)
from .replyquality import ReplyQuality

logger = logging.getLogger(__name__)

HOT_DEFAULTS: dict[str, Any] = {"days": 90, "min_messages": 2, "rebuild_hours": 24}
WARNING_DEFAULTS: dict[str, Any] = {"days": 7, "min_messages": 3, "growth": 1.5}
# Messages published this long before the newest one the index holds are looked at again when
# catching up: transactions commit out of publication order.
CATCH_UP_MARGIN = timedelta(hours=1)


def hot_config() -> dict[str, Any]:
    """``settings.LIUYANBAN["HOT_ISSUES"]`` over the defaults (window days, minimum size)."""
    return {**HOT_DEFAULTS, **settings.LIUYANBAN.get("HOT_ISSUES", {})}


def warning_config() -> dict[str, Any]:
    """``settings.LIUYANBAN["HOT_WARNING"]`` over the defaults (未诉先办 thresholds)."""
    return {**WARNING_DEFAULTS, **settings.LIUYANBAN.get("HOT_WARNING", {})}


# ---------------------------------------------------------------------------
# Messages as the index sees them
# ---------------------------------------------------------------------------


def source_messages(since: datetime) -> QuerySet[Message]:
    """Published, not merged messages of the window, in publication order (public text only)."""
    return (
        public_messages()
        .filter(published_at__isnull=False, published_at__gte=since)
        .order_by("published_at", "pk")
    )


def naive(moment: datetime) -> datetime:
    """UTC without a zone: the pure index compares plain datetimes."""
    return timezone.make_naive(moment, UTC) if timezone.is_aware(moment) else moment


def to_input(message: Message) -> HotInput:
    """The public side of a message: public title and body, publication time, author, likes."""
    assert message.published_at is not None
    return HotInput(
        id=message.pk,
        title=message.public_title,
        body=message.public_body,
        at=naive(message.published_at),
        author=str(message.author_id) if message.author_id else f"m{message.pk}",
        likes=message.support_count,
    )


# ---------------------------------------------------------------------------
# The process-level index
# ---------------------------------------------------------------------------


@dataclass
class _State:
    index: HotIssueIndex
    built_at: datetime
    seen: dict[int, datetime] = field(default_factory=dict)

    def watermark(self) -> datetime | None:
        return max(self.seen.values(), default=None)


_state: _State | None = None
_lock = threading.RLock()


def reset_index() -> None:
    """Forget the process index; the next use rebuilds it from the database."""
    global _state
    with _lock:
        _state = None


def _build(now: datetime) -> _State:
    global _state
    since = now - timedelta(days=hot_config()["days"])
    inputs = [to_input(m) for m in source_messages(since)]
    index = HotIssueIndex()
    index.rebuild(inputs)
    _state = _State(index=index, built_at=now, seen={m.id: m.at for m in inputs})
    return _state


def _current(now: datetime) -> _State:
    """The process index, built when missing or older than ``rebuild_hours``."""
    age = timedelta(hours=hot_config()["rebuild_hours"])
    if _state is None or now - _state.built_at > age:
        return _build(now)
    return _state


def _catch_up(state: _State) -> None:
    """Add messages other workers published since this index last looked."""
    mark = state.watermark()
    if mark is None:
        return
    for message in source_messages(timezone.make_aware(mark, UTC) - CATCH_UP_MARGIN):
        if message.pk not in state.seen:
            _add(state, message)


def _add(state: _State, message: Message) -> int:
    item = to_input(message)
    state.seen[item.id] = item.at
    return state.index.add(item)


def _consistent(group: Group) -> bool:
    """True when every member still exists with the publication time the index holds."""
    ids = [m.id for m in group.members]
    stored = dict(Message.objects.filter(pk__in=ids).values_list("pk", "published_at"))
    return all(
        p is not None and naive(p) == m.at
        for m, p in ((m, stored.get(m.id)) for m in group.members)
    )


def _group_of(message: Message, now: datetime) -> Group:
    """The message's group in the process index, adding it (and any missed messages) first."""
    state = _current(now)
    _catch_up(state)
    assert message.published_at is not None
    if state.seen.get(message.pk) != naive(message.published_at):
        if message.pk in state.seen:  # same id, other message: the index is stale
            state = _build(now)
        else:
            _add(state, message)
    group = state.index.groups[state.index.group_of[message.pk]]
    if not _consistent(group):
        state = _build(now)
        group = state.index.groups[state.index.group_of[message.pk]]
    return group


def add_published(message_id: int, *, now: datetime | None = None) -> HotIssue | None:
    """Put a newly published message into its issue; update the row and warn when it rises."""
    now = now or timezone.now()
    message = public_messages().filter(pk=message_id, published_at__isnull=False).first()
    if message is None:
        return None
    with _lock:
        group = _group_of(message, now)
        issue = sync_group(group, now=now)
    if issue is not None:
        warn_if_rising(issue, now=now)
    return issue


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


@transaction.atomic
def sync_group(group: Group, *, now: datetime, exact: bool = False) -> HotIssue | None:
    """Write a group as a ``HotIssue`` (re-using the row holding most of its messages).

    ``exact`` also drops members the group no longer has (a full rebuild); otherwise a row
    only gains members. Returns None while the group is too small to be an issue.
    """
    ids = set(
        public_messages().filter(pk__in=[m.id for m in group.members]).values_list("pk", flat=True)
    )
    if len(ids) < hot_config()["min_messages"]:
        return None
    held = Counter(
        HotIssueMember.objects.filter(message_id__in=ids).values_list("issue_id", flat=True)
    )
    issue = _pick_issue(held, group, now)
    HotIssueMember.objects.filter(message_id__in=ids).exclude(issue=issue).update(issue=issue)
    HotIssueMember.objects.bulk_create(
        [HotIssueMember(issue=issue, message_id=pk) for pk in ids - set(held_ids(issue))],
        ignore_conflicts=True,
    )
    if exact:
        issue.members.exclude(message_id__in=ids).delete()
    issue.label = place_label(group)[:100]
    issue.description = describe(group)[:200]
    refresh_issue(issue, now=now)
    for other in HotIssue.objects.filter(pk__in=set(held) - {issue.pk}):
        refresh_issue(other, now=now)
    return issue


def held_ids(issue: HotIssue) -> list[int]:
    """Message ids of an issue's member rows."""
    return list(issue.members.values_list("message_id", flat=True))


def _pick_issue(held: Counter[int], group: Group, now: datetime) -> HotIssue:
    """The row holding most of the group's messages (oldest on a tie), or a new row."""
    if held:
        best = min(held.items(), key=lambda item: (-item[1], item[0]))[0]
        return HotIssue.objects.select_for_update().get(pk=best)
    return HotIssue.objects.create(
        label=place_label(group)[:100],
        first_at=timezone.make_aware(group.first, UTC),
        last_at=timezone.make_aware(group.last, UTC),
        computed_at=now,
    )


def _members(issue: HotIssue) -> list[Message]:
    return list(public_messages().filter(hot_membership__issue=issue).order_by("published_at"))


def refresh_issue(issue: HotIssue, *, now: datetime) -> HotIssue:
    """Recompute heat, counts, responsible office, status and the rising flag from the rows."""
    messages = _members(issue)
    inputs = [to_input(m) for m in messages]
    times = [m.published_at for m in messages if m.published_at is not None]
    window = timedelta(days=hot_config()["days"])
    issue.computed_at = now
    issue.message_count = len(inputs)
    if len(inputs) < hot_config()["min_messages"] or max(times) < now - window:
        issue.status = HotIssueStatus.CLOSED
        issue.rising = False
        issue.save()
        return issue
    issue.status = HotIssueStatus.ACTIVE
    issue.heat = heat(inputs, naive(now)).score
    issue.first_at = min(times)
    issue.last_at = max(times)
    issue.author_count = len({m.author for m in inputs})
    issue.supports = sum(m.likes for m in inputs)
    issue.office_id = _most_common(m.office_id for m in messages)
    issue.region_id = _most_common(m.region_id for m in messages)
    issue.rising = is_rising(times, now)
    issue.save()
    return issue


def _most_common(values: Iterable[int | None]) -> int | None:
    counts = Counter(v for v in values if v is not None)
    return counts.most_common(1)[0][0] if counts else None


def is_rising(times: list[datetime], now: datetime) -> bool:
    """At least ``min_messages`` in the last ``days`` and ``growth`` times the period before."""
    cfg = warning_config()
    span = timedelta(days=cfg["days"])
    recent = sum(1 for t in times if now - span < t <= now)
    before = sum(1 for t in times if now - 2 * span < t <= now - span)
    return recent >= cfg["min_messages"] and recent > before and recent >= cfg["growth"] * before


def rerank() -> int:
    """Number the active issues by heat (1 = hottest); closed ones lose their rank."""
    HotIssue.objects.filter(status=HotIssueStatus.CLOSED).exclude(rank=None).update(rank=None)
    active = list(HotIssue.objects.filter(status=HotIssueStatus.ACTIVE).order_by("-heat", "pk"))
    for position, issue in enumerate(active, start=1):
        issue.rank = position
    HotIssue.objects.bulk_update(active, ["rank"])
    return len(active)


def refresh_all(*, now: datetime | None = None) -> int:
    """Recompute every active issue at ``now`` (heat decays with time), warn, and re-rank."""
    now = now or timezone.now()
    for issue in HotIssue.objects.filter(status=HotIssueStatus.ACTIVE):
        refresh_issue(issue, now=now)
        warn_if_rising(issue, now=now)
    return rerank()


@dataclass(frozen=True)
class RebuildResult:
    """What a full rebuild did."""

    messages: int
    groups: int
    issues: int


def rebuild(
    *, days: int | None = None, now: datetime | None = None, tracker: Tracker | None = None
) -> RebuildResult:
    """Regroup the published messages of the last ``days`` and rewrite the rows to match.

    ``tracker`` (a progress bar) counts the groups written, the long part after grouping.
    """
    global _state
    now = now or timezone.now()
    since = now - timedelta(days=days or hot_config()["days"])
    inputs = [to_input(m) for m in source_messages(since)]
    index = HotIssueIndex()
    index.rebuild(inputs)
    with _lock:
        _state = _State(index=index, built_at=now, seen={m.id: m.at for m in inputs})
    touched: set[int] = set()
    groups = list(index.groups.values())
    begin(tracker, len(groups))
    for group in groups:
        advance(tracker)
        issue = sync_group(group, now=now, exact=True)
        if issue is not None:
            touched.add(issue.pk)
    in_window = [m.id for m in inputs]
    HotIssueMember.objects.filter(message_id__in=in_window).exclude(issue_id__in=touched).delete()
    for issue in HotIssue.objects.filter(status=HotIssueStatus.ACTIVE).exclude(pk__in=touched):
        refresh_issue(issue, now=now)
    rerank()
    return RebuildResult(messages=len(inputs), groups=len(index.groups), issues=len(touched))


# ---------------------------------------------------------------------------
# Early warning (未诉先办)
# ---------------------------------------------------------------------------


def issue_url(issue: HotIssue) -> str:
    """The public page of an issue ("" when the web pages are not installed)."""
    try:
        return reverse("web:hot_issue", args=[issue.pk])
    except NoReverseMatch:
        return ""


@transaction.atomic
def warn_if_rising(issue: HotIssue, *, now: datetime) -> bool:
    """Notify the responsible office's clerks of a rising issue, at most once a week per issue."""
    if not issue.rising or issue.office_id is None:
        return False
    week_ago = now - timedelta(days=7)
    # The conditional update is the lock: of two workers only one changes the row.
    won = (
        HotIssue.objects.filter(pk=issue.pk)
        .filter(Q(warned_at__isnull=True) | Q(warned_at__lte=week_ago))
        .update(warned_at=now)
    )
    if not won:
        return False
    issue.warned_at = now
    days = warning_config()["days"]
    recent = issue.members.filter(message__published_at__gt=now - timedelta(days=days)).count()
    clerks = User.objects.filter(
        memberships__organization_id=issue.office_id, memberships__role=Role.CLERK, is_active=True
    ).distinct()
    text = _(
        "热点预警（未诉先办）：“%(label)s”近 %(days)d 日有 %(n)d 条留言，呈上升趋势——%(desc)s"
    ) % {
        "label": issue.label,
        "days": days,
        "n": recent,
        "desc": issue.description,
    }
    notify(users=clerks, verb="hot_warning", text=text, url=issue_url(issue))
    return True


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------


def active_issues() -> QuerySet[HotIssue]:
    """Issues shown to the public, hottest first."""
    return HotIssue.objects.filter(
        status=HotIssueStatus.ACTIVE, message_count__gte=hot_config()["min_messages"]
    ).order_by("-heat", "pk")


def get_issue(issue_id: int) -> HotIssue:
    """One issue (active or closed); ``NotFound`` when missing."""
    issue = HotIssue.objects.select_related("office", "region").filter(pk=issue_id).first()
    if issue is None:
        raise NotFound()
    return issue


def public_members(issue: HotIssue) -> list[Message]:
    """The issue's public messages, oldest first."""
    return _members(issue)


def members_of(issues: list[HotIssue], per_issue: int = 10) -> list[tuple[HotIssue, Message]]:
    """(issue, message) rows of the detail table: up to ``per_issue`` messages per issue."""
    rows: list[tuple[HotIssue, Message]] = []
    for issue in issues:
        rows.extend((issue, m) for m in _members(issue)[:per_issue])
    return rows


def issues_for_supervisor(user: AnyUser, limit: int = 10) -> list[HotIssue]:
    """The hottest active issues whose responsible office lies under the supervisor's bodies."""
    paths = role_paths(user, [Role.SUPERVISOR])
    if not paths:
        return []
    return list(active_issues().filter(subtree_q(paths, "office")).select_related("office")[:limit])


def is_staff_member(user: AnyUser) -> bool:
    """Users with any role at any organisation (citizens have none)."""
    return bool(role_paths(user, list(Role.values)))


def can_read_feedback(user: AnyUser) -> bool:
    """Analysts and supervisors read the feedback report."""
    return bool(role_paths(user, [Role.ANALYST, Role.SUPERVISOR, Role.ADMIN]))


# ---------------------------------------------------------------------------
# Feedback: staff mark a hot issue or a quality score as wrong
# ---------------------------------------------------------------------------


def _clean_note(note: str) -> str:
    note = note.strip()
    if len(note) > 500:
        raise InvalidInput(fields={"note": [_("说明不能超过 500 字")]})
    return note


@transaction.atomic
def record_issue_feedback(
    *, actor: User, issue_id: int, verdict: str, note: str = ""
) -> HotIssueFeedback:
    """Keep a staff member's mark that an issue is wrong, with a snapshot of the issue."""
    if not is_staff_member(actor):
        raise NotFound()
    issue = get_issue(issue_id)
    if verdict not in HotIssueVerdict.values:
        raise InvalidInput(fields={"verdict": [_("请选择问题类型")]})
    snapshot = {
        "label": issue.label,
        "description": issue.description,
        "heat": issue.heat,
        "messages": held_ids(issue),
    }
    return HotIssueFeedback.objects.create(
        issue=issue, user=actor, verdict=verdict, note=_clean_note(note), snapshot=snapshot
    )


def quality_scores(quality: ReplyQuality) -> dict[str, Any]:
    """The scores as shown on the page, for storing with a mark."""
    return {
        "overall": quality.overall,
        "relevance": quality.relevance,
        "completeness": quality.completeness,
        "interpretability": quality.interpretability,
        "timeliness": quality.timeliness,
        "perfunctory": quality.perfunctory,
        "missing": list(quality.missing),
    }


@transaction.atomic
def record_quality_feedback(
    *,
    actor: User,
    message_id: int,
    verdict: str,
    quality: ReplyQuality,
    reply_id: int | None = None,
    text: str = "",
    note: str = "",
) -> QualityFeedback:
    """Keep a staff member's mark that a reply-quality score is wrong, with the scores shown."""
    if not is_staff_member(actor):
        raise NotFound()
    message = get_message_for_user(actor, pk=message_id)
    # Seeing a message (an analyst does) is not handling it: marks come from its handlers.
    if not is_insider(actor, message):
        raise NotPermitted(_("只有办理本留言的工作人员可以对回复评分提出纠错"))
    reply = None
    if reply_id is not None:
        reply = Reply.objects.filter(pk=reply_id, message=message).first()
        if reply is None:
            raise NotFound()
    if verdict not in QualityVerdict.values:
        raise InvalidInput(fields={"verdict": [_("请选择问题类型")]})
    return QualityFeedback.objects.create(
        message=message,
        reply=reply,
        text="" if reply else text[:5000],
        scores=quality_scores(quality),
        user=actor,
        verdict=verdict,
        note=_clean_note(note),
    )


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
