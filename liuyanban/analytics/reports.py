"""Reports: headline KPIs, breakdowns, the ranking and findings for one scope and period.

Everything is read from the rollups, one grouped query per table; nothing here
touches the message table, which is what keeps a national year under a second.
The same ``Report`` feeds the HTML page, the PDF (printed from that page), and the
CSV/XLSX downloads (``tables()``), so the numbers cannot drift between them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Sum
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liuyanban.core.i18n import local_names
from liuyanban.organizations.models import Board, Organization, Region
from liuyanban.taxonomy.models import Domain, Kind

from . import selectors
from .index import IndexRow, Weights, current_weights, ranking
from .models import Cursor, Grain, Rollup
from .rollups import CURSOR
from .selectors import Period, Scope, Summary, grouped, ratio

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """One downloadable table: a title, column headers and rows."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class ShareRow:
    """A domain's share of one year's messages and its change from the year before."""

    domain: str
    counts: dict[int, int]
    shares: dict[int, float | None]
    change: float | None  # percentage points, last year minus the year before


@dataclass(frozen=True)
class Finding:
    """A generated sentence with the numbers behind it."""

    kind: str
    text: str


@dataclass
class Report:
    scope: Scope
    period: Period
    summary: Summary
    years: list[int]
    year_totals: dict[int, int]
    shares: list[ShareRow]
    heat_regions: list[Region | None]
    heat: list[tuple[str, list[int]]]
    kinds: list[tuple[str, int]]
    months: list[dict[str, Any]]
    boards: list[tuple[str, int, int]]
    bodies: list[tuple[str, int, int]]
    index: list[IndexRow]
    weights: Weights
    findings: list[Finding] = field(default_factory=list)

    def chart_data(self) -> dict[str, Any]:
        """The series the charts draw (the tables beside them hold the same numbers)."""
        last = self.years[-1]
        return {
            "shares": {
                "years": [str(y) for y in self.years],
                "series": [
                    {"name": s.domain, "data": [_pct(s.shares[y]) for y in self.years]}
                    for s in self.shares
                ],
            },
            "months": {
                "labels": [m["month"] for m in self.months],
                "received": [m["received"] for m in self.months],
                "replied": [m["replied"] for m in self.months],
            },
            "kinds": [{"name": n, "value": v} for n, v in self.kinds],
            "map": [
                {"name": r.local_name, "value": [r.longitude, r.latitude, sum(col)]}
                for r, col in zip(self.heat_regions, _columns(self.heat), strict=False)
                if r is not None and r.longitude is not None and r.latitude is not None
            ],
            "year": last,
            # The charts' own words, in the request's language.
            "words": {
                "received": _("收到"),
                "replied": _("已回复"),
                "longitude": _("经度"),
                "latitude": _("纬度"),
            },
        }

    def tables(self) -> list[Table]:
        """The underlying tables, as downloaded in CSV and XLSX."""
        return [
            _kpi_table(self.summary),
            _share_table(self.years, self.year_totals, self.shares),
            Table(
                "regions",
                _("领域×地区"),
                [_("领域"), *[r.local_name if r else _("未注明") for r in self.heat_regions]],
                [[name, *counts] for name, counts in self.heat],
            ),
            Table("kinds", _("留言类型"), [_("类型"), _("件数")], [list(k) for k in self.kinds]),
            Table(
                "months",
                _("月度趋势"),
                [_("月份"), _("收到"), _("已回复"), _("按期回复")],
                [[m["month"], m["received"], m["replied"], m["on_time"]] for m in self.months],
            ),
            Table(
                "boards",
                _("留言板"),
                [_("留言板"), _("收到"), _("已回复")],
                [list(b) for b in self.boards],
            ),
            Table(
                "bodies",
                _("办理机构"),
                [_("机构"), _("收到"), _("已回复")],
                [list(b) for b in self.bodies],
            ),
            index_table(self.index),
        ]


def _pct(value: float | None) -> float | None:
    return round(value * 100, 2) if value is not None else None


def _columns(heat: list[tuple[str, list[int]]]) -> list[list[int]]:
    return [list(col) for col in zip(*(counts for _, counts in heat), strict=True)] if heat else []


