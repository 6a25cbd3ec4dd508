"""Keeping the rollups right: fold a message's current state into its contribution.

The same function, ``contribution``, feeds the incremental path (one message,
after each of its events) and the rebuild (all messages), so the two cannot
disagree. Incremental updates apply only the difference between the message's
new contribution and the one stored in ``MessageFact``; a replayed or duplicated
event therefore adds nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, reset_queries, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from liuyanban.lifecycle.models import (
    ANSWERED_STATUSES,
    Evaluation,
    Event,
    Extension,
    ExtensionState,
    Message,
    Status,
)
from liuyanban.lifecycle.workdays import working_days_between
from liuyanban.organizations.models import Region
from liuyanban.supervision.models import SupervisionOrder

from .models import ALL_COLUMNS, DIMENSIONS, HIST_BUCKETS, Cursor, Grain, MessageFact, Rollup

CURSOR = "rollups"
FOLD_BATCH = 1000
# An event id skipped by the cursor is waited for this long (seconds), then forgotten.
GAP_WAIT = 600
MAX_GAP = 1000
# Messages a rebuild reads and writes at a time: memory grows with it (a few KB a
# message), not with the table; larger batches write each month cube row less often.
REBUILD_BATCH = 10_000
logger = logging.getLogger(__name__)
Values = dict[str, int]


@dataclass(frozen=True)
class Key:
    """Where a message's contribution lands: its submission day and its dimensions."""

    day: date
    office_id: int
    unit_id: int
    board_id: int
    domain_id: int
    kind_id: int
    region_id: int

    def dims(self) -> dict[str, int]:
        return {d: getattr(self, d) for d in DIMENSIONS}

    def rows(self) -> list[tuple[str, date, tuple[int, ...]]]:
        """The (grain, period, dims) rows this key feeds: its day, its month, the four cubes.

        Dimension order: office, unit, board, domain, kind, region.
        """
        month = self.day.replace(day=1)
        full = tuple(getattr(self, d) for d in DIMENSIONS)
        top = top_region(self.region_id)
        return [
            (Grain.DAY, self.day, full),
            (Grain.MONTH, month, full),
            (Grain.KIND, month, (0, 0, 0, 0, self.kind_id, 0)),
            (Grain.DOMAIN_REGION, month, (0, 0, 0, self.domain_id, 0, top)),
            (Grain.BOARD, month, (0, 0, self.board_id, 0, 0, 0)),
            (Grain.OFFICE, month, (self.office_id, 0, 0, 0, 0, 0)),
        ]


@lru_cache(maxsize=1)
def _region_parents() -> dict[int, int | None]:
    return dict(Region.objects.values_list("pk", "parent_id"))


def top_region(region_id: int) -> int:
    """The top-level region (a province) above ``region_id``; 0 for none."""
    if not region_id:
        return 0
    parents = _region_parents()
    if region_id not in parents:  # a region added since the cache was filled
        _region_parents.cache_clear()
        parents = _region_parents()
    node = region_id
    while parents.get(node) is not None:
        node = parents[node]  # type: ignore[assignment]
    return node


def _local(value: datetime) -> date:
    return timezone.localdate(value)


def bucket(days: int) -> int:
    """Histogram bucket of a working-day count (60 holds everything from 60 up)."""
    return max(0, min(days, HIST_BUCKETS - 1))


def key_of(message: Message) -> Key:
    """The row key of a message: its submission day and where it stands now."""
    return Key(
        day=_local(message.submitted_at),
        office_id=message.office_id,
        unit_id=message.unit_id or 0,
        board_id=message.board_id,
        domain_id=message.domain_id,
        kind_id=message.kind_id,
        region_id=message.region_id or 0,
    )


def _flags(m: Message) -> Values:
    """Yes/no counts: one message counts at most once in each."""
    flags = {
        "received": True,
        "published": m.published_at is not None,
        "rejected": m.status == Status.REJECTED,
        "merged": m.status == Status.MERGED,
        "accepted": m.accepted_at is not None,
        "returned": m.return_count > 0,
        "replied": m.replied_at is not None,
        "answered": m.status in ANSWERED_STATUSES,
        "closed": m.status == Status.CLOSED,
        "reopened": m.reopen_count > 0,
    }
    return {k: 1 for k, v in flags.items() if v}


