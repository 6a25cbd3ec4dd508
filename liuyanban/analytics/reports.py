"""Reports: headline KPIs, breakdowns, the ranking and findings for one scope and period.

Everything is read from the rollups, one grouped query per table; nothing here
touches the message table, which is what keeps a national year under a second.
The same ``Report`` feeds the HTML page, the PDF (printed from that page), and the
CSV/XLSX downloads (``tables()``), so the numbers cannot drift between them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Sum
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils.translation import get_language

from liuyanban.core.i18n import local_names
from liuyanban.organizations.models import Board, Organization, Region
from liuyanban.taxonomy.models import Domain, Kind

from . import selectors
from .findings import MEASURES as FINDING_MEASURES
from .findings import findings
from .index import INDEX_MEASURES, current_weights, per_office, rank
from .models import Cursor, Grain
from .report_types import Report, ShareRow
from .rollups import CURSOR
from .selectors import EVERY_REGION, TOTALS, Period, Scope, cube_for, grouped, ratio

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
    # Largest last year first; ties by domain, whatever order the rows came in.
    for pk, by_year in sorted(counts.items(), key=lambda x: (-x[1][years[-1]], x[0])):
        shares = {y: ratio(by_year[y], totals[y]) for y in years}
        a, b = shares[years[-1]], shares[years[-2]] if len(years) > 1 else None
        change = (a - b) * 100 if a is not None and b is not None else None
        out.append(ShareRow(names.get(pk, "?"), by_year, shares, change))
    return totals, out


def _display_region(parents: dict[int, int | None], root: int | None) -> dict[int, int]:
    """Map each region id (→ its parent id) to its ancestor just below ``root`` (or the top)."""
    mapping = {}
    for pk in parents:
        node = pk
        while parents[node] is not None and parents[node] != root and node != root:
            parent = parents[node]
            if parent not in parents:
                break
            node = parent
        mapping[pk] = node
    return mapping


def heat_table(
    scope: Scope, period: Period
) -> tuple[list[Region | None], list[tuple[str, list[int]]]]:
    """Messages per domain × region, regions one level below the scope's region."""
    parents: dict[int, int | None] = dict(Region.objects.values_list("pk", "parent_id"))
    cube = selectors.rows(scope, period, Grain.DOMAIN_REGION)
    root = scope.region.pk if scope.region else None
    cells: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if root is not None and selectors.every_level(cube_for(scope, Grain.DOMAIN_REGION)):
        # The region cube keeps every level: the region's columns from its own rows and
        # those of the regions just below it.
        _heat_by_level(scope, period, Grain.DOMAIN_REGION, parents, root, cells)
    else:
        data = grouped(cube, "domain_id", "region_id", measures=["received"])
        mapping = _display_region(parents, root)
        shown = {mapping.get(r["region_id"], 0) for r in data}
        # One region holds everything (a provincial platform): show its children instead.
        # Only the platform-wide cube keeps provinces alone; a body's cube keeps the
        # region down to the prefecture, every other scope's rows every region.
        only = next(iter(shown - {0})) if len(shown - {0}) == 1 and root is None else None
        if only is not None and any(parent == only for parent in parents.values()):
            if scope.is_everything() and cube_for(scope, EVERY_REGION) != Grain.MONTH:
                data = [r for r in data if r["region_id"] == 0]
                _heat_by_level(scope, period, EVERY_REGION, parents, only, cells)
            mapping = _display_region(parents, only)
        for r in data:
            cells[r["domain_id"]][mapping.get(r["region_id"], 0)] += r["received"]
    columns = sorted({c for row in cells.values() for c in row}, key=lambda c: (c == 0, c))
    names = local_names(Domain.objects.filter(pk__in=list(cells)))
    # Largest first; ties by domain, whatever order the rows came in.
    order = sorted(cells, key=lambda d: (-sum(cells[d].values()), d))
    body = [(names.get(d, "?"), [cells[d].get(c, 0) for c in columns]) for d in order]
    # Only the regions shown are read from the directory.
    shown_regions = Region.objects.in_bulk([c for c in columns if c in parents])
    return [shown_regions.get(c) for c in columns], body


