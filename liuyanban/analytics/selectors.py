"""Reading the rollups: scopes, periods, sums and the KPIs computed from them.

Every figure is about the messages *received* (submitted) in the period and
within the scope, in their current state. The definitions shown to users live in
``DEFINITIONS``; each KPI below is computed exactly as its definition says, so a
newcomer can check it by hand against the message list.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import TypedDict

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liuyanban.organizations.models import Board, Organization, Region
from liuyanban.taxonomy.models import Domain

from .grains import EVERY, GRAINS
from .models import FINAL_HIST, FIRST_HIST, HIST_BUCKETS, MEASURES, Grain, Rollup

Totals = Mapping[str, int]
StrOrPromise = str | Promise


# ---------------------------------------------------------------------------
# Periods and scopes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """An inclusive range of submission dates."""

    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    def label(self) -> str:
        if self.start == date(self.start.year, 1, 1) and self.end == date(self.start.year, 12, 31):
            return str(_("%s年") % self.start.year)
        return f"{self.start.isoformat()} — {self.end.isoformat()}"

    def previous_year(self) -> Period:
        """The same dates one year earlier (29 February becomes the 28th)."""
        return Period(_minus_year(self.start), _minus_year(self.end))

    def parts(self) -> tuple[tuple[date, date] | None, Q | None]:
        """The whole months inside the period (a range of month starts) and the day rows
        of the partial months at its edges (a ``Q``); None for either when there is none."""
        months: list[date] = []
        days = Q(pk__in=[])
        month = self.start.replace(day=1)
        while month <= self.end:
            last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            lo, hi = max(month, self.start), min(last, self.end)
            if lo == month and hi == last:
                months.append(month)
            else:
                days |= Q(grain=Grain.DAY, period__range=(lo, hi))
            month = last + timedelta(days=1)
        return ((months[0], months[-1]) if months else None), (days if len(days) > 1 else None)

    def q(self, month_grain: str = Grain.MONTH) -> Q:
        """Month rows for whole months inside the period, day rows for the partial edges.

        ``month_grain`` picks the full month rows or one of the platform-wide cubes;
        the edges always come from day rows, which carry every dimension.
        """
        months, days = self.parts()
        if months is None:
            assert days is not None  # a period holds at least one day
            return days
        # The whole months are consecutive: one range, which an index on
        # (grain, <scope dimension>, period) reads as one scan per scope value.
        whole = Q(grain=month_grain, period__range=months)
        return whole | days if days is not None else whole


def _minus_year(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


@dataclass(frozen=True)
class Scope:
    """Which messages: all, or those of a region, body, board, unit or domain (combinable)."""

    region: Region | None = None
    office: Organization | None = None
    board: Board | None = None
    unit: Organization | None = None
    domain: Domain | None = None

    def label(self) -> str:
        parts = [
            str(x) for x in (self.region, self.office, self.board, self.unit, self.domain) if x
        ]
        return " · ".join(parts) or str(_("全平台"))

    def is_everything(self) -> bool:
        return not any((self.region, self.office, self.board, self.unit, self.domain))

    def params(self) -> dict[str, str]:
        """Query-string parameters (codes) that recreate this scope."""
        names = ("region", "office", "board", "unit", "domain")
        return {n: getattr(self, n).code for n in names if getattr(self, n) is not None}

    def q(self) -> Q:
        """The rows of this scope (the subtrees are read once per scope, not per query)."""
        return self._q

    def shape(self) -> str:
        """Which family of month cubes holds this scope's rows (``CUBES``).

        "all" for the whole platform, "region" for a region alone, "office" for a body
        alone; any other scope ("rows") reads the month rows, which keep every dimension.
        """
        given = [n for n in ("region", "office", "board", "unit", "domain") if getattr(self, n)]
        if not given:
            return "all"
        return given[0] if given in (["region"], ["office"]) else "rows"

    @cached_property
    def _q(self) -> Q:
        # Subtrees are one array parameter (``= ANY``), not thousands of placeholders.
        q = Q()
        if self.region is not None:
            q &= Q(region_id__any_of=region_subtree_ids(self.region.pk))
        if self.office is not None:
            # A body's figures include the bodies and units below it.
            q &= Q(office_id__any_of=holding_ids(self.office))
        if self.unit is not None:
            q &= Q(unit_id__any_of=subtree_ids(self.unit))
        if self.board is not None:
            q &= Q(board_id=self.board.pk)
        if self.domain is not None:
            q &= Q(domain_id=self.domain.pk)
        return q


def subtree_ids(org: Organization) -> list[int]:
    """Ids of ``org`` and everything below it, as a list: the planner then uses the
    rollup indexes with ``= ANY(...)`` instead of a semi-join over the whole table."""
    return list(Organization.objects.filter(path__startswith=org.path).values_list("pk", flat=True))


def holding_ids(org: Organization) -> list[int]:
    """Ids of ``org`` and the bodies below it that have held a message (have office rows).

    The same rows as ``subtree_ids`` select as offices, found once: most of a large
    subtree's ids are units and bodies that never held a message (2,715 of a provincial
    government's 2,896 in the 200 k bench), and each id costs an index probe in every
    query of a report. Every message feeds an office row (grain ``o``) of its office, so
    an office without one has no row in any grain.
    """
    return list(
        Rollup.objects.filter(grain=Grain.OFFICE, office_id__any_of=subtree_ids(org))
        .values_list("office_id", flat=True)
        .distinct()
    )


def region_subtree_ids(region_id: int) -> list[int]:
    """The region and every region below it."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Region.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    out, todo = [], [region_id]
    while todo:
        pk = todo.pop()
        out.append(pk)
        todo.extend(children.get(pk, []))
    return out


