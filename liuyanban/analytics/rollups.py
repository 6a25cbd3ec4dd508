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
from functools import lru_cache
from itertools import product
from typing import Any

from django.db import IntegrityError, connection, reset_queries, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from liuyanban.lifecycle.models import Event, Message
from liuyanban.lifecycle.workdays import is_workday
from liuyanban.organizations.models import Organization, Region

from . import rules
from .models import (
    ALL_COLUMNS,
    DIMENSIONS,
    HIST_BUCKETS,
    MEASURES,
    Cursor,
    Grain,
    MessageFact,
    Rollup,
)
from .rules import Values, bucket, contribution

__all__ = ["Values", "bucket", "contribution"]

CURSOR = "rollups"
FOLD_BATCH = 1000
# An event id skipped by the cursor is waited for this long (seconds), then forgotten.
GAP_WAIT = 600
MAX_GAP = 1000
# Messages a rebuild reads and writes at a time: memory grows with it (a few KB a
# message), not with the table; larger batches write each month cube row less often.
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


# How a grain keeps a region or an office (``GrainRows.region`` / ``GrainRows.office``).
OWN = "own"  # the message's own
TOP = "top"  # its top-level region (a province)
UPPER = "upper"  # its region cut to the two top levels (the prefecture above a county)
EVERY = "every"  # itself and each one above it: one row per level


@dataclass(frozen=True)
class GrainRows:
    """The rows of one grain: the day or its month, and the dimensions kept (others 0).

    ``region`` and ``office`` say which region or office a kept ``region_id`` or
    ``office_id`` holds (``OWN``, ``TOP``, ``UPPER``, ``EVERY``; ``region_keys`` and
    ``office_keys``). With ``EVERY`` a message feeds a row for its own region (office)
    and one for each above it, so a scope's figures are the rows of the scope's own id,
    not the sum of every row below it.
    """

    grain: str
    monthly: bool
    keep: tuple[str, ...]
    region: str = OWN
    office: str = OWN

    @property
    def top_region(self) -> bool:
        return self.region == TOP

    def mapped(self) -> list[tuple[str, str]]:
        """The kept dimensions whose values are mapped: (dimension, how)."""
        return [
            (d, mode)
            for d, mode in (("region_id", self.region), ("office_id", self.office))
            if d in self.keep and mode != OWN
        ]

    def keys(self, dimension: str, value: int) -> tuple[int, ...]:
        """The values this grain keeps for a message's ``dimension`` = ``value``."""
        if dimension == "region_id":
            return region_keys(self.region, value)
        if dimension == "office_id":
            return office_keys(self.office, value)
        return (value,)


# Day and month rows keep every dimension; the four platform-wide month cubes one each;
# the region and office cubes the scope's dimension at every level and one breakdown
# (``selectors.CUBES``): a province reads its own rows, not those of every county in it.
GRAINS: tuple[GrainRows, ...] = (
    GrainRows(Grain.DAY, False, DIMENSIONS),
    GrainRows(Grain.MONTH, True, DIMENSIONS),
    GrainRows(Grain.KIND, True, ("kind_id",)),
    GrainRows(Grain.DOMAIN_REGION, True, ("domain_id", "region_id"), region=TOP),
    GrainRows(Grain.BOARD, True, ("board_id",)),
    GrainRows(Grain.OFFICE, True, ("office_id",)),
    GrainRows(Grain.REGION_KIND, True, ("region_id", "kind_id"), region=EVERY),
    GrainRows(Grain.REGION_DOMAIN, True, ("region_id", "domain_id"), region=EVERY),
    GrainRows(Grain.REGION_BOARD, True, ("region_id", "board_id"), region=EVERY),
    GrainRows(Grain.REGION_OFFICE, True, ("region_id", "office_id"), region=EVERY),
    GrainRows(Grain.OFFICE_KIND, True, ("office_id", "kind_id"), office=EVERY),
    # The region as the heat table of a body shows it: province, or prefecture below it.
    GrainRows(Grain.OFFICE_DOMAIN, True, ("office_id", "domain_id", "region_id"), UPPER, EVERY),
    GrainRows(Grain.OFFICE_BOARD, True, ("office_id", "board_id"), office=EVERY),
)


@lru_cache(maxsize=1)
def _region_parents() -> dict[int, int | None]:
    return dict(Region.objects.values_list("pk", "parent_id"))


