"""Where a report's time goes: every query one ``reports.build`` runs, explained.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h2rp_200k \\
        nice -n 15 .venv/bin/python bench/reports_profile.py [--scope province|body|national]

Builds the report of the last full calendar year for the scope (the province with the
most messages, or the provincial government with the most messages below it, as
``bench/reports_bench.py`` picks them) once, recording each SQL statement and its time,
then runs ``EXPLAIN (ANALYZE, BUFFERS)`` on each statement that reads the rollups and
prints its execution time, the rows it read from the rollup table, the buffers it hit
and read, and the plan's first line. The total wall time, the time in SQL and the
Python rest are printed first. Read-only: EXPLAIN ANALYZE of SELECTs.

Kind of evidence: synthetic data (generated messages) on PostgreSQL on this machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scope", choices=["province", "body", "city", "national"], default="province"
    )
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Sum

    from liuyanban.analytics import reports
    from liuyanban.analytics.models import Rollup
    from liuyanban.analytics.selectors import Period, Scope
    from liuyanban.organizations.models import Organization, Region

    year = date.today().year - 1
    period = Period.year(year)
    scope = Scope()
    if args.scope == "province":
        row = (
            Rollup.objects.filter(grain="r", period__year=year)
            .exclude(region_id=0)
            .values("region_id")
            .annotate(n=Sum("received"))
            .order_by("-n")
            .first()
        )
        assert row is not None
        scope = Scope(region=Region.objects.get(pk=row["region_id"]))
    elif args.scope in ("body", "city"):
        per_office = dict(
            Rollup.objects.filter(grain="o", period__year=year)
            .values_list("office_id")
            .annotate(n=Sum("received"))
        )
        paths = dict(Organization.objects.filter(pk__in=list(per_office)).values_list("pk", "path"))
        depth = 2 if args.scope == "body" else 3
        sums: dict[str, int] = {}
        for pk, n in per_office.items():
            parts = paths.get(pk, "").strip("/").split("/")
            if len(parts) >= depth:
                key = "/".join(parts[:depth]) + "/"
                sums[key] = sums.get(key, 0) + n
        path = max(sums.items(), key=lambda x: x[1])[0]
        scope = Scope(office=Organization.objects.get(path=path))
    statements: list[tuple[str, tuple[object, ...], float]] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((sql, params, time.perf_counter() - t))

    reports.build(scope, period)  # warm the caches the process keeps (weights, names)
    statements.clear()
    fresh = dataclasses.replace(scope)  # as each request makes: the subtrees found again
    t0 = time.perf_counter()
    with connection.execute_wrapper(record):
        reports.build(fresh, period)
    wall = time.perf_counter() - t0
    in_sql = sum(s[2] for s in statements)
    print(
        f"{args.scope} {scope.label()} year {year}: {wall * 1000:.0f} ms, {len(statements)} "
        f"queries, {in_sql * 1000:.0f} ms in SQL, {(wall - in_sql) * 1000:.0f} ms in Python; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if args.no_explain:
        for sql, _params, took in statements:
            print(f"  {took * 1000:7.1f} ms  {sql[:150]}")
        return
    with connection.cursor() as cursor:
        for sql, params, took in statements:
            if "analytics_rollup" not in sql:
                print(f"  {took * 1000:7.1f} ms  (directory) {sql[:110]}")
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            top = plan["Plan"]
            scanned = _scanned(top)
            grains = ",".join(sorted({p for p in params if isinstance(p, str) and len(p) == 1}))
            print(
                f"  {took * 1000:7.1f} ms (explain {plan['Execution Time']:7.1f} ms) "
                f"grain {grains or '?'}: {scanned:,} rollup rows read, "
                f"{top.get('Actual Rows', 0):,} out, buffers hit {top.get('Shared Hit Blocks', 0):,} "
                f"read {top.get('Shared Read Blocks', 0):,}; {_shape(top)}"
            )


def _scanned(node: dict[str, object]) -> int:
    n = 0
    if "Relation Name" in node and node["Relation Name"] == "analytics_rollup":
        n += int(node.get("Actual Rows", 0)) * int(node.get("Actual Loops", 1))  # type: ignore[call-overload]
    for child in node.get("Plans", []):  # type: ignore[attr-defined]
        n += _scanned(child)
    return n


def _shape(node: dict[str, object]) -> str:
    parts = [str(node["Node Type"])]
    for child in node.get("Plans", []):  # type: ignore[attr-defined]
        parts.append(_shape(child))
    return " > ".join(parts) if len(parts) == 1 else f"{parts[0]}({', '.join(parts[1:])})"


if __name__ == "__main__":
    main()