def _timing(m: Message) -> Values:
    """Working days to first and final reply, and whether the final one was on time."""
    out: Values = {}
    submitted = _local(m.submitted_at)
    if m.first_reply_at is not None:
        days = working_days_between(submitted, _local(m.first_reply_at))
        out.update({"first_n": 1, "first_days": days, f"hf{bucket(days)}": 1})
    # Only a message whose final reply stands (not reopened since) has a final timing.
    if m.status in ANSWERED_STATUSES and m.replied_at is not None:
        replied = _local(m.replied_at)
        days = working_days_between(submitted, replied)
        out.update({"final_n": 1, "final_days": days, f"hl{bucket(days)}": 1})
        # reply_due is the deadline in force: it already includes an approved extension.
        if m.reply_due is not None and replied <= m.reply_due:
            out["on_time"] = 1
    return out


def _ratings(evaluations: Iterable[Evaluation]) -> Values:
    out: Values = defaultdict(int)
    for e in evaluations:
        out["eval_n"] += 1
        out["solved_sum"] += e.solved
        out["attitude_sum"] += e.attitude
        out["speed_sum"] += e.speed
        # "Rated 4–5": the mean of the three scales is at least 4.
        if e.solved + e.attitude + e.speed >= 12:
            out["good_n"] += 1
    return dict(out)


def _supervision(orders: Iterable[SupervisionOrder]) -> Values:
    out: Values = defaultdict(int)
    for o in orders:
        out["sup_issued"] += 1
        if o.responded_at is not None:
            out["sup_answered"] += 1
    return dict(out)


def contribution(
    message: Message,
    evaluations: Iterable[Evaluation],
    orders: Iterable[SupervisionOrder],
    extensions: Iterable[Extension],
) -> Values:
    """Everything one message adds to its rollup rows, from its current state."""
    values = {**_flags(message), **_timing(message)}
    values.update(_ratings(evaluations))
    values.update(_supervision(orders))
    if any(x.state == ExtensionState.APPROVED for x in extensions):
        values["extended"] = 1
    return {k: v for k, v in values.items() if v}


def _related(message_ids: list[int]) -> tuple[dict[int, list[Any]], ...]:
    """Evaluations, supervision orders and extensions of the messages, by message id."""
    out: tuple[dict[int, list[Any]], ...] = (
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
    )
    for index, model in enumerate((Evaluation, SupervisionOrder, Extension)):
        for row in model.objects.filter(message_id__in=message_ids):  # type: ignore[attr-defined]
            out[index][row.message_id].append(row)
    return out


# ---------------------------------------------------------------------------
# Writing rows
# ---------------------------------------------------------------------------


def _add(grain: str, period: date, dims: dict[str, int], delta: Values) -> None:
    """Add ``delta`` to one row, creating it when missing; drop it once it holds no message."""
    if not delta:
        return
    rows = Rollup.objects.filter(grain=grain, period=period, **dims)
    if not rows.update(**{k: F(k) + v for k, v in delta.items()}):
        try:
            with transaction.atomic():
                Rollup.objects.create(grain=grain, period=period, **dims, **delta)
        except IntegrityError:  # another worker created it first
            rows.update(**{k: F(k) + v for k, v in delta.items()})
    # Every contribution counts "received": a row left at zero received is empty.
    if delta.get("received", 0) < 0:
        rows.filter(received=0).delete()


def _diff(new: Values, old: Values) -> Values:
    keys = set(new) | set(old)
    return {k: new.get(k, 0) - old.get(k, 0) for k in keys if new.get(k, 0) != old.get(k, 0)}


def _apply(old_key: Key | None, old: Values, new_key: Key, new: Values) -> None:
    """Move the message's contribution from (old_key, old) to (new_key, new)."""
    if old_key == new_key:
        for grain, period, dims in new_key.rows():
            _add(grain, period, _named(dims), _diff(new, old))
        return
    if old_key is not None:
        for grain, period, dims in old_key.rows():
            _add(grain, period, _named(dims), {k: -v for k, v in old.items()})
    for grain, period, dims in new_key.rows():
        _add(grain, period, _named(dims), new)


def _named(dims: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(DIMENSIONS, dims, strict=True))


def _fact_key(fact: MessageFact) -> Key:
    return Key(fact.day, *(getattr(fact, d) for d in DIMENSIONS))


