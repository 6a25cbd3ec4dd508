"""Report build times at scale: national, province (region) and body-subtree reports.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_scalesql_1m \\
        nice -n 10 .venv/bin/python bench/reports_bench.py [--compare-with /tmp/before]

On a database loaded by ``bench/http_bench.py load`` (rollups included), times
``analytics.reports.build`` — the whole report of /stats/ and /stats/report/, without
the report cache — for the last full calendar year and these scopes: the whole
platform; the three provinces (top-level regions) with the most messages; the
provincial government of the biggest one with every body below it; one prefecture
government's subtree. Each is built ``--runs`` times; best and median are printed, with
the median time spent in SQL, then the rollup rows per grain (d day, m month, k/r/b/o the
platform cubes, p/q/s/t the region cubes, u/v/w the office cubes: ``analytics.models.Grain``).
``--check`` also builds each report from the month rows (``selectors.month_rows_only``,
the reading before the cubes) and says whether the two are equal. ``--fold N`` also times
the incremental fold (``rollups.refresh_message``) on N messages whose every rollup row
changes, in a transaction that is rolled back (the database is left as it was).

``--compare-with TREE`` times another checkout of the code (e.g. the commit before a
change, ``git archive <commit> | tar -x -C TREE``) on the same database, in one run,
alternating the two in child processes (before, this tree, before again);
``--compare-database URL`` runs that tree on another database instead — a copy taken
before a migration the old code cannot read (``CREATE DATABASE copy TEMPLATE db``).

Kind of evidence: synthetic data (generated messages) on PostgreSQL on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import dataclasses, json, os, statistics, sys, time
tree = sys.argv[1]
sys.path.insert(0, tree)
os.chdir(tree)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
import django
django.setup()
from datetime import date
from django.db.models import Count, Sum
from liuyanban.analytics import reports
from liuyanban.analytics.models import Rollup
from liuyanban.analytics.selectors import Period, Scope
from liuyanban.organizations.models import Organization, Region

runs = int(sys.argv[2])
check = sys.argv[3] == "check"
fold_n = int(sys.argv[4])
year = date.today().year - 1
period = Period.year(year)
top = list(
    Rollup.objects.filter(grain="r", period__year=year).exclude(region_id=0)
    .values("region_id").annotate(n=Sum("received")).order_by("-n")[:3]
)
scopes = [("national", Scope())]
for row in top:
    region = Region.objects.get(pk=row["region_id"])
    scopes.append((f"province {region.name} ({row['n']:,} msgs)", Scope(region=region)))
# The body subtrees with most messages: a province-level body and a body below it.
per_office = dict(
    Rollup.objects.filter(grain="o", period__year=year)
    .values_list("office_id").annotate(n=Sum("received"))
)
paths = dict(Organization.objects.filter(pk__in=list(per_office)).values_list("pk", "path"))
def biggest(depth, under=""):
    sums = {}
    for pk, n in per_office.items():
        parts = paths.get(pk, "").strip("/").split("/")
        if len(parts) >= depth and paths[pk].startswith(under):
            key = "/".join(parts[:depth]) + "/"
            sums[key] = sums.get(key, 0) + n
    if not sums:
        return None, 0
    path, n = max(sums.items(), key=lambda x: x[1])
    return Organization.objects.filter(path=path).first(), n
gov, n = biggest(2)
if gov is not None:
    below = Organization.objects.filter(path__startswith=gov.path).count()
    scopes.append((f"body subtree {gov.name} ({below:,} bodies, {n:,} msgs)", Scope(office=gov)))
    city, n = biggest(3, gov.path)
    if city is not None:
        scopes.append((f"body subtree {city.name} ({n:,} msgs)", Scope(office=city)))
from django.db import connection
sql_time = [0.0, 0]
def timed(execute, sql, params, many, context):
    t = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        sql_time[0] += time.perf_counter() - t
        sql_time[1] += 1
out, sql, checked, queries = {}, {}, {}, {}
for name, scope in scopes:
    times, in_sql = [], []
    for _ in range(runs):
        sql_time[:] = [0.0, 0]
        # A fresh scope each time, as each request makes: nothing it found is reused.
        fresh = dataclasses.replace(scope)
        t = time.perf_counter()
        with connection.execute_wrapper(timed):
            report = reports.build(fresh, period)
        times.append(time.perf_counter() - t)
        in_sql.append(sql_time[0])
    out[name], sql[name], queries[name] = times, in_sql, sql_time[1]
    if check:
        # The same report read the plain way: month rows, grouped whole, ranked in Python.
        from liuyanban.analytics.selectors import month_rows_only
        with month_rows_only():
            checked[name] = reports.build(scope, period) == report
grains = dict(
    Rollup.objects.values_list("grain").annotate(n=Count("pk")).order_by("grain")
)
fold = None
if fold_n:
    # The fold's cost per message when each of its rollup rows changes: facts removed so
    # refresh_message adds every contribution again, in a transaction rolled back.
    from django.db import transaction
    from liuyanban.analytics import rollups
    from liuyanban.analytics.models import MessageFact
    total = MessageFact.objects.count()
    ids = list(
        MessageFact.objects.order_by("message_id").values_list("message_id", flat=True)[
            total // 4 : total // 4 + fold_n
        ]
    )
    class Undo(Exception):
        pass
    fold = []
    for _ in range(runs):
        try:
            with transaction.atomic():
                MessageFact.objects.filter(message_id__in=ids).delete()
                t = time.perf_counter()
                for pk in ids:
                    rollups.refresh_message(pk)
                fold.append((time.perf_counter() - t) / len(ids))
                raise Undo
        except Undo:
            pass
    fold = {"per_message": fold, "n": len(ids), "grains": len(rollups.GRAINS)}
print("RESULT", json.dumps({"year": year, "times": out, "sql": sql, "checked": checked,
      "queries": queries,
      "grains": grains, "fold": fold}), flush=True)
"""


