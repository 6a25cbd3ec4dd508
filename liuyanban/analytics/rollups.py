"""Keeping the rollups right: fold a message's current state into its contribution.

The rules live once, as data, in ``rules``: evaluated in Python they give
``contribution`` for the incremental path (one message, after each of its events),
compiled to SQL they give the set-based rebuild (all messages, in the database).
Which rows a message feeds is declared once too (``GRAINS``). Incremental updates apply only the difference between the message's
new contribution and the one stored in ``MessageFact``; a replayed or duplicated
event therefore adds nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import product
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from liuyanban.lifecycle.models import Event, Message

from . import rules
from .grains import (
    CURSOR,
    EVERY,
    GRAINS,
    MAX_GAP,
    OWN,
    TOP,
    UPPER,
    GrainRows,
    locked_cursor,
    office_keys,
    region_keys,
    top_region,
)
from .models import (
    ALL_COLUMNS,
    DIMENSIONS,
    Cursor,
    MessageFact,
    Rollup,
)
from .rebuild import WORKERS as REBUILD_WORKERS
from .rebuild import rebuild as _set_based_rebuild
from .rules import Values, bucket, contribution

__all__ = [
    "CURSOR",
    "EVERY",
    "GRAINS",
    "MAX_GAP",
    "OWN",
    "TOP",
    "UPPER",
    "GrainRows",
    "Values",
    "bucket",
    "contribution",
    "office_keys",
    "region_keys",
    "top_region",
]

FOLD_BATCH = 1000
# Messages whose rollup rows are recomputed and written together while folding.
REFRESH_BATCH = 500
# An event id skipped by the cursor is waited for this long (seconds), then forgotten.
GAP_WAIT = 600
# Messages whose contributions a rebuild computes at a time: the scratch tables of one
# batch grow with it, nothing grows with the table.
REBUILD_BATCH = 100_000
logger = logging.getLogger(__name__)


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
        """The (grain, period, dims) rows this key feeds, as ``GRAINS`` declares them.

        Dimension order: office, unit, board, domain, kind, region. A grain that keeps a
        region or office ``EVERY`` level above it feeds one row per level.
        """
        month = self.day.replace(day=1)
        out = []
        for g in GRAINS:
            choices = [g.keys(d, getattr(self, d)) if d in g.keep else (0,) for d in DIMENSIONS]
            for dims in product(*choices):
                out.append((g.grain, month if g.monthly else self.day, dims))
        return out


def _local(value: datetime) -> date:
    return timezone.localdate(value)


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


def _related(message_ids: list[int]) -> tuple[dict[int, list[Any]], ...]:
    """Evaluations, supervision orders and extensions of the messages, by message id."""
    out: tuple[dict[int, list[Any]], ...] = (
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
    )
    for index, model in enumerate(rules.RELATED_MODELS):
        for row in model.objects.filter(message_id__in=message_ids):  # type: ignore[attr-defined]
            out[index][row.message_id].append(row)
    return out


# ---------------------------------------------------------------------------
# Writing rows
# ---------------------------------------------------------------------------


RowKey = tuple[str, date, tuple[int, ...]]


class Changes:
    """The rollup differences of a batch of messages, summed per row before writing.

    Messages of one batch share most of their month cube rows, so a batch writes each
    row once, whatever the number of its messages.
    """

    def __init__(self) -> None:
        self.deltas: dict[RowKey, Values] = defaultdict(dict)
        # Rows whose "received" went down: deleted when left holding no message.
        self.emptied: set[RowKey] = set()

    def add(self, rows: list[RowKey], delta: Values) -> None:
        for row in rows:
            sums = self.deltas[row]
            for name, value in delta.items():
                sums[name] = sums.get(name, 0) + value
        if delta.get("received", 0) < 0:
            self.emptied.update(rows)

    def move(self, old_key: Key | None, old: Values, new_key: Key, new: Values) -> None:
        """Move a message's contribution from (old_key, old) to (new_key, new)."""
        if old_key == new_key:
            self.add(new_key.rows(), _diff(new, old))
            return
        if old_key is not None:
            self.add(old_key.rows(), {k: -v for k, v in old.items()})
        self.add(new_key.rows(), new)

    def write(self) -> None:
        """Add every row's difference in one ``INSERT … ON CONFLICT DO UPDATE`` per chunk
        (rows missing are created), then drop the rows left holding no message."""
        rows = sorted(
            (key, delta)
            for key, delta in self.deltas.items()
            if any(delta.values()) or key in self.emptied
        )
        if rows:
            _upsert(rows)
        if self.emptied:
            _delete_empty(sorted(self.emptied))


_KEY_FIELDS = ("grain", "period", *DIMENSIONS)


