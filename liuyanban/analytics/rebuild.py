"""The set-based rebuild of the rollups: every message's contribution once, each grain once.

Two phases, one transaction:

1. *Contributions* (batched, bounded memory): messages are taken in id order, ``chunk``
   at a time; for each batch the database computes every message's contribution from
   the rules compiled to SQL (``rules.measure_sql``), writes its ``MessageFact`` and
   appends it to one scratch table of contributions (temporary: per connection, in the
   backend's own temp buffers, gone at the end).
2. *Grains*: each grain of ``rollups.GRAINS`` is filled once with a plain
   ``INSERT … SELECT … GROUP BY`` into the emptied table (no ``ON CONFLICT``: no row is
   written twice). A grain is summed from the smallest aggregate already built that
   holds its dimensions (``_plan``): the grains that keep every dimension from the
   contributions, the month cubes from one month aggregate of the dimensions they keep,
   or from a smaller cube. The plan is derived from ``GRAINS``, so a grain added there
   is rebuilt without touching this module.

On PostgreSQL the facts and rollups are written into new tables without indexes; once
filled, each gets the indexes and constraints of the table it replaces and is swapped in
for it (``_finish``). Elsewhere (SQLite) the tables are emptied and refilled in place.
Either way readers see the old rollups until the rebuild commits (the swap's exclusive
lock is taken at its last statements, not before), and the fold cursor is locked
throughout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection, reset_queries, transaction
from django.db.models import Max
from django.utils import timezone

from liuyanban.lifecycle.models import Event, Message
from liuyanban.lifecycle.workdays import is_workday

from . import rules
from .grains import (
    EVERY,
    GRAINS,
    MAX_GAP,
    _office_parents,
    _region_parents,
    locked_cursor,
    office_keys,
    region_keys,
)
from .models import ALL_COLUMNS, DIMENSIONS, HIST_BUCKETS, MEASURES, MessageFact, Rollup

# Scratch tables (temporary: per connection, gone at the end). Per batch: the messages'
# rule inputs, a working-day calendar, their contributions. Per rebuild: the top-level
# region of every region seen, every contribution, and the aggregates grains derive from.
_BASE, _CAL, _CONTRIB, _ALL = (
    "lyb_rebuild_base",
    "lyb_rebuild_cal",
    "lyb_rebuild_contrib",
    "lyb_rebuild_all",
)
_STEP = "lyb_rebuild_g"  # + the step's index: an aggregate later steps sum from
_MAP = "lyb_rebuild_map"  # + dimension + how: the ids a mapped dimension keeps (see _maps)
_BUCKETS = ("hf_b", "hl_b")  # the timings' histogram bucket per message (NULL: none)
_HISTS = ("hf", "hl")

Log = Callable[[str], None]

# Connections a rebuild on PostgreSQL shares its work among (``_Parallel``): one per core
# of the database server is the most that helps.
WORKERS = 2
# Memory each of them may give one sort or hash aggregate of the grain phase before
# spilling to disk (PostgreSQL's ``work_mem``; a hash may use twice as much).
GRAIN_MEMORY = "128MB"


@dataclass(frozen=True)
class Step:
    """One aggregate of the grain phase: a grain of ``GRAINS`` or a scratch aggregate.

    ``grain`` is empty for a scratch aggregate (it only feeds other steps). ``keep``
    means what it means in ``GrainRows``; ``maps`` holds the kept dimensions whose
    values are mapped, with how (``GrainRows.mapped``: a region's province, or every
    region or body above a message, one row per level).
    """

    grain: str
    monthly: bool
    keep: frozenset[str]
    maps: frozenset[tuple[str, str]] = frozenset()
    materialise: bool = False  # kept as a scratch table, a source for later steps

    def label(self) -> str:
        what = f"grain {self.grain}" if self.grain else "scratch aggregate"
        how = dict(self.maps)
        dims = ", ".join(
            d.removesuffix("_id") + (f" ({how[d]})" if d in how else "")
            for d in DIMENSIONS
            if d in self.keep
        )
        return f"{what} ({'month' if self.monthly else 'day'}; {dims or '-'})"


def _covers(source: Step, step: Step) -> bool:
    """Whether ``step``'s rows can be summed from ``source``'s rows.

    A dimension the source holds mapped must be kept mapped the same way (a province
    cannot give the regions below it), or dropped, unless the source holds a message
    on several rows of it (``EVERY``): summing those would count it once per level.
    A dimension the source holds as it is can be mapped on the way (``_select``).
    """
    if not step.keep <= source.keep or (source.monthly and not step.monthly):
        return False
    wanted = dict(step.maps)
    for dimension, how in source.maps:
        if dimension in step.keep:
            if wanted.get(dimension) != how:
                return False
        elif how == EVERY:
            return False
    return True


def _plan() -> list[Step]:
    """The grain phase's steps, in order, from ``rollups.GRAINS``.

    Per period (days, then months): the grains keeping every dimension (about one row
    per message each, summed from the contributions), then, when two or more grains keep
    fewer, one scratch aggregate of the dimensions those keep (the source of the first
    of them), then those grains, finest first (each a possible source of coarser ones).
    A grain that keeps a region or body at every level above a message (``EVERY``) gets
    a scratch aggregate of its own keys before it (the one-to-one mappings applied): the
    mapping multiplies that aggregate's rows, not those of the larger one, and the
    coarser grains sum from it instead of from the aggregate of every dimension.
    """
    every = frozenset(DIMENSIONS)
    grains = [
        Step(str(g.grain), g.monthly, frozenset(g.keep), frozenset(g.mapped())) for g in GRAINS
    ]
    steps: list[Step] = []
    for monthly in (False, True):
        mine = [g for g in grains if g.monthly == monthly]
        steps += [g for g in mine if g.keep == every]
        partial = [g for g in mine if g.keep != every]
        union = frozenset().union(*(g.keep for g in partial))
        if len(partial) >= 2 and union != every:
            steps.append(Step("", monthly, union))
        own = {
            Step("", monthly, g.keep, frozenset(m for m in g.maps if m[1] != EVERY))
            for g in partial
            if any(how == EVERY for _d, how in g.maps)
        } - set(steps)
        steps += sorted(
            [*partial, *own],
            key=lambda s: (-len(s.keep), bool(s.grain), sorted(s.keep), sorted(s.maps)),
        )
    return [
        Step(s.grain, s.monthly, s.keep, s.maps, materialise=_feeds_later(s, steps[i + 1 :]))
        for i, s in enumerate(steps)
    ]


def _feeds_later(step: Step, later: list[Step]) -> bool:
    if step.keep == frozenset(DIMENSIONS):
        return False  # as large as the contributions: never a cheaper source
    return not step.grain or any(_covers(step, s) for s in later)


def step_count() -> int:
    """Steps of the grain phase (for a progress bar)."""
    return len(_plan())


# ---------------------------------------------------------------------------
# SQL helpers
# ---------------------------------------------------------------------------


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _local_date_sql(column: str) -> str:
    """SQL of the local (``TIME_ZONE``) date of a datetime column, on this backend."""
    sql, params = connection.ops.datetime_cast_date_sql(
        column, (), timezone.get_default_timezone_name()
    )
    # The time zone names are settings, not user input: inline them as literals.
    return sql.replace("%s", "{}").format(*(_quote(str(p)) for p in params))


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _date_type() -> str:
    return "date" if connection.vendor == "postgresql" else "text"


def _json_of_nonzero(pairs: list[tuple[str, str]]) -> str:
    """SQL of a JSON object holding the non-zero ``pairs`` (key SQL, value SQL)."""
    args = ", ".join(f"{k}, NULLIF({v}, 0)" for k, v in pairs)
    if connection.vendor == "postgresql":
        return f"jsonb_strip_nulls(jsonb_build_object({args}))"
    # A JSON merge patch drops the members whose value is null (RFC 7396).
    return f"json_patch('{{}}', json_object({args}))"


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _drop(cursor: Any, *tables: str) -> None:
    for table in tables:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


# ---------------------------------------------------------------------------
# Phase 1: contributions and facts
# ---------------------------------------------------------------------------


def _contribution_columns() -> list[tuple[str, str]]:
    """(column, SQL) of a message's contribution over the batch's base row."""
    cal = {"day": "cd.n", "fday": "cf.n", "rday": "cr.n"}
    return rules.measure_sql(lambda name: cal[name])


def _maps() -> list[tuple[str, str]]:
    """Every mapped (dimension, how) of ``GRAINS``."""
    return sorted({m for g in GRAINS for m in g.mapped()})


def _map_table(dimension: str, how: str) -> str:
    return f"{_MAP}_{dimension.removesuffix('_id')}_{how}"


def _create_scratch(cursor: Any, kind: str = "TEMPORARY") -> None:
    """The map tables and the table of all contributions (``kind``: ``TEMPORARY``, of
    this connection only, or ``UNLOGGED``, shared once committed)."""
    maps = [_map_table(d, how) for d, how in _maps()]
    _drop(cursor, _BASE, _CAL, _CONTRIB, _ALL, *maps)
    for table in maps:
        cursor.execute(
            f"CREATE {kind} TABLE {table} (src integer, dst integer, PRIMARY KEY (src, dst))"
        )
    columns = [name for name, _sql in _contribution_columns()]
    cursor.execute(
        f"""CREATE {kind} TABLE {_ALL} (day {_date_type()}, month {_date_type()},
              {", ".join(f"{c} integer" for c in (*DIMENSIONS, *columns))})"""
    )


def _batch(
    cursor: Any,
    low: int,
    high: int,
    seen: dict[str, set[int]] | None,
    fact_table: str,
) -> int:
    """Write the facts of messages ``low < id <= high`` and append their contributions.

    All in the database: the messages' rule inputs into a scratch table, a working-day
    calendar for their dates, their contributions (``rules.measure_sql``), then the
    facts and one append to the table of all contributions. ``seen`` holds, per mapped
    dimension, the ids already in its map tables (None: the map tables already hold
    every region and body, ``_Parallel._setup``).
    """
    qn = connection.ops.quote_name
    msg = qn(Message._meta.db_table)
    _drop(cursor, _BASE, _CAL, _CONTRIB)
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
    cursor.execute(f"CREATE TEMPORARY TABLE {_CAL} (cday {_date_type()} PRIMARY KEY, n integer)")
    day, end, n, rows = min(bounds), max(bounds), 0, []
    while day <= end:
        rows.append((connection.ops.adapt_datefield_value(day), n))
        day += timedelta(days=1)
        n += is_workday(day)
    cursor.executemany(f"INSERT INTO {_CAL} (cday, n) VALUES (%s, %s)", rows)
    joins = []
    for index, model in enumerate(rules.RELATED_MODELS):
        sql, _names = rules.related_sql(
            model, f"message_id > {int(low)} AND message_id <= {int(high)}"
        )
        joins.append(f"LEFT JOIN ({sql}) r{index} ON r{index}.message_id = b.id")
    measures = _contribution_columns()
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
    for hist, b in zip(_HISTS, _BUCKETS, strict=True):
        pairs.append(
            (f"COALESCE('{hist}' || {b}, '{hist}')", f"CASE WHEN {b} IS NULL THEN 0 ELSE 1 END")
        )
    cursor.execute(
        f"""INSERT INTO {fact_table} (message_id, day, {", ".join(DIMENSIONS)}, {qn("values")})
            SELECT id, day, {", ".join(DIMENSIONS)}, {_json_of_nonzero(pairs)} FROM {_CONTRIB}"""
    )
    columns = [*DIMENSIONS, *(name for name, _sql in measures)]
    cursor.execute(
        f"""INSERT INTO {_ALL} (day, month, {", ".join(columns)})
            SELECT day, {_month_sql("day")}, {", ".join(columns)} FROM {_CONTRIB}"""
    )
    if seen is not None:
        _map_new(cursor, seen)
    cursor.execute(f"SELECT COUNT(*) FROM {_CONTRIB}")
    count = int(cursor.fetchone()[0])
    _drop(cursor, _BASE, _CAL, _CONTRIB)
    return count


def _map_new(cursor: Any, seen: dict[str, set[int]]) -> None:
    """Add the mapped ids of every region or body of the batch not seen yet."""
    maps = _maps()
    for dimension in sorted({d for d, _how in maps}):
        known = seen.setdefault(dimension, set())
        cursor.execute(f"SELECT DISTINCT {dimension} FROM {_CONTRIB}")
        new = [v for (v,) in cursor.fetchall() if v not in known]
        for d, how in maps:
            if d == dimension and new:
                cursor.executemany(
                    f"INSERT INTO {_map_table(d, how)} (src, dst) VALUES (%s, %s)",
                    [(v, k) for v in new for k in _keys_of(d)(how, v)],
                )
        known.update(new)


def _keys_of(dimension: str) -> Callable[[str, int], tuple[int, ...]]:
    return region_keys if dimension == "region_id" else office_keys


# ---------------------------------------------------------------------------
# Phase 2: the grains
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """A table the grain phase can sum from, and its row count."""

    table: str
    step: Step
    rows: int
    per_message: bool = False  # the contributions (measures and buckets), not sums


def _sums(source: _Source) -> list[str]:
    """The SQL of every rollup column summed over ``source``'s rows (alias ``s``)."""
    if not source.per_message:
        return [f"SUM(s.{c})" for c in ALL_COLUMNS]
    return [f"SUM(s.{m})" for m in MEASURES] + [
        f"SUM(CASE WHEN s.{b} = {i} THEN 1 ELSE 0 END)"
        for b in _BUCKETS
        for i in range(HIST_BUCKETS)
    ]