# Plain totals (and totals per month): the smallest cube of each shape serves them.
TOTALS = "totals"
# Domains by every region (not only provinces), for the whole platform: a cube keeping
# every region level, read through ``rows(…, regions=…)``.
EVERY_REGION = "every_region"
# For each scope shape (``Scope.shape``), the month cube that holds a breakdown, named
# by the platform-wide cube of that breakdown (or ``TOTALS``). Each cube keeps the
# scope's own dimension (region or office; at every level, except ``o`` and the
# platform cubes: ``every_level``) and the breakdown.
CUBES: dict[str, dict[str, str]] = {
    "all": {
        TOTALS: Grain.KIND,
        EVERY_REGION: Grain.REGION_DOMAIN,
        **{g: g for g in (Grain.KIND, Grain.DOMAIN_REGION, Grain.BOARD, Grain.OFFICE)},
    },
    "region": {
        TOTALS: Grain.REGION_KIND,
        Grain.KIND: Grain.REGION_KIND,
        Grain.DOMAIN_REGION: Grain.REGION_DOMAIN,
        Grain.BOARD: Grain.REGION_BOARD,
        Grain.OFFICE: Grain.REGION_OFFICE,
    },
    "office": {
        TOTALS: Grain.OFFICE_KIND,
        Grain.KIND: Grain.OFFICE_KIND,
        Grain.DOMAIN_REGION: Grain.OFFICE_DOMAIN,
        Grain.BOARD: Grain.OFFICE_BOARD,
        Grain.OFFICE: Grain.OFFICE,
    },
}


_REFERENCE: ContextVar[bool] = ContextVar("analytics_reference", default=False)


@contextmanager
def month_rows_only() -> Iterator[None]:
    """Within this block every figure is read from the month rows (and the day rows at
    the edges), grouped whole and ranked in Python: the plain reading the cubes must
    equal (the tests and ``bench/reports_bench.py --check`` compare the two)."""
    token = _REFERENCE.set(True)
    try:
        yield
    finally:
        _REFERENCE.reset(token)


def cube_for(scope: Scope, cube: str = Grain.MONTH) -> str:
    """The grain to read for ``scope`` grouped by ``cube``'s breakdown (see ``CUBES``)."""
    if _REFERENCE.get():
        return Grain.MONTH
    return CUBES.get(scope.shape(), {}).get(cube, Grain.MONTH)


