"""Report build times at scale: national, province (region) and body-subtree reports.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_scalesql_1m \\
        nice -n 10 .venv/bin/python bench/reports_bench.py [--compare-with /tmp/before]

On a database loaded by ``bench/http_bench.py load`` (rollups included), times
``analytics.reports.build`` — the whole report of /stats/ and /stats/report/, without
the report cache — for the last full calendar year and these scopes: the whole
platform; the three provinces (top-level regions) with the most messages; the
provincial government of the biggest one with every body below it; one prefecture
government's subtree. Each is built ``--runs`` times; best and median are printed.

``--compare-with TREE`` times another checkout of the code (e.g. the commit before a
change, ``git archive <commit> | tar -x -C TREE``) on the same database, in one run,
alternating the two in child processes.

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
import json, os, statistics, sys, time
tree = sys.argv[1]
sys.path.insert(0, tree)
os.chdir(tree)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
import django
django.setup()
from datetime import date
from django.db.models import Sum
from liuyanban.analytics import reports
from liuyanban.analytics.models import Rollup
from liuyanban.analytics.selectors import Period, Scope
from liuyanban.organizations.models import Organization, Region

runs = int(sys.argv[2])
year = date.today().year - 1
period = Period.year(year)
top = list(
    Rollup.objects.filter(grain="r", period__year=year)
    .values("region_id").annotate(n=Sum("received")).order_by("-n")[:3]
)
scopes = [("national", Scope())]
for row in top:
    region = Region.objects.get(pk=row["region_id"])
    scopes.append((f"province {region.name} ({row['n']:,} msgs)", Scope(region=region)))
province = Region.objects.get(pk=top[0]["region_id"])
gov = Organization.objects.filter(region=province, kind="government").order_by("path").first()
if gov is not None:
    below = Organization.objects.filter(path__startswith=gov.path).count()
    scopes.append((f"body subtree {gov.name} ({below:,} bodies)", Scope(office=gov)))
    city = (
        Organization.objects.filter(parent=gov, kind="government").order_by("path").first()
        or Organization.objects.filter(path__startswith=gov.path, kind="government")
        .exclude(pk=gov.pk).order_by("path").first()
    )
    if city is not None:
        scopes.append((f"body subtree {city.name}", Scope(office=city)))
out = {}
for name, scope in scopes:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        reports.build(scope, period)
        times.append(time.perf_counter() - t)
    out[name] = times
print("RESULT", json.dumps({"year": year, "times": out}), flush=True)
"""


def measure(tree: Path, runs: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), str(runs)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    return json.loads(line.split(" ", 1)[1])  # type: ignore[no-any-return]


def show(label: str, result: dict[str, object]) -> None:
    times: dict[str, list[float]] = result["times"]  # type: ignore[assignment]
    print(f"{label} (year {result['year']}):")
    for name, values in times.items():
        print(
            f"  {name:55} best {min(values) * 1000:7.0f} ms, "
            f"median {statistics.median(values) * 1000:7.0f} ms (n={len(values)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare-with", type=Path)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    if args.compare_with:
        show(f"before ({args.compare_with})", measure(args.compare_with, args.runs))
    show(f"this tree ({ROOT})", measure(ROOT, args.runs))
    if args.compare_with:
        show(f"before again ({args.compare_with})", measure(args.compare_with, args.runs))
    print(
        f"load average after: {os.getloadavg()[0]:.1f}; evidence: synthetic data "
        f"(bench/http_bench.py load) on PostgreSQL, this machine; started {time.ctime()}"
    )


if __name__ == "__main__":
    main()
