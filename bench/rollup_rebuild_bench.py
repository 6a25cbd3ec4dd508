"""``rebuild_rollups`` at full scale: wall time, peak memory, and equality with the incremental rule.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_scalesql_1m \\
        nice -n 10 .venv/bin/python bench/http_bench.py load --messages 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_scalesql_1m \\
        nice -n 10 .venv/bin/python bench/rollup_rebuild_bench.py

On its first run on a database this script computes the reference: every message's
fact and rollup rows from the product's Python rule (``rules.contribution`` and
``Key.rows``, what the incremental fold applies after each event), message by message,
and keeps them (``bench_incremental_rollup`` / ``_fact``; it holds every row in memory
while it computes them: ~3.3 GB at 200,000 messages). The loader's own rows are not used: they
come from the product's rebuild itself. It then runs ``manage.py rebuild_rollups``
(the set-based SQL rebuild; ``--root`` runs another checkout's, e.g. an older one) in
a child process and prints its wall time, the peak RSS of that Python process
(``ru_maxrss``) and of its PostgreSQL backend (``VmHWM``, which counts the shared
buffers it touched; and, sampled, the backend's own memory ``RssAnon``), the command's
own lines (its phases' times and rows), and
whether every rollup row and fact equals the reference (a full join on the key).
The 4.2 M figure is a linear extrapolation from the measured rate, marked as such.

Kind of evidence: synthetic data (generated messages) on PostgreSQL on this machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from liuyanban.analytics.models import ALL_COLUMNS, DIMENSIONS  # noqa: E402

KEEP = {
    "analytics_rollup": "bench_incremental_rollup",
    "analytics_messagefact": "bench_incremental_fact",
}
ROLLUP_COLS = ["grain", "period", *DIMENSIONS, *ALL_COLUMNS]
FACT_COLS = ["message_id", "day", *DIMENSIONS, '"values"']

CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
import django
django.setup()
from django.core.management import call_command
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT pg_backend_pid()")
    print("BACKEND", c.fetchone()[0], flush=True)
sys.stdin.readline()
call_command("rebuild_rollups")
"""


def _one(sql: str) -> int:
    with connection.cursor() as c:
        c.execute(sql)
        return int(c.fetchone()[0])