def _select(step: Step, source: _Source) -> tuple[str, list[str], str]:
    """(period SQL, one SQL per dimension (``0`` when not kept), the source's FROM)."""
    if source.per_message:
        period = "s.month" if step.monthly else "s.day"
    else:
        period = _month_sql("s.period") if step.monthly and not source.step.monthly else "s.period"
    # Dimensions the step maps and the source holds as they are: mapped on the way.
    held = dict(source.step.maps)
    joins = {d: _map_table(d, how) for d, how in step.maps if d not in held}
    dims = [
        (f"m_{d}.dst" if d in joins else f"s.{d}") if d in step.keep else "0" for d in DIMENSIONS
    ]
    frm = f"{source.table} s" + "".join(
        f" JOIN {table} m_{d} ON m_{d}.src = s.{d}" for d, table in joins.items()
    )
    return period, dims, frm


def _maps_on_the_way(step: Step, source: _Source) -> bool:
    """Whether ``step`` maps a dimension ``source`` holds as it is (``_select``)."""
    held = dict(source.step.maps)
    return any(d not in held for d, _how in step.maps)


def _grouped(step: Step, source: _Source) -> _Source:
    """``source`` summed over the dimensions ``step`` keeps, before they are mapped.

    Mapping a region or body to every level above it multiplies the rows by the levels;
    summing first means it multiplies the rows of the step's own key (a few per region
    and month), not every row of the source.
    """
    inner = Step(
        "", step.monthly, step.keep, frozenset(m for m in source.step.maps if m[0] in step.keep)
    )
    period, dims, frm = _select(inner, source)
    columns = [
        f"{period} AS period",
        *(f"{x} AS {d}" for x, d in zip(dims, DIMENSIONS, strict=True)),
        *(f"{x} AS {c}" for x, c in zip(_sums(source), ALL_COLUMNS, strict=True)),
    ]
    group = ", ".join([period, *(x for x in dims if x != "0")])
    sql = f"(SELECT {', '.join(columns)} FROM {frm} GROUP BY {group})"
    return _Source(sql, inner, source.rows)