def every_level(grain: str) -> str | None:
    """The dimension ``grain`` keeps at every level (``rollups.EVERY``): "region_id",
    "office_id" or None. Such a cube holds a row for each region (body) above a message
    too, so a scope reads the rows of its own id alone, never those below it."""
    for g in GRAINS:
        if g.grain == grain:
            if g.region == EVERY and "region_id" in g.keep:
                return "region_id"
            if g.office == EVERY and "office_id" in g.keep:
                return "office_id"
    return None


def rows(
    scope: Scope, period: Period, cube: str = Grain.MONTH, *, regions: list[int] | None = None
) -> QuerySet[Rollup]:
    """The rollup rows that hold exactly the messages of ``scope`` received in ``period``.

    ``cube`` names the platform-wide month cube with the one breakdown the caller groups
    by (``TOTALS`` for none, ``Grain.MONTH`` for any); the whole
    platform, a region and a body read the month cube of their shape with that breakdown
    (``CUBES``): a region's or a body's cube keeps it at every level, so its rows are
    those of the scope's own id. Any other scope reads the full rows, bounded by the
    regions or bodies in the scope. The partial months at the edges always come from day
    rows (every dimension, each message once: bounded by the scope's subtree).

    ``regions``, for a cube keeping every region level: the rows of these regions
    instead of the scope's own (the heat table reads a region and those just below
    it). They overlap: a region's row also counts the messages below it.
    """
    grain = cube_for(scope, cube)
    level = every_level(grain)
    own: Q | None = None
    if level == "region_id" and regions is not None:
        own = Q(region_id__any_of=regions)
    elif level == "region_id" and scope.shape() == "region":
        assert scope.region is not None
        own = Q(region_id=scope.region.pk)
    elif level == "office_id" and scope.shape() == "office":
        assert scope.office is not None
        own = Q(office_id=scope.office.pk)
    if own is None:
        if scope.is_everything():
            return Rollup.objects.filter(period.q(grain))
        return Rollup.objects.filter(period.q(grain) & scope.q())
    months, days = period.parts()
    parts = [] if months is None else [Q(grain=grain, period__range=months) & own]
    if days is not None:
        # The subtree is only looked up when day rows are read.
        parts.append(days & scope.q() if scope.region or scope.office else days)
    whole = parts[0]
    for part in parts[1:]:
        whole |= part
    return Rollup.objects.filter(whole)


SUMS = {name: Sum(name) for name in MEASURES}
HIST_SUMS = {name: Sum(name) for name in FIRST_HIST + FINAL_HIST}


def totals(qs: QuerySet[Rollup], *, histograms: bool = True) -> dict[str, int]:
    """Column sums over ``qs`` (zeros when empty)."""
    sums = qs.aggregate(**SUMS, **(HIST_SUMS if histograms else {}))
    return {k: int(v or 0) for k, v in sums.items()}


def grouped(
    qs: QuerySet[Rollup],
    *dims: str,
    measures: Iterable[str] = MEASURES,
    top: tuple[str, int] | None = None,
) -> list[dict[str, int]]:
    """Column sums per value of ``dims`` (no histograms: medians need the whole scope).

    In ``dims`` order; with ``top=(measure, n)`` only the ``n`` groups with the largest
    sum of ``measure`` (ties in ``dims`` order), largest first. The rows are read with
    a plain cursor: a national report groups thousands of bodies and boards, and the
    ORM's per-value conversion of integer sums cost more than the query.
    """
    sums = {name: Sum(name) for name in measures}
    grouping = qs.values(*dims).annotate(**sums)
    if top is None or _REFERENCE.get():
        grouping = grouping.order_by(*dims)
    else:
        grouping = grouping.order_by(f"-{top[0]}", *dims)[: top[1]]
    try:
        sql, params = grouping.query.sql_with_params()
    except EmptyResultSet:  # e.g. a subtree none of whose bodies has held a message
        return []
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        fetched = cursor.fetchall()
    keys = set(dims)
    return [
        {k: (v if k in keys else int(v or 0)) for k, v in zip(names, row, strict=True)}
        for row in fetched
    ]


# ---------------------------------------------------------------------------
# KPIs
# ---------------------------------------------------------------------------


