"""Time the national directory load and the 2,978-county import on a fresh database.

    .venv/bin/python bench/directory_bench.py            # SQLite in a temporary directory
    DATABASE_URL=postgres://… .venv/bin/python bench/directory_bench.py   # that database

The PostgreSQL database must be empty or disposable: the script migrates it and writes to it.
Reads ../shared/data/cn-admin-divisions for the import (never copied into the repository).
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "DATABASE_URL" not in os.environ:
    os.environ["LIUYANBAN_VAR"] = tempfile.mkdtemp(prefix="directory-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from liuyanban.accounts.onboarding import import_organizations  # noqa: E402
from liuyanban.organizations.loading import load_directory  # noqa: E402


def county_csv() -> bytes:
    """Provinces, cities and counties of cn-admin-divisions as an import file."""
    data = Path(settings.BASE_DIR).parent / "shared" / "data" / "cn-admin-divisions"
    read = lambda name: list(csv.DictReader((data / name).open(encoding="utf-8")))  # noqa: E731
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "kind", "level", "parent_code", "boards"])
    for p in read("provinces.csv"):
        writer.writerow([f"b{p['code']}", f"{p['name']}人民政府", "政府", "省级", "", "省长:"])
    cities = set()
    for c in read("cities.csv"):
        if c["name"] in ("市辖区", "县") or c["name"].endswith("直辖县级行政区划"):
            continue
        cities.add(c["code"])
        writer.writerow(
            [
                f"b{c['code']}",
                f"{c['name']}人民政府",
                "政府",
                "地级",
                f"b{c['provinceCode']}",
                "市长:",
            ]
        )
    for a in read("areas.csv"):
        parent = a["cityCode"] if a["cityCode"] in cities else a["provinceCode"]
        writer.writerow(
            [f"b{a['code']}", f"{a['name']}人民政府", "政府", "县级", f"b{parent}", "县长:"]
        )
    return out.getvalue().encode("utf-8")


def main() -> None:
    print(f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}")
    call_command("migrate", verbosity=0)
    for label in ("national load", "national load again"):
        report = load_directory()
        print(
            f"{label}: {report.regions.total} regions, {report.organizations.total} organisations, "
            f"{report.boards.total} boards (created {report.organizations.created + report.boards.created}) "
            f"in {report.seconds:.1f} s"
        )
    content = county_csv()
    for label in ("county import", "county import again"):
        started = time.perf_counter()
        result = import_organizations(content, filename="counties.csv")
        assert result.ok, result.errors[:3]
        print(
            f"{label}: {result.rows} rows, organisations {result.organizations}, boards {result.boards} "
            f"in {time.perf_counter() - started:.1f} s"
        )


if __name__ == "__main__":
    main()