def python_baseline() -> None:
    """The incremental rule's rows computed here, message by message.

    Every message's ``contribution`` and ``Key.rows`` (what the fold applies), summed in
    memory (3.3 GB at 200,000 messages: about 8 rows a message), then copied in.
    """
    import json
    from collections import Counter

    from liuyanban.analytics import rollups
    from liuyanban.lifecycle.models import Message

    totals: dict[tuple[object, ...], Counter[str]] = {}
    facts = []
    last = 0
    while True:
        batch = list(Message.objects.filter(pk__gt=last).order_by("pk")[:5000])
        if not batch:
            break
        last = batch[-1].pk
        ev, orders, ext = rollups._related([m.pk for m in batch])
        for m in batch:
            values = rollups.contribution(m, ev[m.pk], orders[m.pk], ext[m.pk])
            key = rollups.key_of(m)
            facts.append((m.pk, key.day, *key.dims().values(), json.dumps(values)))
            for grain, period, dims in key.rows():
                totals.setdefault((grain, period, *dims), Counter()).update(values)
    with connection.cursor() as c:
        for source, cols, rows in (
            ("analytics_messagefact", FACT_COLS, facts),
            (
                "analytics_rollup",
                ROLLUP_COLS,
                ((*k, *(v.get(col, 0) for col in ALL_COLUMNS)) for k, v in totals.items()),
            ),
        ):
            kept = KEEP[source]
            c.execute(f"CREATE TABLE {kept} AS SELECT {', '.join(cols)} FROM {source} WHERE false")
            with c.cursor.copy(f"COPY {kept} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    print(f"computed the incremental rule's rows of {len(facts):,} messages in Python", flush=True)


def keep_incremental() -> None:
    with connection.cursor() as c:
        c.execute("SELECT to_regclass(%s) IS NOT NULL", [KEEP["analytics_rollup"]])
        kept_already = c.fetchone()[0]
    if kept_already:
        print("the Python rule's rows were kept by an earlier run: reusing them", flush=True)
    else:
        python_baseline()


def _status_kb(pid: int, field: str) -> int:
    """A field of ``/proc/PID/status`` in KB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_rebuild(root: Path) -> tuple[float, float, float, float]:
    """(seconds, peak RSS MB of the Python process, peak RSS MB of its PostgreSQL backend,
    peak of the backend's own memory in MB: ``RssAnon``, sampled twice a second, without
    the shared buffers it touched)."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(root))],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin and child.stdout
    backend = int(child.stdout.readline().split()[1])
    backend_peak = [0, 0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            backend_peak[0] = max(backend_peak[0], _status_kb(backend, "VmHWM"))
            backend_peak[1] = max(backend_peak[1], _status_kb(backend, "RssAnon"))
            time.sleep(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    child.stdin.write("go\n")
    child.stdin.flush()
    out = child.stdout.read()
    child.wait()
    took = time.perf_counter() - started
    done.set()
    watcher.join()
    if child.returncode:
        raise SystemExit(f"rebuild failed ({child.returncode})")
    print(out.strip(), flush=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return took, peak, backend_peak[0] / 1024, backend_peak[1] / 1024


def _differing(table: str, kept: str, key: list[str], values: list[str]) -> int:
    """Rows of ``table`` and ``kept`` whose key is in one only or whose values differ
    (a hash full join on the key: the two tables' keys are unique)."""
    on = " AND ".join(f"a.{k} = b.{k}" for k in key)
    a = ", ".join(f"a.{v}" for v in values)
    b = ", ".join(f"b.{v}" for v in values)
    return _one(
        f"SELECT COUNT(*) FROM {table} a FULL JOIN {kept} b ON {on} "
        f"WHERE a.{key[0]} IS NULL OR b.{key[0]} IS NULL OR ({a}) IS DISTINCT FROM ({b})"
    )


def differences() -> tuple[int, int]:
    rollup_key = ["grain", "period", *DIMENSIONS]
    return (
        _differing("analytics_rollup", KEEP["analytics_rollup"], rollup_key, list(ALL_COLUMNS)),
        _differing(
            "analytics_messagefact",
            KEEP["analytics_messagefact"],
            ["message_id"],
            FACT_COLS[1:],
        ),
    )


def main(root: Path) -> None:
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    messages = _one("SELECT COUNT(*) FROM lifecycle_message")
    keep_incremental()
    load = os.getloadavg()
    print(f"{messages:,} messages; load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"rebuild_rollups of {root}", flush=True)
    took, peak, backend, private = run_rebuild(root)
    rows = _one("SELECT COUNT(*) FROM analytics_rollup")
    rate = messages / took
    print(
        f"REBUILD {messages:,} messages: {took:.1f} s ({rate:,.0f} msg/s, "
        f"{1000 * took / messages:.3f} ms/msg), {rows:,} rollup rows; "
        f"peak RSS python {peak:.0f} MB, PostgreSQL backend {backend:.0f} MB "
        f"(of it its own memory, RssAnon sampled: {private:.0f} MB); "
        f"load average after {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    diff_rollups, diff_facts = differences()
    print(
        f"EQUAL to the incremental rule: rollup rows differing {diff_rollups}, "
        f"facts differing {diff_facts} -> {'OK' if diff_rollups == diff_facts == 0 else 'DIFFERENT'}"
    )
    print(
        f"EXTRAPOLATED (linear, not measured) to 4,200,000 messages: {4_200_000 / rate / 60:.1f} min"
    )
    print(
        "evidence: synthetic data (bench/http_bench.py load) on PostgreSQL, this machine, "
        f"load average after {os.getloadavg()[0]:.1f}"
    )
    if diff_rollups or diff_facts:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout whose manage.py rebuild_rollups runs"
    )
    main(parser.parse_args().root.resolve())
