"""Where ``rollups.rebuild()`` spends its time: its phases, and its slowest statements.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h1rb_200k \\
        .venv/bin/python bench/rebuild_profile.py --batch 100000

Runs the whole rebuild on a loaded database (``bench/http_bench.py load``) inside a
transaction that is rolled back (nothing it writes stays), prints the rebuild's own
phase lines (the contributions and facts, then each grain-phase step with its rows and
source), its wall time, the time of the statements writing the rollup table, and its
slowest statements. Kind of evidence: synthetic data, one run, wall time on this shared
machine (say the load average with the figure).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import rolledback

rolledback.setup()

from django.db import connection  # noqa: E402

from liuyanban.analytics import rebuild, rollups  # noqa: E402
from liuyanban.analytics.models import Rollup  # noqa: E402


def main(batch: int, top: int) -> None:
    timings: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - start, " ".join(sql.split())[:110]))

    print(f"load average before: {os.getloadavg()[0]:.1f}")
    # The rollup table, or on PostgreSQL the new table swapped in for it.
    table = rebuild.target(Rollup)
    with rolledback.rolled_back(), connection.execute_wrapper(timed):
        start = time.perf_counter()
        n = rollups.rebuild(chunk=batch, log=print)
        total = time.perf_counter() - start
    writes = [t for t, sql in timings if sql.replace('"', "").startswith(f"INSERT INTO {table} ")]
    print(f"rebuild of {n:,} messages: {total:.1f} s; {len(timings)} statements")
    print(f"  {len(writes)} statements writing the rollup table: {sum(writes):.1f} s together")
    for seconds, sql in sorted(timings, reverse=True)[:top]:
        print(f"  {seconds:7.2f} s  {sql}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=rollups.REBUILD_BATCH)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    main(args.batch, args.top)