@transaction.atomic
def refresh_message(message_id: int) -> None:
    """Recompute one message's contribution and apply the difference (idempotent)."""
    message = Message.objects.filter(pk=message_id).first()
    fact = MessageFact.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        return
    evaluations, orders, extensions = (d[message_id] for d in _related([message_id]))
    new = contribution(message, evaluations, orders, extensions)
    key = key_of(message)
    old_key = _fact_key(fact) if fact else None
    old: Values = dict(fact.values) if fact else {}
    if old_key == key and old == new:
        return
    _apply(old_key, old, key, new)
    MessageFact.objects.update_or_create(
        message_id=message_id, defaults={"day": key.day, **key.dims(), "values": new}
    )


# ---------------------------------------------------------------------------
# Folding the event log
# ---------------------------------------------------------------------------


def _locked_cursor() -> Cursor:
    Cursor.objects.get_or_create(name=CURSOR)
    return Cursor.objects.select_for_update().get(name=CURSOR)


def _gaps(cursor: Cursor) -> dict[int, float]:
    return {int(k): float(v) for k, v in (cursor.gaps or {}).items()}


def fold_pending(*, batch: int = FOLD_BATCH) -> int:
    """Fold every event after the cursor into the rollups; the number of messages refreshed.

    One batch, its rollup rows and the cursor move commit together, so a crash folds a
    batch completely or not at all; refolding is harmless anyway (``refresh_message``
    applies only differences). Event ids are handed out before commit, so an id below the
    cursor may appear late: the ids skipped over are kept as *gaps* and folded when their
    event appears, or forgotten after ``GAP_WAIT`` (a rolled-back transaction).
    """
    refreshed = 0
    while True:
        with transaction.atomic():
            cursor = _locked_cursor()
            gaps = _gaps(cursor)
            new = list(
                Event.objects.filter(pk__gt=cursor.last_event_id)
                .order_by("pk")
                .values_list("pk", "message_id")[:batch]
            )
            late = list(Event.objects.filter(pk__in=list(gaps)).values_list("pk", "message_id"))
            messages = sorted({m for _, m in new} | {m for _, m in late})
            for message_id in messages:
                refresh_message(message_id)
            now = timezone.now().timestamp()
            for pk, _ in late:
                gaps.pop(pk, None)
            previous = cursor.last_event_id
            for pk, _ in new:
                if pk - previous - 1 <= MAX_GAP:  # a larger jump is not a transaction in flight
                    gaps.update(dict.fromkeys(range(previous + 1, pk), now))
                previous = pk
            cursor.last_event_id = previous
            cursor.gaps = {str(k): t for k, t in gaps.items() if now - t < GAP_WAIT}
            cursor.save(update_fields=["last_event_id", "gaps"])
            refreshed += len(messages)
        if len(new) < batch:
            return refreshed


def unfolded(*, older_than: timedelta = timedelta(0)) -> int:
    """Events not folded into the rollups yet (those written more than ``older_than`` ago)."""
    cursor = Cursor.objects.filter(name=CURSOR).first()
    last = cursor.last_event_id if cursor else 0
    gaps = list(_gaps(cursor)) if cursor else []
    before = timezone.now() - older_than
    return Event.objects.filter(Q(pk__gt=last) | Q(pk__in=gaps), at__lt=before).count()


def catch_up() -> int:
    """Fold whatever the cursor has not reached (``rebuild_rollups --catch-up``)."""
    return fold_pending()


# ---------------------------------------------------------------------------
# Rebuild
# ---------------------------------------------------------------------------


# The message fields ``key_of`` and ``contribution`` read: the rest (texts) is never loaded.
_REBUILD_FIELDS = (
    "submitted_at",
    "office",
    "unit",
    "board",
    "domain",
    "kind",
    "region",
    "published_at",
    "status",
    "accepted_at",
    "return_count",
    "replied_at",
    "reopen_count",
    "first_reply_at",
    "reply_due",
)


def _messages(chunk: int) -> Iterator[list[Message]]:
    last = 0
    while True:
        batch = list(
            Message.objects.filter(pk__gt=last).order_by("pk").only(*_REBUILD_FIELDS)[:chunk]
        )
        if not batch:
            return
        yield batch
        last = batch[-1].pk


RowKey = tuple[str, date, tuple[int, ...]]