def _chain(parents: Callable[[], dict[int, int | None]], pk: int) -> tuple[int, ...]:
    """``pk`` and each node above it, nearest first (from a cached parent map)."""
    links = parents()
    if pk not in links:  # a node added since the cache was filled
        parents.cache_clear()  # type: ignore[attr-defined]
        links = parents()
    out = [pk]
    while links.get(out[-1]) is not None:
        out.append(links[out[-1]])  # type: ignore[arg-type]
    return tuple(out)


def top_region(region_id: int) -> int:
    """The top-level region (a province) above ``region_id``; 0 for none."""
    return _chain(_region_parents, region_id)[-1] if region_id else 0


def region_keys(how: str, region_id: int) -> tuple[int, ...]:
    """The region ids a grain keeping regions ``how`` keeps for ``region_id`` (0: none)."""
    if not region_id or how == OWN:
        return (region_id,)
    chain = _chain(_region_parents, region_id)
    if how == TOP:
        return (chain[-1],)
    if how == UPPER:
        return (chain[-2] if len(chain) >= 2 else chain[-1],)
    return chain


@lru_cache(maxsize=1)
def _office_parents() -> dict[int, int | None]:
    return dict(Organization.objects.values_list("pk", "parent_id"))


def office_keys(how: str, office_id: int) -> tuple[int, ...]:
    """The office ids a grain keeping offices ``how`` keeps for ``office_id``."""
    if how == OWN or not office_id:
        return (office_id,)
    return _chain(_office_parents, office_id)


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


def _add(rows: list[tuple[str, date, tuple[int, ...]]], delta: Values) -> None:
    """Add ``delta`` to every one of ``rows`` (one per grain), creating those missing;
    drop those left holding no message.

    One ``SELECT`` and one ``UPDATE`` for all the grains a message feeds, not one
    ``UPDATE`` per grain; only rows that do not exist yet (the first message of a key)
    are created one by one.
    """
    if not delta:
        return
    keys = Q()
    for grain, period, dims in rows:
        keys |= Q(grain=grain, period=period, **_named(dims))
    fields = ["grain", "period", *DIMENSIONS]
    # The rows that exist now are updated by id; a row another worker creates meanwhile
    # is not among them, so it is updated once, below, when creating it collides.
    found = {
        (r[1], _as_date(r[2]), tuple(r[3:])): r[0]
        for r in Rollup.objects.filter(keys).values_list("pk", *fields)
    }
    change = {k: F(k) + v for k, v in delta.items()}
    if found:
        Rollup.objects.filter(pk__in=list(found.values())).update(**change)
    for grain, period, dims in rows:
        if (str(grain), period, dims) in found:
            continue
        try:
            with transaction.atomic():
                Rollup.objects.create(grain=grain, period=period, **_named(dims), **delta)
        except IntegrityError:  # another worker created it first
            Rollup.objects.filter(grain=grain, period=period, **_named(dims)).update(**change)
    # Every contribution counts "received": a row left at zero received is empty.
    if delta.get("received", 0) < 0:
        Rollup.objects.filter(keys, received=0).delete()


def _diff(new: Values, old: Values) -> Values:
    keys = set(new) | set(old)
    return {k: new.get(k, 0) - old.get(k, 0) for k in keys if new.get(k, 0) != old.get(k, 0)}


def _apply(old_key: Key | None, old: Values, new_key: Key, new: Values) -> None:
    """Move the message's contribution from (old_key, old) to (new_key, new)."""
    if old_key == new_key:
        _add(new_key.rows(), _diff(new, old))
        return
    if old_key is not None:
        _add(old_key.rows(), {k: -v for k, v in old.items()})
    _add(new_key.rows(), new)


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


# Scratch tables of one rebuild batch (temporary: per connection, gone at the end).
_BASE, _CAL, _CONTRIB, _MAP = (
    "lyb_rebuild_base",
    "lyb_rebuild_cal",
    "lyb_rebuild_contrib",
    "lyb_rebuild_map",
)
# The map tables: one per mapped (dimension, how) of ``GRAINS``.
_MAPS = sorted({f"{_MAP}_{d.removesuffix('_id')}_{how}" for g in GRAINS for d, how in g.mapped()})