def _chunks(items: list[Any], width: int) -> list[list[Any]]:
    """``items`` in chunks that keep a statement under the backend's parameter limit."""
    limit = connection.features.max_query_params or 30_000
    size = max(1, min(1000, limit // max(1, width)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _upsert(rows: list[tuple[RowKey, Values]]) -> None:
    qn = connection.ops.quote_name
    table = qn(Rollup._meta.db_table)
    changed = sorted({name for _key, delta in rows for name in delta})
    unknown = set(changed) - set(ALL_COLUMNS)
    assert not unknown, unknown
    # A new row needs every column (the defaults are Django's, not the table's); a row
    # that exists adds only the columns this batch changes.
    names = ", ".join(qn(c) for c in (*_KEY_FIELDS, *ALL_COLUMNS))
    width = len(_KEY_FIELDS) + len(ALL_COLUMNS)
    tail = f" ON CONFLICT ({', '.join(qn(k) for k in _KEY_FIELDS)}) " + (
        "DO UPDATE SET "
        + ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in changed)
        if changed
        else "DO NOTHING"
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, width):
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            params: list[Any] = []
            for (grain, period, dims), delta in chunk:
                params.extend((str(grain), connection.ops.adapt_datefield_value(period), *dims))
                params.extend(delta.get(c, 0) for c in ALL_COLUMNS)
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values}{tail}", params)


def _delete_empty(keys: list[RowKey]) -> None:
    qn = connection.ops.quote_name
    table = qn(Rollup._meta.db_table)
    width = len(_KEY_FIELDS)
    fields = ", ".join(qn(k) for k in _KEY_FIELDS)
    with connection.cursor() as cursor:
        for chunk in _chunks(keys, width):
            tuples = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            params: list[Any] = []
            for grain, period, dims in chunk:
                params.extend((str(grain), connection.ops.adapt_datefield_value(period), *dims))
            cursor.execute(
                f"DELETE FROM {table} WHERE received = 0 AND ({fields}) IN (VALUES {tuples})",
                params,
            )


def _diff(new: Values, old: Values) -> Values:
    keys = set(new) | set(old)
    return {k: new.get(k, 0) - old.get(k, 0) for k in keys if new.get(k, 0) != old.get(k, 0)}


def _fact_key(fact: MessageFact) -> Key:
    return Key(fact.day, *(getattr(fact, d) for d in DIMENSIONS))


def _refresh(message_ids: list[int]) -> int:
    """Recompute the messages' contributions and apply the differences (idempotent).

    A fixed number of statements for the whole batch: the messages, their facts (locked),
    their evaluations, orders and extensions, one upsert of the rollup rows they change
    and one of their facts. Runs inside the caller's transaction.
    """
    messages = Message.objects.in_bulk(message_ids)
    if not messages:
        return 0
    ids = sorted(messages)
    facts = MessageFact.objects.select_for_update().in_bulk(ids)
    evaluations, orders, extensions = _related(ids)
    changes = Changes()
    changed: list[MessageFact] = []
    for message_id in ids:
        message = messages[message_id]
        new = contribution(
            message, evaluations[message_id], orders[message_id], extensions[message_id]
        )
        key = key_of(message)
        fact = facts.get(message_id)
        old_key = _fact_key(fact) if fact else None
        old: Values = dict(fact.values) if fact else {}
        if old_key == key and old == new:
            continue
        changes.move(old_key, old, key, new)
        changed.append(MessageFact(message_id=message_id, day=key.day, **key.dims(), values=new))
    changes.write()
    if changed:
        MessageFact.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["message_id"],
            update_fields=["day", *DIMENSIONS, "values"],
        )
    return len(changed)


@transaction.atomic
def refresh_message(message_id: int) -> None:
    """Recompute one message's contribution and apply the difference (idempotent)."""
    _refresh([message_id])


# ---------------------------------------------------------------------------
# Folding the event log
# ---------------------------------------------------------------------------


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
            cursor = locked_cursor()
            gaps = _gaps(cursor)
            new = list(
                Event.objects.filter(pk__gt=cursor.last_event_id)
                .order_by("pk")
                .values_list("pk", "message_id")[:batch]
            )
            late = list(Event.objects.filter(pk__in=list(gaps)).values_list("pk", "message_id"))
            messages = sorted({m for _, m in new} | {m for _, m in late})
            for first in range(0, len(messages), REFRESH_BATCH):
                _refresh(messages[first : first + REFRESH_BATCH])
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


def rebuild(
    chunk: int = REBUILD_BATCH,
    progress: Callable[[int], None] | None = None,
    *,
    steps: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
    workers: int = REBUILD_WORKERS,
) -> int:
    """Recompute every rollup row and fact from the messages' current state, in SQL.

    Each message's contribution is computed once (``chunk`` messages at a time, its fact
    written as it goes), then each grain of ``GRAINS`` is filled once from them
    (``analytics.rebuild``). The whole rebuild is one transaction: readers see the old
    rollups until it commits, and the cursor is locked throughout so no fold
    interleaves; it then points at the last event that existed when the rebuild started
    (later events are folded again, which changes nothing already counted), with the
    ids below it not yet visible kept as gaps. ``progress`` is called with each batch's
    size, ``steps`` after each step of the grain phase, ``log`` with a line per phase.
    On PostgreSQL, outside a transaction, ``workers`` connections share the work.
    """
    return _set_based_rebuild(chunk, progress, steps=steps, log=log, workers=workers)


def table_snapshot() -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Every non-empty rollup row as (key) → values, for comparing two builds."""
    fields = ["grain", "period", *DIMENSIONS]
    return {
        tuple(r[f] for f in fields): tuple(r[c] for c in ALL_COLUMNS)
        for r in Rollup.objects.values(*fields, *ALL_COLUMNS)
    }
