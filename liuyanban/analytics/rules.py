"""What one message adds to the rollups, written once as data.

The rules are declared here as small condition and value objects. Each object can be
evaluated on one message in Python (``contribution``, used by the incremental fold
after each event) and compiled to SQL (the set-based rebuild, which computes every
message's contribution in the database). Both come from the same declaration, so a
rule changed here changes both paths; the randomised history test asserts that the
incremental rollups equal a rebuild on SQLite and PostgreSQL.

The SQL names its inputs by column: a message row (``m``-columns in ``MESSAGE_COLUMNS``,
plus the local dates ``day``, ``fday`` and ``rday`` the rebuild computes once), and for
the related tables their own columns. Working days come from a calendar table whose
``n`` is the running count of working days, filled from ``workdays.is_workday``: the
working days in (a, b] are ``n(b) - n(a)``, exactly what ``working_days_between`` counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from liuyanban.lifecycle.models import (
    ANSWERED_STATUSES,
    Evaluation,
    Extension,
    ExtensionState,
    Message,
    Status,
)
from liuyanban.lifecycle.workdays import working_days_between
from liuyanban.supervision.models import SupervisionOrder

from .models import HIST_BUCKETS

Values = dict[str, int]


# ---------------------------------------------------------------------------
# The little language: conditions and values with a Python and an SQL form
# ---------------------------------------------------------------------------


class Cond:
    """A yes/no rule on one row."""

    def py(self, row: Any) -> bool:
        raise NotImplementedError

    def sql(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Always(Cond):
    def py(self, row: Any) -> bool:
        return True

    def sql(self) -> str:
        return "1 = 1"


@dataclass(frozen=True)
class NotNull(Cond):
    field: str

    def py(self, row: Any) -> bool:
        return getattr(row, self.field) is not None

    def sql(self) -> str:
        return f"{self.field} IS NOT NULL"


@dataclass(frozen=True)
class In(Cond):
    field: str
    choices: tuple[str, ...]

    def py(self, row: Any) -> bool:
        return getattr(row, self.field) in self.choices

    def sql(self) -> str:
        return f"{self.field} IN ({', '.join(_literal(c) for c in self.choices)})"


@dataclass(frozen=True)
class AtLeast(Cond):
    """The sum of ``fields`` is at least ``least``."""

    fields: tuple[str, ...]
    least: int

    def py(self, row: Any) -> bool:
        return sum(getattr(row, f) for f in self.fields) >= self.least

    def sql(self) -> str:
        return f"({' + '.join(self.fields)}) >= {int(self.least)}"


@dataclass(frozen=True)
class NotAfter(Cond):
    """``field`` is on or before ``other`` (both set)."""

    field: str
    other: str

    def py(self, row: Any) -> bool:
        a, b = getattr(row, self.field), getattr(row, self.other)
        return a is not None and b is not None and a <= b

    def sql(self) -> str:
        return f"({self.field} IS NOT NULL AND {self.other} IS NOT NULL AND {self.field} <= {self.other})"


@dataclass(frozen=True)
class All(Cond):
    parts: tuple[Cond, ...]

    def py(self, row: Any) -> bool:
        return all(p.py(row) for p in self.parts)

    def sql(self) -> str:
        return "(" + " AND ".join(p.sql() for p in self.parts) + ")"


def _literal(value: str) -> str:
    """An SQL string literal of a code value (choices are plain words: nothing to escape)."""
    if not re.fullmatch(r"[A-Za-z0-9_]*", value):
        raise ValueError(f"not a plain code value: {value!r}")
    return f"'{value}'"


def eq(field: str, value: str) -> In:
    return In(field, (str(value),))


def positive(field: str) -> AtLeast:
    return AtLeast((field,), 1)


# ---------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------

ANSWERED = In("status", tuple(sorted(str(s) for s in ANSWERED_STATUSES)))

# Yes/no counts on the message: one message counts at most once in each.
FLAGS: dict[str, Cond] = {
    "received": Always(),
    "published": NotNull("published_at"),
    "rejected": eq("status", Status.REJECTED),
    "merged": eq("status", Status.MERGED),
    "accepted": NotNull("accepted_at"),
    "returned": positive("return_count"),
    "replied": NotNull("replied_at"),
    "answered": ANSWERED,
    "closed": eq("status", Status.CLOSED),
    "reopened": positive("reopen_count"),
}


@dataclass(frozen=True)
class Timing:
    """Working days from submission (``day``) to a reply date, when ``when`` holds.

    Adds ``{prefix}_n`` = 1, ``{prefix}_days`` and one histogram bucket ``{hist}{b}``.
    """

    prefix: str
    hist: str
    until: str
    when: Cond


TIMINGS: tuple[Timing, ...] = (
    Timing("first", "hf", "fday", NotNull("fday")),
    # Only a message whose final reply stands (not reopened since) has a final timing.
    Timing("final", "hl", "rday", All((ANSWERED, NotNull("rday")))),
)
# reply_due is the deadline in force: it already includes an approved extension.
ON_TIME = All((ANSWERED, NotAfter("rday", "reply_due")))


@dataclass(frozen=True)
class Related:
    """A measure over the message's rows of a related table.

    ``kind`` is "count" (rows where ``when`` holds), "sum" (of ``field`` over them) or
    "any" (1 when at least one row holds).
    """

    model: type
    name: str
    kind: str
    when: Cond = Always()
    field: str = ""


RELATED: tuple[Related, ...] = (
    Related(Evaluation, "eval_n", "count"),
    Related(Evaluation, "solved_sum", "sum", field="solved"),
    Related(Evaluation, "attitude_sum", "sum", field="attitude"),
    Related(Evaluation, "speed_sum", "sum", field="speed"),
    # "Rated 4–5": the mean of the three scales is at least 4.
    Related(Evaluation, "good_n", "count", AtLeast(("solved", "attitude", "speed"), 12)),
    Related(SupervisionOrder, "sup_issued", "count"),
    Related(SupervisionOrder, "sup_answered", "count", NotNull("responded_at")),
    Related(Extension, "extended", "any", eq("state", ExtensionState.APPROVED)),
)
RELATED_MODELS: tuple[type, ...] = (Evaluation, SupervisionOrder, Extension)


def bucket(days: int) -> int:
    """Histogram bucket of a working-day count (the last holds everything from there up)."""
    return max(0, min(days, HIST_BUCKETS - 1))


def bucket_sql(expr: str) -> str:
    top = HIST_BUCKETS - 1
    return f"(CASE WHEN {expr} < 0 THEN 0 WHEN {expr} > {top} THEN {top} ELSE {expr} END)"


# ---------------------------------------------------------------------------
# Python: one message
# ---------------------------------------------------------------------------


class MessageRow:
    """A message seen by the rules: its fields plus its local dates."""

    def __init__(self, message: Message) -> None:
        self._m = message
        self.day = timezone.localdate(message.submitted_at)
        self.fday = _local_or_none(message.first_reply_at)
        self.rday = _local_or_none(message.replied_at)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._m, name)


def _local_or_none(value: Any) -> date | None:
    return timezone.localdate(value) if value is not None else None


def contribution(
    message: Message,
    evaluations: Iterable[Evaluation],
    orders: Iterable[SupervisionOrder],
    extensions: Iterable[Extension],
) -> Values:
    """Everything one message adds to its rollup rows, from its current state."""
    row = MessageRow(message)
    values: Values = {name: 1 for name, cond in FLAGS.items() if cond.py(row)}
    for t in TIMINGS:
        if t.when.py(row):
            days = working_days_between(row.day, getattr(row, t.until))
            values.update(
                {f"{t.prefix}_n": 1, f"{t.prefix}_days": days, f"{t.hist}{bucket(days)}": 1}
            )
    if ON_TIME.py(row):
        values["on_time"] = 1
    rows: dict[type, list[Any]] = {
        Evaluation: list(evaluations),
        SupervisionOrder: list(orders),
        Extension: list(extensions),
    }
    for r in RELATED:
        hits = [x for x in rows[r.model] if r.when.py(x)]
        if r.kind == "count":
            values[r.name] = len(hits)
        elif r.kind == "sum":
            values[r.name] = sum(getattr(x, r.field) for x in hits)
        else:
            values[r.name] = 1 if hits else 0
    return {k: v for k, v in values.items() if v}


# ---------------------------------------------------------------------------
# SQL: every message of a batch at once
# ---------------------------------------------------------------------------


def measure_sql(cal: Callable[[str], str]) -> list[tuple[str, str]]:
    """(column, SQL expression) of every per-message value, over the prepared base row.

    ``cal(name)`` is the running working-day count of the local date column ``name``
    (joined from the calendar). Related measures read pre-aggregated ``rel_<name>``.
    The timings keep their bucket (``hf_b``, ``hl_b``; NULL when there is no timing)
    instead of 61 columns each.
    """
    out: list[tuple[str, str]] = []
    for name, cond in FLAGS.items():
        out.append((name, f"CASE WHEN {cond.sql()} THEN 1 ELSE 0 END"))
    out.append(("on_time", f"CASE WHEN {ON_TIME.sql()} THEN 1 ELSE 0 END"))
    for t in TIMINGS:
        when = t.when.sql()
        days = f"({cal(t.until)} - {cal('day')})"
        out.append((f"{t.prefix}_n", f"CASE WHEN {when} THEN 1 ELSE 0 END"))
        out.append((f"{t.prefix}_days", f"CASE WHEN {when} THEN {days} ELSE 0 END"))
        out.append((f"{t.hist}_b", f"CASE WHEN {when} THEN {bucket_sql(days)} END"))
    for r in RELATED:
        out.append((r.name, f"COALESCE(rel_{r.name}, 0)"))
    return out


def related_sql(model: type, where: str) -> tuple[str, list[str]]:
    """One model's measures per message of its rows matching ``where``.

    Returns (``SELECT message_id, rel_… GROUP BY message_id``, the ``rel_…`` names).
    """
    parts = ["message_id"]
    names = []
    for r in RELATED:
        if r.model is not model:
            continue
        when = r.when.sql()
        if r.kind == "count":
            expr = f"SUM(CASE WHEN {when} THEN 1 ELSE 0 END)"
        elif r.kind == "sum":
            expr = f"SUM(CASE WHEN {when} THEN {r.field} ELSE 0 END)"
        else:
            expr = f"MAX(CASE WHEN {when} THEN 1 ELSE 0 END)"
        parts.append(f"{expr} AS rel_{r.name}")
        names.append(f"rel_{r.name}")
    table = model._meta.db_table  # type: ignore[attr-defined]
    sql = f"SELECT {', '.join(parts)} FROM {table} WHERE {where} GROUP BY message_id"
    return sql, names