def ratio(num: int, den: int) -> float | None:
    """num/den, or None when there is nothing to divide."""
    return num / den if den else None


def median_of(histogram: Iterable[int]) -> float | None:
    """The median of counts per bucket (mean of the two middle values for an even count)."""
    counts = list(histogram)
    n = sum(counts)
    if not n:
        return None

    def nth(k: int) -> int:
        seen = 0
        for value, count in enumerate(counts):
            seen += count
            if seen > k:
                return value
        return len(counts) - 1

    return (nth((n - 1) // 2) + nth(n // 2)) / 2


@dataclass(frozen=True)
class Figure:
    """One KPI with its value and its written definition."""

    key: str
    label: str
    value: float | int | None
    kind: str  # "count", "rate", "days", "score"
    definition: str
    numerator: int | None = None
    denominator: int | None = None

    def display(self) -> str:
        if self.value is None:
            return "—"
        if self.kind == "count":
            return f"{int(self.value):,}"
        if self.kind == "rate":
            return f"{self.value * 100:.1f}%"
        if self.kind == "days" and self.value >= HIST_BUCKETS - 1 and self.key.startswith("median"):
            return "≥60"
        return f"{self.value:.2f}" if self.kind == "score" else f"{self.value:.1f}"


# The written definitions, shown next to each figure and on the glossary page.
DEFINITIONS: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    "received": (_("收到留言"), _("统计期内提交的留言件数（含未通过审核、已合并的）。")),
    "published": (_("公开留言"), _("其中通过审核公开的件数。")),
    "accepted": (_("受理"), _("其中已被受理（含直接转办、交办）的件数。")),
    "replied": (_("已回复"), _("其中已发布过正式回复的件数（发回重办后仍计入）。")),
    "closed": (_("已办结"), _("其中当前状态为“已办结”的件数。")),
    "reply_rate": (_("回复率"), _("已回复 ÷ 受理。")),
    "on_time_rate": (
        _("按期回复率"),
        _(
            "当前正式回复在回复期限（含已批准的延期；重办后为重办期限）当日或之前发布的件数 ÷ "
            "当前处于“已回复”或“已办结”的件数。"
        ),
    ),
    "avg_first": (
        _("首次回复平均用时"),
        _("提交日到首次回复（阶段性或正式）之日的工作日数的平均值，按中国法定节假日和调休计算。"),
    ),
    "median_first": (_("首次回复用时中位数"), _("同上，取中位数。")),
    "avg_final": (
        _("正式回复平均用时"),
        _("提交日到当前正式回复之日的工作日数的平均值；仅统计当前已回复或已办结的留言。"),
    ),
    "median_final": (_("正式回复用时中位数"), _("同上，取中位数（60 个工作日以上合为一档）。")),
    "solved": (_("解决程度"), _("群众评价“解决程度”（1–5 分）的平均分。")),
    "attitude": (_("办理态度"), _("群众评价“办理态度”（1–5 分）的平均分。")),
    "speed": (_("办理速度"), _("群众评价“办理速度”（1–5 分）的平均分。")),
    "satisfaction": (
        _("综合满意度"),
        _("每条评价三项得分的平均值，再对全部评价求平均（1–5 分）。"),
    ),
    "good_rate": (_("好评率"), _("三项平均分不低于 4 分的评价条数 ÷ 评价条数。")),
    "reopen_rate": (_("发回重办率"), _("至少被发回重办一次的件数 ÷ 已回复。")),
    "return_rate": (_("退回率"), _("至少被承办单位退回一次的件数 ÷ 受理。")),
    "sup_issued": (_("督办单"), _("对这些留言发出的催办、督办、挂牌督办单数。")),
    "sup_answered": (_("已反馈督办单"), _("其中承办方已反馈的督办单数。")),
}


def _figure(
    key: str, value: float | int | None, kind: str, num: int | None = None, den: int | None = None
) -> Figure:
    label, definition = DEFINITIONS[key]
    return Figure(key, str(label), value, kind, str(definition), num, den)


def _rate(key: str, num: int, den: int) -> Figure:
    return _figure(key, ratio(num, den), "rate", num, den)


def satisfaction(t: Totals) -> float | None:
    """Mean of the three scales over all evaluations."""
    return ratio(t["solved_sum"] + t["attitude_sum"] + t["speed_sum"], 3 * t["eval_n"])


def kpis(t: Totals) -> list[Figure]:
    """Every KPI of one scope and period from its column sums."""
    first_hist = [t.get(c, 0) for c in FIRST_HIST]
    final_hist = [t.get(c, 0) for c in FINAL_HIST]
    return [
        *(_figure(k, t[k], "count") for k in ("received", "published", "accepted", "replied")),
        _figure("closed", t["closed"], "count"),
        _rate("reply_rate", t["replied"], t["accepted"]),
        _rate("on_time_rate", t["on_time"], t["final_n"]),
        _figure(
            "avg_first", ratio(t["first_days"], t["first_n"]), "days", t["first_days"], t["first_n"]
        ),
        _figure("median_first", median_of(first_hist), "days"),
        _figure(
            "avg_final", ratio(t["final_days"], t["final_n"]), "days", t["final_days"], t["final_n"]
        ),
        _figure("median_final", median_of(final_hist), "days"),
        *(
            _figure(k, ratio(t[f"{k}_sum"], t["eval_n"]), "score", t[f"{k}_sum"], t["eval_n"])
            for k in ("solved", "attitude", "speed")
        ),
        _figure("satisfaction", satisfaction(t), "score"),
        _rate("good_rate", t["good_n"], t["eval_n"]),
        _rate("reopen_rate", t["reopened"], t["replied"]),
        _rate("return_rate", t["returned"], t["accepted"]),
        _figure("sup_issued", t["sup_issued"], "count"),
        _figure("sup_answered", t["sup_answered"], "count"),
    ]


@dataclass
class Summary:
    """The KPIs of one scope and period, as figures and by key."""

    scope: Scope
    period: Period
    totals: dict[str, int] = field(default_factory=dict)

    @cached_property
    def figures(self) -> list[Figure]:
        return kpis(self.totals)

    def __getitem__(self, key: str) -> Figure:
        # KeyError (not StopIteration) so templates fall back to attribute lookup.
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)