def _fill(
    cursor: Any, step: Step, source: _Source, index: int, rollup: str, scratch: str = "TEMPORARY"
) -> tuple[int, _Source | None]:
    """Sum ``step`` from ``source``: into the rollup table ``rollup`` (a grain), a
    scratch table (a source for later steps; ``scratch`` says of which kind), or both.
    Returns (rows, the scratch source or None)."""
    qn = connection.ops.quote_name
    keys = ", ".join(qn(k) for k in ("grain", "period", *DIMENSIONS))
    cols = ", ".join(qn(c) for c in ALL_COLUMNS)
    if _maps_on_the_way(step, source) and (source.per_message or source.step.keep != step.keep):
        source = _grouped(step, source)
    period, dims, frm = _select(step, source)
    group = ", ".join([period, *(x for x in dims if x != "0")])
    select = f"SELECT {period}, {', '.join(dims)}, {', '.join(_sums(source))} FROM {frm} GROUP BY {group}"
    if not step.materialise:
        cursor.execute(
            f"INSERT INTO {rollup} ({keys}, {cols}) SELECT {_quote(step.grain)}, g.* FROM ({select}) g"
        )
        return int(cursor.rowcount), None
    table = f"{_STEP}{index}"
    _drop(cursor, table)
    cursor.execute(
        f"""CREATE {scratch} TABLE {table} (period {_date_type()},
              {", ".join(f"{c} integer" for c in (*DIMENSIONS, *ALL_COLUMNS))})"""
    )
    cursor.execute(f"INSERT INTO {table} {select}")
    rows = int(cursor.rowcount)
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")  # the planner's row estimates for later steps
    if step.grain:
        cursor.execute(
            f"INSERT INTO {rollup} ({keys}, {cols}) SELECT {_quote(step.grain)}, period, "
            f"{', '.join(DIMENSIONS)}, {', '.join(ALL_COLUMNS)} FROM {table}"
        )
    return rows, _Source(table, step, rows)


