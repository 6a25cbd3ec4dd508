"""The two plans of a PostgreSQL search, timed on a loaded database, word by word.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_42m \\
        .venv/bin/python bench/search_plans.py 延边 布依 物业 明显改善

For each word: the probe that counts matches up to 1,001 / 10,001 / 30,001 rows, then the
first page of 21 ids read through the GIN index and sorted (``id + 0``) and read by
walking the primary key newest first. ``search.search_messages`` takes the GIN plan when
the probe finds at most ``PLAN_CAP`` matches. Kind of evidence: synthetic data (a
database of ``bench/http_bench.py load``), one run, wall time on this shared machine.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

from django.db.models import F  # noqa: E402

from liuyanban.lifecycle import search  # noqa: E402


def _ms(start: float) -> str:
    return f"{(time.perf_counter() - start) * 1000:,.0f} ms"


def main(words: list[str]) -> None:
    print(f"PLAN_CAP = {search.PLAN_CAP:,}; load average {os.getloadavg()[0]:.1f}")
    for word in words:
        qs = search.matching(search.query_words(word), None)
        for cap in (1001, 10_001, 30_001):
            t = time.perf_counter()
            n = qs.order_by().values("pk")[:cap].count()
            print(f"{word}: probe up to {cap:,}: {n:,} matches in {_ms(t)}")
        t = time.perf_counter()
        list(qs.order_by((F("pk") + 0).desc()).values_list("pk", flat=True)[:21])
        print(f"{word}: first page through the GIN index, sorted: {_ms(t)}")
        t = time.perf_counter()
        list(qs.order_by("-pk").values_list("pk", flat=True)[:21])
        print(f"{word}: first page walking the primary key newest first: {_ms(t)}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["延边", "物业", "明显改善"])
