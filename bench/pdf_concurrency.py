"""Concurrent anonymous PDF requests against a running server: how many Chromiums, how much memory.

    .venv/bin/python bench/pdf_concurrency.py [--requests 8] [--port 8401]

Starts, in a temporary directory with its own SQLite database (or the empty database
named by DATABASE_URL), the web server and
two task workers (``db_worker``, two processes competing for the queue), then runs
three scenarios, each with ``--requests`` simultaneous anonymous requests:

  same      every request asks for the same report
  distinct  each asks for a different year's report (anonymous limit raised to 100)
  throttle  the same distinct requests with the default anonymous limit (3 per 10 min)

While they run, /proc is sampled every 50 ms for Chromium processes: the number of
browser instances (a Chromium whose parent is not Chromium), all Chromium processes,
and their summed resident memory. It prints one row per scenario. Evidence kind:
measured on this machine, synthetic load on an empty database (the report's size
does not depend on the number of messages: it is built from the rollups).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # --root points it at another checkout
PY = sys.executable


def _chromium_sample(roots: set[int]) -> tuple[int, int, int]:
    """(browser instances, chromium processes, summed RSS in kB) below ``roots`` right now.

    Only descendants of this bench's own workers count: other people's browsers on the
    same machine are not ours.
    """
    procs: dict[int, tuple[int, str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        name = fields.get("Name", "").strip()
        ppid = int(fields.get("PPid", "0").strip() or 0)
        rss = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
        procs[int(entry.name)] = (ppid, name, rss)

    def ours(pid: int) -> bool:
        seen = 0
        while pid in procs and seen < 64:
            if pid in roots:
                return True
            pid, seen = procs[pid][0], seen + 1
        return False

    chromium = {pid: p for pid, p in procs.items() if p[1].startswith("chrom") and ours(pid)}
    browsers = [pid for pid, (ppid, _n, _r) in chromium.items() if ppid not in chromium]
    return len(browsers), len(chromium), sum(r for _p, _n, r in chromium.values())


class Sampler(threading.Thread):
    def __init__(self, roots: set[int]) -> None:
        super().__init__(daemon=True)
        self.roots = roots
        self.stop = threading.Event()
        self.max_browsers = self.max_procs = self.max_rss = 0

    def run(self) -> None:
        while not self.stop.is_set():
            b, p, r = _chromium_sample(self.roots)
            self.max_browsers = max(self.max_browsers, b)
            self.max_procs = max(self.max_procs, p)
            self.max_rss = max(self.max_rss, r)
            time.sleep(0.05)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"server did not start: {url}")


def _start(env: dict[str, str], port: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    server = subprocess.Popen(
        [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=(logs / "server.log").open("ab"),
        stderr=subprocess.STDOUT,
    )
    workers = [
        subprocess.Popen(
            [PY, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=(logs / f"worker{i}.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        for i in range(2)
    ]
    _wait_up(f"http://127.0.0.1:{port}/stats/glossary/")
    return [server, *workers]


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        p.terminate()
    for p in processes:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def scenario(name: str, base: str, urls: list[str], roots: set[int]) -> None:
    sampler = Sampler(roots)
    sampler.start()
    answers: list[tuple[str, int]] = []
    barrier = threading.Barrier(len(urls))

    def ask(url: str) -> None:
        barrier.wait()
        answers.append((url, _get(base + url)[0]))

    started = time.monotonic()
    threads = [threading.Thread(target=ask, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first_answer = time.monotonic() - started
    # Poll (as the page does) until every accepted report is printed or failed.
    pending = {u for u, c in answers if c == 202}
    ready = 0
    while pending and time.monotonic() - started < 600:
        for url in sorted(pending):
            status, body = _get(base + url)
            if status == 200 and body.startswith(b"%PDF"):
                pending.discard(url)
                ready += 1
            elif status == 503:
                pending.discard(url)
        time.sleep(0.5)
    total = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    codes = [c for _u, c in answers]
    counts = {c: codes.count(c) for c in sorted(set(codes))}
    print(
        f"{name:9} requests={len(urls)} answers={counts} first-answer-s={first_answer:.2f} "
        f"distinct-reports-printed={ready} all-ready-s={total:.1f} "
        f"max-chromium-browsers={sampler.max_browsers} max-chromium-processes={sampler.max_procs} "
        f"peak-chromium-rss-MB={sampler.max_rss / 1024:.0f}",
        flush=True,
    )


def main() -> None:
    global ROOT
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument(
        "--root", default=str(ROOT), help="checkout to run (e.g. one before this change)"
    )
    parser.add_argument("--scenarios", default="same,distinct,throttle")
    args = parser.parse_args()
    ROOT = Path(args.root)
    tmp = Path(tempfile.mkdtemp(prefix="lyb-pdf-bench-"))
    env = {
        **os.environ,
        "LIUYANBAN_VAR": str(tmp),
        # An empty PostgreSQL database from DATABASE_URL, else a fresh SQLite file.
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp}/db.sqlite3"),
        "TASKS_BACKEND": "db",
        "DEBUG": "1",
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    base = f"http://127.0.0.1:{args.port}"
    year = time.localtime().tm_year
    same = [f"/stats/report/pdf/?year={year}"] * args.requests
    distinct = [f"/stats/report/pdf/?year={year - i}" for i in range(args.requests)]
    print(f"machine: {os.cpu_count()} cores; {args.requests} simultaneous anonymous requests each")
    for name, urls, limit in (
        ("same", same, "3"),
        ("distinct", distinct, "100"),
        ("throttle", distinct, "3"),
    ):
        # Each scenario starts from an empty report table (a fresh throttle window).
        # Each scenario starts from no reports and no rate counts (a fresh throttle window).
        forget = (
            "from liuyanban.analytics.models import ReportPdf; ReportPdf.objects.all().delete()\n"
            "from liuyanban.core.models import RateCounter; RateCounter.objects.all().delete()"
        )
        if name not in args.scenarios.split(","):
            continue
        # (A checkout without the table: nothing to forget.)
        subprocess.run([PY, "manage.py", "shell", "-c", forget], cwd=ROOT, env=env, check=False)
        processes = _start({**env, "PDF_ANON_PER_WINDOW": limit}, args.port, tmp)
        try:
            scenario(name, base, urls, {p.pid for p in processes})
        finally:
            _stop(processes)


if __name__ == "__main__":
    main()
