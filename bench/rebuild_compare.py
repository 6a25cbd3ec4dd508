"""``rebuild_rollups`` on a large database: wall time, memory, and equality with saved rollups.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_1m
    .venv/bin/python bench/rebuild_compare.py save        # keep the rollups as they are
    .venv/bin/python bench/rebuild_compare.py run [--root OLD_TREE] [--workers N]
    .venv/bin/python bench/rebuild_compare.py check       # every row equal to the saved?

``save`` copies the rollup and fact tables (``bench_saved_rollup`` / ``_fact``): the
reference, e.g. what another checkout's rebuild or the incremental fold wrote. ``run``
runs ``manage.py rebuild_rollups`` of this checkout (or ``--root``'s) in a child
process and prints its own lines, its wall time, the peak RSS of that Python process,
and the peak, sampled twice a second, of the memory of its own (``RssAnon``: not the
shared buffers) summed over every PostgreSQL backend, which with the parallel rebuild
is several. ``check`` compares every column of every rollup row and fact with the
saved copy, both ways (``EXCEPT ALL`` of an ``md5`` of each row's columns), and prints the rows that differ (0 when equal).
The bench at 4.2 M cannot keep a Python reference in memory (``rollup_rebuild_bench.py``
does, up to ~200,000 messages): the reference here is a rebuild by other code, or the
incremental fold, saved in the database.

Kind of evidence: synthetic data (``http_bench.py load``) on PostgreSQL on this machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAVED = {"analytics_rollup": "bench_saved_rollup", "analytics_messagefact": "bench_saved_fact"}


def _psql(sql: str) -> str:
    return subprocess.run(
        ["psql", os.environ["DATABASE_URL"], "-Atqc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _columns(table: str) -> list[str]:
    names = _psql(
        "SELECT column_name FROM information_schema.columns "
        f"WHERE table_name = '{table}' AND column_name <> 'id' ORDER BY ordinal_position"
    )
    return [f'"{n}"' for n in names.split()]


def save() -> None:
    for table, saved in SAVED.items():
        started = time.perf_counter()
        _psql(f"DROP TABLE IF EXISTS {saved}; CREATE TABLE {saved} AS SELECT * FROM {table}")
        rows = _psql(f"SELECT COUNT(*) FROM {saved}")
        print(f"{table}: {int(rows):,} rows saved in {time.perf_counter() - started:.0f} s")


def check() -> None:
    for table, saved in SAVED.items():
        # Each row as a hash of all its columns but the id (the rows are ~150 columns
        # wide: comparing the hashes sorts a fraction of the data).
        row = f"md5(ROW({', '.join(_columns(table))})::text)"
        counts = [
            int(
                _psql(
                    f"SELECT COUNT(*) FROM (SELECT {row} FROM {a} EXCEPT ALL SELECT {row} FROM {b}) d"
                )
            )
            for a, b in ((table, saved), (saved, table))
        ]
        rows = int(_psql(f"SELECT COUNT(*) FROM {table}"))
        print(
            f"{table}: {rows:,} rows; rows not in the saved copy {counts[0]:,}, "
            f"saved rows not in the table {counts[1]:,}",
            flush=True,
        )


def _kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _backends() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and b" postgres " in cmdline:
                pids.append(int(entry.name))
    return pids


def run(root: Path, workers: int | None) -> None:
    started = time.perf_counter()
    extra = ["--workers", str(workers)] if workers else []  # older checkouts lack it
    child = subprocess.Popen(
        [sys.executable, "manage.py", "rebuild_rollups", *extra],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    peaks = {"python": 0, "backends": 0}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peaks["python"] = max(peaks["python"], _kb(child.pid, "VmRSS"))
            own = sum(_kb(pid, "RssAnon") for pid in _backends())
            peaks["backends"] = max(peaks["backends"], own)
            done.wait(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert child.stdout is not None
    for line in child.stdout:
        print(f"  | {line.rstrip()}", flush=True)
    code = child.wait()
    done.set()
    watcher.join()
    print(
        f"rebuild_rollups ({root}, {' '.join(extra) or 'its defaults'}): exit {code}, "
        f"{time.perf_counter() - started:.1f} s; peak RSS of the command "
        f"{peaks['python'] / 1024:.0f} MB (sampled); PostgreSQL backends' own memory "
        f"(RssAnon, summed, sampled) peak {peaks['backends'] / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("save")
    sub.add_parser("check")
    p_run = sub.add_parser("run")
    p_run.add_argument("--root", type=Path, default=ROOT, help="the checkout whose rebuild runs")
    p_run.add_argument("--workers", type=int, help="default: the command's own (2)")
    args = parser.parse_args()
    if args.cmd == "save":
        save()
    elif args.cmd == "check":
        check()
    else:
        run(args.root, args.workers)


if __name__ == "__main__":
    main()