def summary(scope: Scope, period: Period) -> Summary:
    """KPIs of ``scope`` for messages received in ``period``."""
    return Summary(scope, period, totals(rows(scope, period, TOTALS)))


# ---------------------------------------------------------------------------
# Staff dashboards
# ---------------------------------------------------------------------------

DASHBOARD_ROLES = ("analyst", "supervisor", "clerk", "leader", "admin")


def dashboard_organizations(user: object) -> list[Organization]:
    """The organisations whose statistics a staff member's dashboard shows.

    Each organisation where the user holds an analyst, supervisor, clerk, leader or
    admin role, without those already covered by another one of them (a role covers
    the subtree).
    """
    from liuyanban.accounts.selectors import role_paths

    paths = sorted(set(role_paths(user, DASHBOARD_ROLES)), key=len)  # type: ignore[arg-type]
    tops = [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]
    return list(Organization.objects.filter(path__in=tops).order_by("path"))


class SiteFigures(TypedDict):
    """The home page's headline figures over everything ever received."""

    messages: int
    answered: int
    reply_rate: float | None
    satisfaction_mean: float | None


def site_figures() -> SiteFigures:
    """Public messages, answered ones, the reply rate and the mean rating, from the rollups.

    Reads the platform-wide month-by-kind cube (a few hundred rows) instead of
    counting every message: the counts are as fresh as the rollups' last fold.
    Public messages are those published and not merged into another.
    """
    t = totals(Rollup.objects.filter(grain=Grain.KIND), histograms=False)
    public = t["published"] - t["merged"]
    mean = None
    if t["eval_n"]:
        mean = round((t["solved_sum"] + t["attitude_sum"] + t["speed_sum"]) / (3 * t["eval_n"]), 2)
    return {
        "messages": public,
        "answered": t["answered"],
        "reply_rate": round(100 * t["answered"] / public, 1) if public else None,
        "satisfaction_mean": mean,
    }