def _step_line(step: Step, rows: int, took: float, source: _Source) -> str:
    what = "the contributions" if source.per_message else source.step.label()
    return f"  {step.label()}: {rows:,} rows in {took:.1f} s, from {what} ({source.rows:,} rows)"


def _grains(
    cursor: Any, messages: int, rollup: str, log: Log, advance: Callable[[int], None]
) -> int:
    """Fill every grain once from the contributions into the table ``rollup``; the number
    of rollup rows written."""
    contributions = _Source(_ALL, Step("", False, frozenset(DIMENSIONS)), messages, True)
    sources = [contributions]
    written, scratch = 0, []
    for index, step in enumerate(_plan()):
        started = time.perf_counter()
        source = min((s for s in sources if _covers(s.step, step)), key=lambda s: s.rows)
        rows, made = _fill(cursor, step, source, index, rollup)
        if made is not None:
            sources.append(made)
            scratch.append(made.table)
        if step.grain:
            written += rows
        log(_step_line(step, rows, time.perf_counter() - started, source))
        advance(1)
    _drop(cursor, *scratch)
    return written


# ---------------------------------------------------------------------------
# The tables written: emptied in place, or new ones swapped in (PostgreSQL)
# ---------------------------------------------------------------------------


def _how() -> str:
    if connection.vendor == "postgresql":
        return "new rollup and fact tables created (no indexes yet)"
    return "old rollups and facts deleted"


