"""What a report is made of: the ``Report`` itself, its tables, share rows and findings.

Types only (and how a report turns into tables and chart series): ``reports`` builds a
``Report``, ``findings`` writes its sentences, ``exports`` writes its tables, and all
three import these types from here rather than from each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from liuyanban.organizations.models import Region

from .index import IndexRow, Weights
from .selectors import Period, Scope, Summary

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
    # Office id → its sums: the one grouping of the office rows that the bodies table,
    # the ranking and the findings all read.
    offices: dict[int, dict[str, int]] = field(default_factory=dict)

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
