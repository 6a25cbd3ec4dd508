"""The platform's hot issues: the pure ``HotIssueIndex`` fed by published messages, kept in rows.

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

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from liuyanban.core.progress import Tracker, advance, begin
from liuyanban.lifecycle.models import Message
from liuyanban.lifecycle.selectors import public_messages
from liuyanban.organizations.models import Board, Organization, Region

from ..models import HotIssue, HotIssueMember, HotIssueStatus
from . import places
from .config import hot_config
from .features import HotInput
from .heat import heat
from .index import Group, HotIssueIndex
from .report import describe, place_label
from .selectors import held_ids, public_members
from .warning import is_rising, warn_if_rising

logger = logging.getLogger(__name__)

# Messages published this long before the newest one the index holds are looked at again when
# catching up: transactions commit out of publication order.
CATCH_UP_MARGIN = timedelta(hours=1)


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


def use_platform_names() -> None:
    """Give the place matcher the platform's own region, organisation and board names."""
    places.use_names(
        regions=Region.objects.values_list("name", flat=True),
        names=[
            *Organization.objects.values_list("name", flat=True),
            *Board.objects.values_list("name", flat=True),
        ],
    )


def _build(now: datetime) -> _State:
    global _state
    use_platform_names()
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


def refresh_issue(issue: HotIssue, *, now: datetime) -> HotIssue:
    """Recompute heat, counts, responsible office, status and the rising flag from the rows."""
    messages = public_members(issue)
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
    use_platform_names()
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