def target(model: type[Rollup] | type[MessageFact]) -> str:
    """The name of the table the rebuild writes ``model``'s rows into (see ``_begin``)."""
    name = model._meta.db_table
    return f"lyb_next_{name}" if connection.vendor == "postgresql" else name


def _begin(cursor: Any, model: type[Rollup] | type[MessageFact]) -> str:
    """The table the rebuild writes ``model``'s rows into.

    On PostgreSQL a new table like the model's, without its indexes, which ``_finish``
    indexes and swaps in for the old one: inserting into the emptied table, whose five
    indexes still hold the deleted rows, ran at 6,000–8,000 rows a second at 200,000
    messages (``docs/analytics.md``), where a scratch table without indexes took ~30,000.
    Elsewhere (SQLite) the model's own table, emptied.
    """
    qn = connection.ops.quote_name
    name = model._meta.db_table
    if connection.vendor != "postgresql":
        model.objects.all().delete()
        return qn(name)
    new = target(model)
    _drop(cursor, new)
    cursor.execute(
        f"CREATE TABLE {new} (LIKE {qn(name)} INCLUDING DEFAULTS INCLUDING IDENTITY "
        "INCLUDING CONSTRAINTS INCLUDING STORAGE)"
    )
    return new


@dataclass
class _Swap:
    """How a new table takes an old one's place: its indexes (``CREATE INDEX`` under
    temporary names), the constraints they back, and the renames once the old is gone."""

    model: type[Rollup] | type[MessageFact]
    new: str
    indexes: list[str]
    constraints: list[str]
    renames: list[str]


def _swap_plan(cursor: Any, model: type[Rollup] | type[MessageFact], new: str) -> _Swap:
    """The indexes and index-backed constraints of the model's table (whatever the
    migrations made), to be built on ``new`` under temporary names and renamed to the
    old names once the old table is dropped."""
    qn = connection.ops.quote_name
    name = model._meta.db_table
    cursor.execute(
        """SELECT i.relname, pg_get_indexdef(i.oid), c.contype
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
           WHERE x.indrelid = %s::regclass ORDER BY i.relname""",
        [name],
    )
    swap = _Swap(model, new, [], [], [])
    for number, (index, definition, kind) in enumerate(cursor.fetchall()):
        temporary = f"{new}_i{number}"
        unique = "UNIQUE " if definition.startswith("CREATE UNIQUE") else ""
        tail = definition[definition.index(" USING ") :]
        swap.indexes.append(f"CREATE {unique}INDEX {temporary} ON {new}{tail}")
        if kind in ("p", "u"):
            what = "PRIMARY KEY" if kind == "p" else "UNIQUE"
            swap.constraints.append(
                f"ALTER TABLE {new} ADD CONSTRAINT {temporary} {what} USING INDEX {temporary}"
            )
            swap.renames.append(
                f"ALTER TABLE {qn(name)} RENAME CONSTRAINT {temporary} TO {qn(index)}"
            )
        elif kind is None:
            swap.renames.append(f"ALTER INDEX {temporary} RENAME TO {qn(index)}")
        else:
            raise NotImplementedError(f"constraint of kind {kind!r} on {name}")
    return swap


# Index builds sort in memory up to this, then on disk: each backend stays bounded.
INDEX_MEMORY = "256MB"


def _finish(cursor: Any, model: type[Rollup] | type[MessageFact], new: str) -> None:
    """Index ``new`` as the model's table is indexed, then put it in the table's place
    (PostgreSQL). Readers keep reading the old table until then: the swap takes the old
    table's exclusive lock only for its last statements, until the rebuild commits."""
    if connection.vendor != "postgresql":
        return
    swap = _swap_plan(cursor, model, new)
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'")
    for statement in swap.indexes:
        cursor.execute(statement)
    cursor.execute(f"ANALYZE {new}")
    _swap(cursor, swap)