def _upsert_add(totals: dict[RowKey, Values]) -> None:
    """Add ``totals`` to their rollup rows, creating missing rows, in few statements.

    ``INSERT … ON CONFLICT … DO UPDATE SET c = c + excluded.c`` (PostgreSQL and SQLite
    ≥ 3.24). On PostgreSQL the rows go as one array per column (``unnest``), so a
    statement of any length has 153 parameters; elsewhere as ``VALUES`` lists of at most
    the backend's parameter limit. Nothing is kept once written.
    """
    if not totals:
        return
    qn = connection.ops.quote_name
    table = qn(Rollup._meta.db_table)
    keys = ["grain", "period", *DIMENSIONS]
    columns = [*keys, *ALL_COLUMNS]
    names = ", ".join(qn(c) for c in columns)
    tail = f"ON CONFLICT ({', '.join(qn(k) for k in keys)}) DO UPDATE SET " + ", ".join(
        f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in ALL_COLUMNS
    )
    rows: list[list[Any]] = [
        [grain, period, *dims, *(values.get(c, 0) for c in ALL_COLUMNS)]
        for (grain, period, dims), values in totals.items()
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = ["text[]", "date[]"] + ["integer[]"] * (len(columns) - 2)
            arrays = ", ".join(f"%s::{t}" for t in types)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {tail}",
                [list(col) for col in zip(*rows, strict=True)],
            )
            return
        size = max(1, connection.ops.bulk_batch_size(columns, rows))
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([row_sql] * len(part))} {tail}",
                [v for row in part for v in row],
            )


def _rebuild_gaps(last_event: int) -> dict[str, float]:
    """Ids below ``last_event`` not visible yet: events of transactions still in flight.

    The rebuild may not have seen them, so they start as cursor gaps, exactly as
    ``fold_pending`` records ids it skips over (folded when they appear, forgotten after
    ``GAP_WAIT``).
    """
    low = max(0, last_event - MAX_GAP)
    seen = set(Event.objects.filter(pk__gt=low, pk__lte=last_event).values_list("pk", flat=True))
    now = timezone.now().timestamp()
    return {str(pk): now for pk in range(low + 1, last_event) if pk not in seen}


def rebuild(chunk: int = REBUILD_BATCH, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every rollup row and fact from the messages' current state.

    Memory stays bounded by ``chunk`` whatever the table size: messages are read in
    id order, ``chunk`` at a time (only the fields the rules read), and each batch's
    facts and rollup totals are written before the next is read (totals are *added*
    to their rows, so a row fed by several batches ends with their sum). The whole
    rebuild is one transaction: readers see the old rollups until it commits, and the
    cursor is locked throughout so no fold interleaves; it then points at the last
    event that existed when the rebuild started (later events are folded again, which
    changes nothing already counted). ``progress`` is called with each batch's size.
    """
    count = 0
    _region_parents.cache_clear()
    with transaction.atomic():
        cursor = _locked_cursor()
        last_event = Event.objects.aggregate(m=Max("pk"))["m"] or 0
        Rollup.objects.all().delete()
        MessageFact.objects.all().delete()
        for batch in _messages(chunk):
            totals: dict[RowKey, Values] = defaultdict(lambda: defaultdict(int))
            evaluations, orders, extensions = _related([m.pk for m in batch])
            facts = []
            for m in batch:
                values = contribution(m, evaluations[m.pk], orders[m.pk], extensions[m.pk])
                key = key_of(m)
                facts.append(MessageFact(message_id=m.pk, day=key.day, **key.dims(), values=values))
                for row in key.rows():
                    for k, v in values.items():
                        totals[row][k] += v
            MessageFact.objects.bulk_create(facts)
            _upsert_add(totals)
            # With DEBUG on, Django keeps the last 9000 statements, each with thousands of
            # parameters here: drop them so memory stays bounded in development too.
            reset_queries()
            count += len(batch)
            if progress is not None:
                progress(len(batch))
        cursor.last_event_id = last_event
        cursor.gaps = _rebuild_gaps(last_event)
        cursor.save(update_fields=["last_event_id", "gaps"])
    return count


def table_snapshot() -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Every non-empty rollup row as (key) → values, for comparing two builds."""
    fields = ["grain", "period", *DIMENSIONS]
    return {
        tuple(r[f] for f in fields): tuple(r[c] for c in ALL_COLUMNS)
        for r in Rollup.objects.values(*fields, *ALL_COLUMNS)
    }
