"""The two plans of a PostgreSQL search, timed on a loaded database, word by word.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_42m \\
        .venv/bin/python bench/search_plans.py 延边 布依 物业 明显改善 [--both-plans]

For each word: what PostgreSQL's statistics of ``search_vector`` estimate
(``search_stats``) and the plan ``search.search_messages`` takes from them, the plan the
old probe (up to ``PLAN_CAP`` matches) would take, and the first page of
``search_messages`` timed with the statistics and with the probe, alternately in one run.
It only reads. ``--both-plans`` adds the probe at 1,001 / 10,001 / 30,001 rows and the
first page of 21 ids read through the GIN index and sorted (``id + 0``) and read by
walking the primary key newest first (slow for common words). Kind of evidence: synthetic data (a
database of ``bench/http_bench.py load``), one run, wall time on this shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402

from liuyanban.lifecycle import search, search_stats  # noqa: E402


def _ms(start: float) -> str:
    return f"{(time.perf_counter() - start) * 1000:,.0f} ms"


def _timed(run: Callable[[], object], repeat: int) -> tuple[float, int]:
    """Median wall time in ms of ``run`` and the statements one run sent."""
    times, statements = [], 0
    seen: list[str] = []

    def record(execute: Any, sql: str, *args: Any) -> Any:
        seen.append(sql)
        return execute(sql, *args)

    for _ in range(repeat):
        seen.clear()
        t = time.perf_counter()
        with connection.execute_wrapper(record):
            run()
        times.append((time.perf_counter() - t) * 1000)
        statements = len(seen)
    return statistics.median(times), statements


def _probe_plan(word: str) -> str:
    """The plan the old probe takes (counting up to PLAN_CAP + 1 matches)."""
    qs = search.matching(search.query_words(word), None)
    n = qs.order_by().values("pk")[: search.PLAN_CAP + 1].count()
    return f"{'GIN, sorted' if n <= search.PLAN_CAP else 'walk newest first'} ({n:,} counted)"


def compare(words: list[str], repeat: int) -> None:
    """Per word: the statistics' estimate and plan, then the first page of
    ``search_messages`` with the statistics (new) and with the probe (old), alternately."""
    stats = search_stats.lexeme_stats()
    if stats is None:
        print("no statistics for search_vector (run ANALYZE): nothing to compare")
        return
    print(
        f"statistics: {len(stats.shares):,} listed lexemes, smallest share {stats.floor:.5f}, "
        f"{stats.rows:,.0f} rows; walk threshold {search.walk_threshold(stats.rows, 21):,.0f}"
    )
    for word in words:
        qw = search.query_words(word)
        upper, guess = stats.upper(qw), stats.guess(qw)
        plan = "walk newest first" if upper >= search.walk_threshold(stats.rows, 21) else "GIN"
        sure = guess is not None and guess >= search.COUNT_SURE
        print(
            f"{word}: estimate ≤ {upper:,.0f} matches (independent guess "
            f"{'-' if guess is None else f'{guess:,.0f}'}) → {plan}"
            f"{', count skipped (1,000+)' if sure else ', capped count'}; "
            f"the probe would take: {_probe_plan(word)}"
        )
        new_ms, new_sql = _timed(lambda w=word: search.search_messages(w), repeat)
        real = search_stats.lexeme_stats
        search_stats.lexeme_stats = lambda: None  # type: ignore[assignment]
        try:
            old_ms, old_sql = _timed(lambda w=word: search.search_messages(w), repeat)
        finally:
            search_stats.lexeme_stats = real  # type: ignore[assignment]
        page = search.search_messages(word)
        print(
            f"{word}: first page, median of {repeat}: statistics {new_ms:,.1f} ms "
            f"({new_sql} statements) vs probe {old_ms:,.1f} ms ({old_sql} statements); "
            f"{len(page.items)} rows, count {page.count:,}{'+' if page.count_capped else ''}"
        )


def both_plans(words: list[str]) -> None:
    """The probe at three caps and both plans' first page, raw (slow for common words)."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("words", nargs="*", default=["延边", "物业", "明显改善"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--both-plans", action="store_true", help="also time both raw plans")
    args = parser.parse_args()
    print(
        f"{connection.settings_dict['NAME']}: PLAN_CAP = {search.PLAN_CAP:,}; "
        f"load average {os.getloadavg()[0]:.1f}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    compare(args.words, args.repeat)
    if args.both_plans:
        both_plans(args.words)


if __name__ == "__main__":
    main()