def _swap(cursor: Any, swap: _Swap) -> None:
    """Turn ``swap.new``'s indexes into the old table's constraints, drop the old table
    and give the new one its name, its indexes' and constraints' names and its identity
    sequence's."""
    qn = connection.ops.quote_name
    name = swap.model._meta.db_table
    for statement in swap.constraints:
        cursor.execute(statement)
    pk = swap.model._meta.pk
    assert pk is not None
    cursor.execute(
        "SELECT pg_get_serial_sequence(%s, %s), pg_get_serial_sequence(%s, %s)",
        [name, pk.column, swap.new, pk.column],
    )
    old_sequence, new_sequence = cursor.fetchone()
    cursor.execute(f"DROP TABLE {qn(name)}")
    cursor.execute(f"ALTER TABLE {swap.new} RENAME TO {qn(name)}")
    for statement in swap.renames:
        cursor.execute(statement)
    if old_sequence and new_sequence:
        short = old_sequence.rsplit(".", 1)[-1]
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {short}")


# ---------------------------------------------------------------------------
# The rebuild
# ---------------------------------------------------------------------------


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


def _nothing(_: Any) -> None:
    return None


def rebuild(
    chunk: int,
    progress: Callable[[int], None] | None = None,
    *,
    steps: Callable[[int], None] | None = None,
    log: Log | None = None,
    workers: int = WORKERS,
) -> int:
    """Recompute every rollup row and fact from the messages' current state, in SQL.

    ``progress`` is called with each batch's size (phase 1), ``steps`` with 1 after each
    step of the grain phase (``step_count()`` of them), ``log`` with a line per phase and
    per step (what it wrote, how long it took). Returns the number of messages.

    On PostgreSQL, called outside a transaction, the work is shared by ``workers``
    database connections (``_Parallel``); inside one (whose uncommitted rows no other
    connection could see), or on SQLite, it runs in this connection alone.
    """
    _region_parents.cache_clear()
    _office_parents.cache_clear()
    if workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _Parallel(
            workers, max(1, chunk), progress or _nothing, steps or _nothing, log or _nothing
        ).run()
    return _serial(max(1, chunk), progress or _nothing, steps or _nothing, log or _nothing)