def _kpi_table(s: Summary) -> Table:
    return Table(
        "kpis",
        _("主要指标"),
        [_("指标"), _("数值"), _("分子"), _("分母"), _("口径")],
        [[f.label, f.display(), f.numerator, f.denominator, f.definition] for f in s.figures],
    )


def _share_table(years: list[int], totals: dict[int, int], shares: list[ShareRow]) -> Table:
    columns = [_("领域")]
    for y in years:
        columns += [_("%s年件数") % y, _("%s年占比") % y]
    columns.append(_("占比变化（百分点）"))
    body = []
    for s in shares:
        line: list[Cell] = [s.domain]
        for y in years:
            line += [s.counts[y], _pct(s.shares[y])]
        line.append(round(s.change, 2) if s.change is not None else None)
        body.append(line)
    body.append(
        [_("合计"), *[v for y in years for v in (totals[y], 100.0 if totals[y] else None)], None]
    )
    return Table("shares", _("领域占比（按年）"), columns, body)


def index_table(rows: list[IndexRow]) -> Table:
    def pct(v: float | None) -> Cell:
        return _pct(v)

    return Table(
        "index",
        _("办理指数排名"),
        [
            _("名次"),
            _("机构"),
            _("受理"),
            _("回复率%"),
            _("按期回复率%"),
            _("满意度"),
            _("发回重办率%"),
            _("办理指数"),
        ],
        [
            [
                r.rank,
                r.organization.local_name,
                r.accepted,
                pct(r.reply_rate),
                pct(r.on_time_rate),
                round(r.satisfaction, 2) if r.satisfaction is not None else None,
                pct(r.reopen_rate),
                round(r.index * 100, 1) if r.index is not None else None,
            ]
            for r in rows
        ],
    )


# ---------------------------------------------------------------------------
# Breakdowns
# ---------------------------------------------------------------------------


def domain_shares(scope: Scope, years: list[int]) -> tuple[dict[int, int], list[ShareRow]]:
    """Each domain's count and share of all messages, per calendar year, with the change."""
    span = Period(date(years[0], 1, 1), date(years[-1], 12, 31))
    counts: dict[int, dict[int, int]] = defaultdict(lambda: dict.fromkeys(years, 0))
    for row in (
        selectors.rows(scope, span, Grain.DOMAIN_REGION)
        .annotate(year=ExtractYear("period"))
        .values("year", "domain_id")
        .annotate(n=Sum("received"))
    ):
        counts[row["domain_id"]][row["year"]] += row["n"]
    totals = {y: sum(c[y] for c in counts.values()) for y in years}
    names = local_names(Domain.objects.filter(pk__in=list(counts)))
    out = []
    for pk, by_year in counts.items():
        shares = {y: ratio(by_year[y], totals[y]) for y in years}
        a, b = shares[years[-1]], shares[years[-2]] if len(years) > 1 else None
        change = (a - b) * 100 if a is not None and b is not None else None
        out.append(ShareRow(names.get(pk, "?"), by_year, shares, change))
    out.sort(key=lambda s: -s.counts[years[-1]])
    return totals, out


def _display_region(
    regions: dict[int, tuple[int | None, Region]], root: int | None
) -> dict[int, int]:
    """Map each region id to its ancestor just below ``root`` (or the top level)."""
    mapping = {}
    for pk in regions:
        node = pk
        while regions[node][0] is not None and regions[node][0] != root and node != root:
            parent = regions[node][0]
            if parent not in regions:
                break
            node = parent
        mapping[pk] = node
    return mapping