def measure(
    tree: Path, runs: int, check: bool = False, fold: int = 0, database: str | None = None
) -> dict[str, object]:
    env = {**os.environ, **({"DATABASE_URL": database} if database else {})}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), str(runs), "check" if check else "-", str(fold)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode:
        raise SystemExit(f"{tree}: {done.stderr[-2000:]}")
    out = done.stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    return json.loads(line.split(" ", 1)[1])  # type: ignore[no-any-return]


def show(label: str, result: dict[str, object]) -> None:
    times: dict[str, list[float]] = result["times"]  # type: ignore[assignment]
    sql: dict[str, list[float]] = result["sql"]  # type: ignore[assignment]
    checked: dict[str, bool] = result["checked"]  # type: ignore[assignment]
    queries: dict[str, int] = result.get("queries", {})  # type: ignore[assignment]
    print(f"{label} (year {result['year']}):")
    for name, values in times.items():
        same = ""
        if name in checked:
            same = ", equal to the month-row reading" if checked[name] else ", DIFFERS"
        print(
            f"  {name:55} best {min(values) * 1000:7.0f} ms, "
            f"median {statistics.median(values) * 1000:7.0f} ms "
            f"(in SQL {statistics.median(sql[name]) * 1000:5.0f} ms, "
            f"{queries.get(name, '?')} queries; n={len(values)}){same}"
        )
    grains: dict[str, int] = result["grains"]  # type: ignore[assignment]
    print("  rollup rows per grain: " + ", ".join(f"{g} {n:,}" for g, n in grains.items()))
    fold: dict[str, object] | None = result.get("fold")  # type: ignore[assignment]
    if fold:
        per: list[float] = fold["per_message"]  # type: ignore[assignment]
        print(
            f"  fold, refresh_message with every row changing ({fold['grains']} grains, "
            f"{fold['n']} messages): best {min(per) * 1000:.1f} ms/message, "
            f"median {statistics.median(per) * 1000:.1f} ms/message (n={len(per)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare-with", type=Path)
    parser.add_argument(
        "--compare-database",
        metavar="URL",
        help="run the --compare-with tree on this database (e.g. a copy taken before the "
        "migration that re-keys the cubes, which the old code cannot read)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="also build each report from the month rows (this tree) and say if it is equal",
    )
    parser.add_argument(
        "--fold",
        type=int,
        default=0,
        metavar="N",
        help="also time the incremental fold on N messages (rolled back)",
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    if args.compare_with:
        before = measure(
            args.compare_with, args.runs, fold=args.fold, database=args.compare_database
        )
        where = f", on {args.compare_database.rsplit('/', 1)[1]}" if args.compare_database else ""
        show(f"before ({args.compare_with}{where})", before)
    here = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1]
    show(f"this tree ({ROOT}, on {here})", measure(ROOT, args.runs, args.check, args.fold))
    if args.compare_with:
        again = measure(
            args.compare_with, args.runs, fold=args.fold, database=args.compare_database
        )
        show(f"before again ({args.compare_with}{where})", again)
    print(
        f"load average after: {os.getloadavg()[0]:.1f}; evidence: synthetic data "
        f"(bench/http_bench.py load) on PostgreSQL, this machine; started {time.ctime()}"
    )


if __name__ == "__main__":
    main()