def _heat_by_level(
    scope: Scope,
    period: Period,
    cube: str,
    parents: dict[int, int | None],
    root: int,
    cells: dict[int, dict[int, int]],
) -> None:
    """Add to ``cells`` the messages per domain × (``root`` or a region just below it),
    read from a cube that keeps every region level (``selectors.every_level``).

    A child's row counts its whole subtree, the root's row everything below it too: the
    messages of the root region itself are its row less its children's. The day rows at
    the edges keep each message's own region and are mapped as the month rows are (those
    outside the root's subtree are left to the caller).
    """
    children = [pk for pk, parent in parents.items() if parent == root]
    grain = cube_for(scope, cube)
    qs = selectors.rows(scope, period, cube, regions=[root, *children])
    mapping = _display_region(parents, root)
    added: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for r in grouped(qs, "domain_id", "region_id", "grain", measures=["received"]):
        row = added[r["domain_id"]]
        if r["grain"] != grain:  # a day row: the message's own region, if below the root
            column = mapping.get(r["region_id"])
            if column is not None and (column == root or parents.get(column) == root):
                row[column] += r["received"]
        elif r["region_id"] == root:
            row[root] += r["received"]
        else:
            row[r["region_id"]] += r["received"]
            row[root] -= r["received"]
    for domain, row in added.items():
        for column, n in row.items():
            if n:
                cells[domain][column] += n


def kind_mix(scope: Scope, period: Period) -> list[tuple[str, int]]:
    data = grouped(selectors.rows(scope, period, Grain.KIND), "kind_id", measures=["received"])
    names = local_names(Kind.objects.all())
    return sorted(
        ((names.get(r["kind_id"], "?"), r["received"]) for r in data), key=lambda x: -x[1]
    )


def monthly(scope: Scope, period: Period) -> list[dict[str, Any]]:
    qs = (
        selectors.rows(scope, period, TOTALS)
        .annotate(month=TruncMonth("period"))
        .values("month")
        .annotate(received=Sum("received"), replied=Sum("replied"), on_time=Sum("on_time"))
        .order_by("month")
    )
    return [{**r, "month": r["month"].strftime("%Y-%m")} for r in qs]


def top(
    scope: Scope,
    period: Period,
    dim: str,
    limit: int = 10,
    data: list[dict[str, int]] | None = None,
) -> list[tuple[str, int, int]]:
    """The boards or bodies that received most messages: (name, received, replied).

    ``data`` is the rows already grouped by ``dim``, when the caller has them.
    """
    if data is None:
        cube = Grain.BOARD if dim == "board_id" else Grain.OFFICE
        qs = selectors.rows(scope, period, cube)
        # The database keeps the ``limit`` largest (ties by id), not every board.
        data = grouped(qs, dim, measures=["received", "replied"], top=("received", limit))
    data = sorted(data, key=lambda r: -r["received"])[:limit]
    model = Board if dim == "board_id" else Organization
    names = local_names(model.objects.filter(pk__in=[r[dim] for r in data]))
    return [(names.get(r[dim], "?"), r["received"], r["replied"]) for r in data]


def build(scope: Scope, period: Period) -> Report:
    """The whole report for ``scope`` and ``period``."""
    years = list(range(period.start.year - 1, period.end.year + 1))
    year_totals, shares = domain_shares(scope, years)
    regions, heat = heat_table(scope, period)
    weights = current_weights()
    # The office rows grouped once, for the bodies table, the ranking and the findings.
    offices = per_office(
        selectors.rows(scope, period, Grain.OFFICE),
        measures=dict.fromkeys(["received", *INDEX_MEASURES, *FINDING_MEASURES]),
    )
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
        bodies=top(scope, period, "office_id", data=list(offices.values())),
        index=rank(offices, weights),
        weights=weights,
        offices=offices,
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