def _local_date_sql(column: str) -> str:
    """SQL of the local (``TIME_ZONE``) date of a datetime column, on this backend."""
    sql, params = connection.ops.datetime_cast_date_sql(
        column, (), timezone.get_default_timezone_name()
    )
    # The time zone names are settings, not user input: inline them as literals.
    return sql.replace("%s", "{}").format(*(_quote(str(p)) for p in params))


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _json_of_nonzero(pairs: list[tuple[str, str]]) -> str:
    """SQL of a JSON object holding the non-zero ``pairs`` (key SQL, value SQL)."""
    args = ", ".join(f"{k}, NULLIF({v}, 0)" for k, v in pairs)
    if connection.vendor == "postgresql":
        return f"jsonb_strip_nulls(jsonb_build_object({args}))"
    # A JSON merge patch drops the members whose value is null (RFC 7396).
    return f"json_patch('{{}}', json_object({args}))"


def _drop_scratch(cursor: Any) -> None:
    for table in (_BASE, _CAL, _CONTRIB, *_MAPS):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _rebuild_batch(cursor: Any, low: int, high: int) -> int:
    """Write the facts and add the rollup totals of messages ``low < id <= high``.

    All in the database: the messages' rule inputs into a scratch table, a working-day
    calendar for their dates, their contributions (``rules.measure_sql``), then one
    ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` per grain (``GRAINS``) that
    adds to the rows earlier batches wrote.
    """
    qn = connection.ops.quote_name
    msg = qn(Message._meta.db_table)
    date_type = "date" if connection.vendor == "postgresql" else "text"
    _drop_scratch(cursor)
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {_BASE} AS SELECT id,
              {_local_date_sql("submitted_at")} AS day,
              {_local_date_sql("first_reply_at")} AS fday,
              {_local_date_sql("replied_at")} AS rday,
              office_id, COALESCE(unit_id, 0) AS unit_id, board_id, domain_id, kind_id,
              COALESCE(region_id, 0) AS region_id,
              status, published_at, accepted_at, return_count, replied_at, reopen_count,
              reply_due
            FROM {msg} WHERE id > {int(low)} AND id <= {int(high)}"""
    )
    # The calendar: n = working days after its first day, up to and including ``cday``.
    cursor.execute(
        f"SELECT MIN(day), MAX(day), MIN(fday), MAX(fday), MIN(rday), MAX(rday) FROM {_BASE}"
    )
    bounds = [_as_date(v) for v in cursor.fetchone() if v is not None]
    if not bounds:
        return 0
    cursor.execute(f"CREATE TEMPORARY TABLE {_CAL} (cday {date_type} PRIMARY KEY, n integer)")
    day, end, n, rows = min(bounds), max(bounds), 0, []
    while day <= end:
        rows.append((connection.ops.adapt_datefield_value(day), n))
        day += timedelta(days=1)
        n += is_workday(day)
    cursor.executemany(f"INSERT INTO {_CAL} (cday, n) VALUES (%s, %s)", rows)
    joins, related = [], []
    for index, model in enumerate(rules.RELATED_MODELS):
        sql, names = rules.related_sql(
            model, f"message_id > {int(low)} AND message_id <= {int(high)}"
        )
        joins.append(f"LEFT JOIN ({sql}) r{index} ON r{index}.message_id = b.id")
        related.extend(names)
    cal = {"day": "cd.n", "fday": "cf.n", "rday": "cr.n"}
    measures = rules.measure_sql(lambda name: cal[name])
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {_CONTRIB} AS SELECT b.id, b.day,
              {", ".join(f"b.{d}" for d in DIMENSIONS)},
              {", ".join(f"{expr} AS {name}" for name, expr in measures)}
            FROM {_BASE} b
            JOIN {_CAL} cd ON cd.cday = b.day
            LEFT JOIN {_CAL} cf ON cf.cday = b.fday
            LEFT JOIN {_CAL} cr ON cr.cday = b.rday
            {" ".join(joins)}"""
    )
    # Facts: the same values ``contribution`` gives, without the zeros.
    pairs = [(_quote(m), m) for m in MEASURES]
    for hist, b in (("hf", "hf_b"), ("hl", "hl_b")):
        pairs.append(
            (f"COALESCE('{hist}' || {b}, '{hist}')", f"CASE WHEN {b} IS NULL THEN 0 ELSE 1 END")
        )
    fact_table = qn(MessageFact._meta.db_table)
    cursor.execute(
        f"""INSERT INTO {fact_table} (message_id, day, {", ".join(DIMENSIONS)}, {qn("values")})
            SELECT id, day, {", ".join(DIMENSIONS)}, {_json_of_nonzero(pairs)} FROM {_CONTRIB}"""
    )
    # For each mapped dimension (``GrainRows.mapped``), the ids it maps each id of this
    # batch to: one row per id kept (several for ``EVERY``), joined by the grain's insert.
    maps: dict[tuple[str, str], str] = {}
    for d, how in sorted({m for g in GRAINS for m in g.mapped()}):
        name = maps[(d, how)] = f"{_MAP}_{d.removesuffix('_id')}_{how}"
        cursor.execute(f"SELECT DISTINCT {d} FROM {_CONTRIB}")
        ids = [r for (r,) in cursor.fetchall()]
        keys_of = region_keys if d == "region_id" else office_keys
        cursor.execute(
            f"CREATE TEMPORARY TABLE {name} (src integer, dst integer, PRIMARY KEY (src, dst))"
        )
        cursor.executemany(
            f"INSERT INTO {name} (src, dst) VALUES (%s, %s)",
            [(i, k) for i in ids for k in keys_of(how, i)],
        )
    # One statement per grain, adding to the rows already written.
    table = qn(Rollup._meta.db_table)
    keys = ["grain", "period", *DIMENSIONS]
    sums = [f"SUM(c.{m})" for m in MEASURES] + [
        f"SUM(CASE WHEN c.{b} = {i} THEN 1 ELSE 0 END)"
        for b in ("hf_b", "hl_b")
        for i in range(HIST_BUCKETS)
    ]
    tail = f"ON CONFLICT ({', '.join(qn(k) for k in keys)}) DO UPDATE SET " + ", ".join(
        f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in ALL_COLUMNS
    )
    for g in GRAINS:
        period = _month_sql("c.day") if g.monthly else "c.day"
        mapped = dict(g.mapped())
        dims = [
            (f"m_{d}.dst" if d in mapped else f"c.{d}") if d in g.keep else "0" for d in DIMENSIONS
        ]
        group = [period, *(x for x in dims if x != "0")]
        join = " ".join(
            f"JOIN {maps[(d, how)]} m_{d} ON m_{d}.src = c.{d}" for d, how in mapped.items()
        )
        cursor.execute(
            f"""INSERT INTO {table} ({", ".join(qn(k) for k in keys)}, {", ".join(qn(c) for c in ALL_COLUMNS)})
                SELECT {_quote(str(g.grain))}, {period}, {", ".join(dims)}, {", ".join(sums)}
                FROM {_CONTRIB} c {join} WHERE 1 = 1 GROUP BY {", ".join(group)} {tail}"""
        )
    cursor.execute(f"SELECT COUNT(*) FROM {_CONTRIB}")
    count = int(cursor.fetchone()[0])
    _drop_scratch(cursor)
    return count


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


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
    """Recompute every rollup row and fact from the messages' current state, in SQL.

    Messages are taken in id order, ``chunk`` at a time; each batch's facts and rollup
    totals are computed and written by the database (``_rebuild_batch``) before the next,
    and totals are *added* to their rows, so a row fed by several batches ends with their
    sum. Nothing grows in this process with the table. The whole rebuild is one
    transaction: readers see the old rollups until it commits, and the cursor is locked
    throughout so no fold interleaves; it then points at the last event that existed
    when the rebuild started (later events are folded again, which changes nothing
    already counted). ``progress`` is called with each batch's size.
    """
    count = 0
    _region_parents.cache_clear()
    _office_parents.cache_clear()
    msg = connection.ops.quote_name(Message._meta.db_table)
    with transaction.atomic():
        cursor = _locked_cursor()
        last_event = Event.objects.aggregate(m=Max("pk"))["m"] or 0
        Rollup.objects.all().delete()
        MessageFact.objects.all().delete()
        low = 0
        with connection.cursor() as c:
            while True:
                c.execute(
                    f"SELECT MAX(id) FROM (SELECT id FROM {msg} WHERE id > %s "
                    "ORDER BY id LIMIT %s) s",
                    [low, max(1, chunk)],
                )
                high = c.fetchone()[0]
                if high is None:
                    break
                n = _rebuild_batch(c, low, high)
                low = high
                # With DEBUG on, Django keeps the last 9000 statements: drop them.
                reset_queries()
                count += n
                if progress is not None:
                    progress(n)
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
