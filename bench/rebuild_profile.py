"""Where one batch of ``rollups.rebuild()`` spends its time, statement by statement.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_rep_200k \\
        .venv/bin/python bench/rebuild_profile.py --messages 20000

Runs ``rollups._rebuild_batch`` over the first ``--messages`` messages of a loaded
database (``bench/http_bench.py load``) inside a transaction that is rolled back (their
facts are deleted first, in the same transaction, so the batch writes them again; the
rollup rows are added to as a later batch of a rebuild adds to them), and prints the
batch's wall time and its slowest statements. Kind of evidence: synthetic data, one run,
wall time on this shared machine (say the load average with the figure).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import rolledback

rolledback.setup()

from django.db import connection  # noqa: E402

from liuyanban.analytics import rollups  # noqa: E402


def main(messages: int, top: int) -> None:
    timings: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - start, " ".join(sql.split())[:110]))

    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with rolledback.rolled_back(), connection.cursor() as c:
        c.execute("SELECT MIN(id) FROM lifecycle_message")
        low = int(c.fetchone()[0]) - 1
        c.execute(
            "DELETE FROM analytics_messagefact WHERE message_id > %s AND message_id <= %s",
            [low, low + messages],
        )
        with connection.execute_wrapper(timed):
            start = time.perf_counter()
            n = rollups._rebuild_batch(c, low, low + messages)
            total = time.perf_counter() - start
    grains = sum(t for t, sql in timings if sql.startswith('INSERT INTO "analytics_rollup"'))
    print(f"one batch of {n:,} messages: {total:.1f} s; {len(timings)} statements")
    print(f"  the {len(rollups.GRAINS)} rollup upserts (one per grain): {grains:.1f} s together")
    for seconds, sql in sorted(timings, reverse=True)[:top]:
        print(f"  {seconds:7.2f} s  {sql}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=6)
    args = parser.parse_args()
    main(args.messages, args.top)