def _serial(
    chunk: int, progress: Callable[[int], None], steps: Callable[[int], None], say: Log
) -> int:
    msg = connection.ops.quote_name(Message._meta.db_table)
    with transaction.atomic():
        cursor = locked_cursor()
        last_event = Event.objects.aggregate(m=Max("pk"))["m"] or 0
        with connection.cursor() as c:
            if connection.vendor == "postgresql":
                c.execute(f"SET LOCAL work_mem = '{GRAIN_MEMORY}'")
            started = time.perf_counter()
            rollup, facts = _begin(c, Rollup), _begin(c, MessageFact)
            say(f"{_how()} in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            count, low, seen = 0, 0, dict[str, set[int]]()
            _create_scratch(c)
            while True:
                c.execute(
                    f"SELECT MAX(id) FROM (SELECT id FROM {msg} WHERE id > %s "
                    "ORDER BY id LIMIT %s) s",
                    [low, chunk],
                )
                high = c.fetchone()[0]
                if high is None:
                    break
                n = _batch(c, low, high, seen, facts)
                low = high
                # With DEBUG on, Django keeps the last 9000 statements: drop them.
                reset_queries()
                count += n
                progress(n)
            say(_contributions_line(count, time.perf_counter() - started, chunk))
            if connection.vendor == "postgresql":
                c.execute(f"ANALYZE {_ALL}")  # temporary tables are never auto-analysed
            started = time.perf_counter()
            rows = _grains(c, count, rollup, say, steps)
            say(_rollups_line(rows, time.perf_counter() - started))
            _drop(c, _ALL, *(_map_table(d, how) for d, how in _maps()))
            started = time.perf_counter()
            for model, written in ((Rollup, rollup), (MessageFact, facts)):
                _finish(c, model, written)
            if connection.vendor == "postgresql":
                say(_swap_line(time.perf_counter() - started))
        _point_cursor(cursor, last_event)
    return count


def _analyse(table: str) -> None:
    with connection.cursor() as c:
        c.execute(f"ANALYZE {table}")


def _point_cursor(cursor: Any, last_event: int) -> None:
    cursor.last_event_id = last_event
    cursor.gaps = _rebuild_gaps(last_event)
    cursor.save(update_fields=["last_event_id", "gaps"])


def _contributions_line(count: int, took: float, chunk: int, workers: int = 1) -> str:
    shared = f", {workers} connections" if workers > 1 else ""
    return (
        f"contributions and facts: {count:,} messages in {took:.1f} s "
        f"({count / max(took, 1e-9):,.0f} messages/s, batches of {chunk:,}{shared})"
    )


def _rollups_line(rows: int, took: float) -> str:
    return f"rollups: {rows:,} rows in {step_count()} steps in {took:.1f} s"


def _swap_line(took: float) -> str:
    return f"indexes built on the new tables, then swapped for the old ones in {took:.1f} s"


# ---------------------------------------------------------------------------
# The rebuild shared by several connections (PostgreSQL)
# ---------------------------------------------------------------------------


def _cleanup(cursor: Any) -> None:
    """Drop the tables a parallel rebuild writes, but those it swapped in (also a dead
    rebuild's): the scratch tables ``lyb_rebuild_*`` and the new tables ``lyb_next_*``."""
    cursor.execute(
        r"""SELECT c.relname FROM pg_class c
           WHERE c.relkind = 'r' AND c.relpersistence <> 't'
             AND c.relnamespace = to_regnamespace(current_schema())::oid
             AND (c.relname LIKE 'lyb\_rebuild\_%%' OR c.relname LIKE 'lyb\_next\_%%')"""
    )
    _drop(cursor, *(name for (name,) in cursor.fetchall()))


class _Parallel:
    """The same rebuild, its work shared by ``workers`` connections, one thread each.

    This connection takes the fold cursor's lock (no fold, and no other rebuild, runs
    until it commits) and exports its snapshot; the contributions are computed by the
    workers in transactions that import it, so every message is read as of one moment,
    the moment ``last_event`` is read. What the workers write must be seen by the other
    connections, so it is committed as it goes, into tables nobody else reads: unlogged
    scratch tables (``lyb_rebuild_*``) and the new rollup and fact tables
    (``lyb_next_*``). Once they are filled and indexed, this connection swaps the new
    tables in, drops the scratch tables and moves the cursor, in its one transaction;
    readers see the old rollups until then. A rebuild that fails leaves those tables
    behind; the next one drops them first, under the lock (``_cleanup``).
    """

    def __init__(
        self,
        workers: int,
        chunk: int,
        progress: Callable[[int], None],
        steps: Callable[[int], None],
        say: Log,
    ) -> None:
        self.workers, self.chunk = workers, chunk
        self.progress, self.steps, self.say = progress, steps, say
        self.lock = threading.Condition()
        self.failed = threading.Event()
        self.rollup = self.facts = ""
        self.swaps: list[_Swap] = []
        self.count = self.written = 0

    def _threads(self, work: Callable[[], None], count: int | None = None) -> None:
        """Run ``work`` in ``count`` threads (default: the workers), each with its own
        connection; re-raise the first failure once every thread has stopped (the
        others stop at their next job)."""
        errors: list[BaseException] = []

        def run() -> None:
            try:
                work()
            except BaseException as error:  # re-raised below
                errors.append(error)
                self.failed.set()
                with self.lock:
                    self.lock.notify_all()
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(count or self.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _take(self, jobs: list[Any]) -> Any:
        with self.lock:
            return jobs.pop(0) if jobs and not self.failed.is_set() else None

    def run(self) -> int:
        event = connection.ops.quote_name(Event._meta.db_table)
        with transaction.atomic():
            cursor = locked_cursor()
            with connection.cursor() as c:
                # One statement, one snapshot: the workers read what this reads.
                c.execute(f"SELECT pg_export_snapshot(), (SELECT MAX(id) FROM {event})")
                snapshot, last_event = c.fetchone()
            count = self._build(snapshot)
            started = time.perf_counter()
            self._index()
            with connection.cursor() as c:
                for swap in self.swaps:
                    _swap(c, swap)
                # Every worker has stopped: nobody else holds these tables. A rebuild
                # that fails leaves them for the next one, which drops them under the lock.
                _cleanup(c)
            self.say(_swap_line(time.perf_counter() - started))
            _point_cursor(cursor, last_event or 0)
        return count

    def _build(self, snapshot: str) -> int:
        started = time.perf_counter()
        self._threads(self._setup, 1)
        self.say(f"{_how()} in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        count = self._contributions(snapshot)
        self.say(
            _contributions_line(count, time.perf_counter() - started, self.chunk, self.workers)
        )
        started = time.perf_counter()
        rows = self._grains(count)
        self.say(_rollups_line(rows, time.perf_counter() - started))
        return count

    # -- the tables --------------------------------------------------------------

    def _setup(self) -> None:
        """The new tables, the shared scratch tables, and every region's and body's
        mapped ids (from their tables: no worker needs to add any)."""
        with connection.cursor() as c:
            _cleanup(c)
            self.rollup, self.facts = _begin(c, Rollup), _begin(c, MessageFact)
            _create_scratch(c, "UNLOGGED")
            parents = {"region_id": _region_parents(), "office_id": _office_parents()}
            for dimension, how in _maps():
                keys_of = _keys_of(dimension)
                with c.cursor.copy(
                    f"COPY {_map_table(dimension, how)} (src, dst) FROM STDIN"
                ) as copy:
                    for src in (0, *parents[dimension]):
                        for dst in keys_of(how, src):
                            copy.write_row((src, dst))

    # -- phase 1 -----------------------------------------------------------------

    def _contributions(self, snapshot: str) -> int:
        msg = connection.ops.quote_name(Message._meta.db_table)
        with connection.cursor() as c:
            c.execute(f"SELECT MIN(id), MAX(id) FROM {msg}")
            first, last = c.fetchone()
        batches = (
            [(k, min(k + self.chunk, last)) for k in range(first - 1, last, self.chunk)]
            if first is not None
            else []
        )
        self.count = 0

        def work() -> None:
            connection.ensure_connection()
            with transaction.atomic(), connection.cursor() as c:
                c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                c.execute(f"SET TRANSACTION SNAPSHOT {_quote(snapshot)}")
                while (batch := self._take(batches)) is not None:
                    low, high = batch
                    n = _batch(c, low, high, None, self.facts)
                    reset_queries()
                    with self.lock:
                        self.count += n
                        self.progress(n)

        self._threads(work)
        self._threads(lambda: _analyse(_ALL), 1)
        return self.count

    # -- phase 2 -----------------------------------------------------------------

    def _grains(self, messages: int) -> int:
        """Each step once, by whichever worker is free, as soon as every aggregate it
        could be summed from (those before it in ``_plan``) is built; the aggregates
        later steps sum from first. The source is the smallest of them, as in
        ``_grains``."""
        plan = _plan()
        contributions = _Source(_ALL, Step("", False, frozenset(DIMENSIONS)), messages, True)
        feeds = {
            i: [j for j in range(i) if plan[j].materialise and _covers(plan[j], plan[i])]
            for i in range(len(plan))
        }
        pending = sorted(range(len(plan)), key=lambda i: (not plan[i].materialise, i))
        built: dict[int, _Source] = {}
        # The steps yet to finish that could read each aggregate: once none is left, it
        # is dropped (the scratch aggregates are as wide as rollup rows: disk, not memory).
        readers = {j: {i for i in feeds if j in feeds[i]} for j in range(len(plan))}
        self.written = 0

        def next_step() -> int | None:
            with self.lock:
                while pending and not self.failed.is_set():
                    for i in pending:
                        if all(j in built for j in feeds[i]):
                            pending.remove(i)
                            return i
                    self.lock.wait()
                return None

        def work() -> None:
            with connection.cursor() as c:
                while (i := next_step()) is not None:
                    started = time.perf_counter()
                    source = min(
                        [contributions, *(built[j] for j in feeds[i])], key=lambda s: s.rows
                    )
                    with transaction.atomic():
                        c.execute(f"SET LOCAL work_mem = '{GRAIN_MEMORY}'")
                        rows, made = _fill(c, plan[i], source, i, self.rollup, "UNLOGGED")
                    with self.lock:
                        if made is not None:
                            built[i] = made
                        if plan[i].grain:
                            self.written += rows
                        self.say(_step_line(plan[i], rows, time.perf_counter() - started, source))
                        self.steps(1)
                        self.lock.notify_all()
                        done = []
                        for j in feeds[i]:
                            readers[j].discard(i)
                            if not readers[j]:
                                done.append(built[j].table)
                    _drop(c, *done)

        self._threads(work)
        return self.written

    # -- phase 3 -----------------------------------------------------------------

    def _index(self) -> None:
        """Every index of both new tables, built by whichever worker is free (largest
        tables first), and both analysed; the swap is left to the locking connection."""
        with connection.cursor() as c:
            self.swaps = [
                _swap_plan(c, model, new)
                for model, new in ((Rollup, self.rollup), (MessageFact, self.facts))
            ]
        jobs = [s for swap in self.swaps for s in swap.indexes]
        jobs += [f"ANALYZE {swap.new}" for swap in self.swaps]

        def work() -> None:
            with connection.cursor() as c:
                while (statement := self._take(jobs)) is not None:
                    with transaction.atomic():
                        c.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'")
                        c.execute(statement)

        self._threads(work)