def heat_table(
    scope: Scope, period: Period
) -> tuple[list[Region | None], list[tuple[str, list[int]]]]:
    """Messages per domain × region, regions one level below the scope's region."""
    regions = {r.pk: (r.parent_id, r) for r in Region.objects.all()}
    cube = selectors.rows(scope, period, Grain.DOMAIN_REGION)
    data = grouped(cube, "domain_id", "region_id", measures=["received"])
    root = scope.region.pk if scope.region else None
    mapping = _display_region(regions, root)
    shown = {mapping.get(r["region_id"], 0) for r in data}
    # One region holds everything (a provincial platform): show its children instead,
    # which only the full rows know.
    if len(shown - {0}) == 1 and root is None:
        only = next(iter(shown - {0}))
        if any(parent == only for parent, _r in regions.values()):
            full = Rollup.objects.filter(period.q() & scope.q())
            data = grouped(full, "domain_id", "region_id", measures=["received"])
            mapping = _display_region(regions, only)
    cells: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for r in data:
        cells[r["domain_id"]][mapping.get(r["region_id"], 0)] += r["received"]
    columns = sorted({c for row in cells.values() for c in row}, key=lambda c: (c == 0, c))
    names = local_names(Domain.objects.filter(pk__in=list(cells)))
    body = [(names.get(d, "?"), [row.get(c, 0) for c in columns]) for d, row in cells.items()]
    body.sort(key=lambda x: -sum(x[1]))
    return [regions[c][1] if c in regions else None for c in columns], body


def kind_mix(scope: Scope, period: Period) -> list[tuple[str, int]]:
    data = grouped(selectors.rows(scope, period, Grain.KIND), "kind_id", measures=["received"])
    names = local_names(Kind.objects.all())
    return sorted(
        ((names.get(r["kind_id"], "?"), r["received"]) for r in data), key=lambda x: -x[1]
    )


def monthly(scope: Scope, period: Period) -> list[dict[str, Any]]:
    qs = (
        selectors.rows(scope, period, Grain.KIND)
        .annotate(month=TruncMonth("period"))
        .values("month")
        .annotate(received=Sum("received"), replied=Sum("replied"), on_time=Sum("on_time"))
        .order_by("month")
    )
    return [{**r, "month": r["month"].strftime("%Y-%m")} for r in qs]


def top(scope: Scope, period: Period, dim: str, limit: int = 10) -> list[tuple[str, int, int]]:
    """The boards or bodies that received most messages: (name, received, replied)."""
    cube = Grain.BOARD if dim == "board_id" else Grain.OFFICE
    data = grouped(selectors.rows(scope, period, cube), dim, measures=["received", "replied"])
    data = sorted(data, key=lambda r: -r["received"])[:limit]
    model = Board if dim == "board_id" else Organization
    names = local_names(model.objects.filter(pk__in=[r[dim] for r in data]))
    return [(names.get(r[dim], "?"), r["received"], r["replied"]) for r in data]


def build(scope: Scope, period: Period) -> Report:
    """The whole report for ``scope`` and ``period``."""
    from .findings import findings

    years = list(range(period.start.year - 1, period.end.year + 1))
    year_totals, shares = domain_shares(scope, years)
    regions, heat = heat_table(scope, period)
    weights = current_weights()
    report = Report(
        scope=scope,
        period=period,
        summary=selectors.summary(scope, period),
        years=years,
        year_totals=year_totals,
        shares=shares,
        heat_regions=regions,
        heat=heat,
        kinds=kind_mix(scope, period),
        months=monthly(scope, period),
        boards=top(scope, period, "board_id"),
        bodies=top(scope, period, "office_id"),
        index=ranking(selectors.rows(scope, period, Grain.OFFICE), weights),
        weights=weights,
    )
    report.findings = findings(report)
    return report


# A report may lag the rollups by this much while events keep arriving: a busy
# platform folds an event every few seconds, and rebuilding a national report on
# each would put its whole cost back on the request.
REPORT_MAX_AGE = 60


def rollup_version() -> int:
    """How far the rollups have folded (the cursor's last event): changes when they do."""
    return Cursor.objects.filter(name=CURSOR).values_list("last_event_id", flat=True).first() or 0


def current(scope: Scope, period: Period) -> Report:
    """``build(scope, period)``, built once per change of the rollups and kept in the cache.

    A kept report is reused while the rollups are unchanged, and for up to
    ``REPORT_MAX_AGE`` seconds after they change.
    """
    params = sorted(scope.params().items())
    key = "report:" + "|".join(
        [get_language() or "", period.start.isoformat(), period.end.isoformat(), repr(params)]
    )
    version = rollup_version()
    now = time.time()
    kept = cache.get(key)
    if kept is not None:
        kept_version, built_at, report = kept
        if kept_version == version or now - built_at < REPORT_MAX_AGE:
            return report
    report = build(scope, period)
    cache.set(key, (version, now, report), 24 * 3600)
    return report
