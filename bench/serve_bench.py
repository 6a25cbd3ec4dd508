"""100 concurrent requests through the production stack, and kill -9 of each of its processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_bench \\
        .venv/bin/python bench/serve_bench.py [--port 8510] [--duration 15] [--connections 100]

(`make bench-serve` installs wrk from Debian and runs it.) Evidence: measured on
this machine, one run, real HTTP from wrk (not our code) against real processes.
The database is seeded with `seed_demo` when it holds no messages.

Two configurations, side by side, each driven by `wrk -c100` on the home page and
a public message page:

* "old README": `granian --interface wsgi --workers 2 liuyanban.wsgi:application`
  with persistent per-thread connections (CONN_MAX_AGE=600, no pool) — what the
  README said before this change;
* "make serve": deploy/serve.sh (supervisord; granian 2 workers x WEB_THREADS
  threads; psycopg pool of WEB_THREADS connections per process).

For each it prints requests/s, latency, non-2xx responses and socket errors from
wrk, the most connections PostgreSQL held for the database while it ran, and
whether the superuser could still connect (a `psql` probe every 0.5 s).

Then, against "make serve", it kills with SIGKILL a granian worker, the granian
master, a task worker and the scheduler, one at a time, and prints for each: the
time until the site answers 200 again (web) or supervisord shows the program
RUNNING with a new pid, and whether any other program was restarted meanwhile.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def psql(url: str, sql: str, db: str | None = None) -> str:
    u = urlparse(url)
    args = ["psql", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432)]
    args += ["-U", u.username or "postgres", "-d", db or u.path.lstrip("/"), "-Atqc", sql]
    return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""
    except Exception:
        return 0, ""


def wait_http(url: str, limit: float = 120) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if get(url, timeout=2)[0] == 200:
            return time.monotonic() - start
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer 200 within {limit:.0f} s")


class Watch(threading.Thread):
    """Polls PostgreSQL: the most connections to the database, failed superuser probes."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.db = url, urlparse(url).path.lstrip("/")
        self.peak, self.probes, self.failed = 0, 0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            out = psql(
                self.url,
                f"select count(*) from pg_stat_activity where datname = '{self.db}'",
                db="postgres",
            )
            self.probes += 1
            if out.isdigit():
                self.peak = max(self.peak, int(out))
            else:
                self.failed += 1
            self.stop.wait(0.5)


def wrk(url: str, connections: int, duration: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency", url],
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, float] = {"non2xx": 0, "socket_errors": 0}
    if m := re.search(r"(\d+) requests in", out):
        figures["requests"] = int(m.group(1))
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        figures["rps"] = float(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        figures["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        figures["socket_errors"] = sum(int(g) for g in m.groups())
    for pct in ("50", "99"):
        if m := re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out):
            value = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
            figures[f"p{pct}_ms"] = value
    return figures


def load(name: str, base: str, paths: list[str], db_url: str, args: argparse.Namespace) -> int:
    errors = 0
    for path in paths:
        watch = Watch(db_url)
        watch.start()
        f = wrk(base + path, args.connections, args.duration)
        watch.stop.set()
        watch.join()
        bad = int(f["non2xx"] + f["socket_errors"])
        errors += bad + watch.failed
        print(
            f"  {name:11s} {path[:40]:40s} {f.get('requests', 0):7.0f} req "
            f"{f.get('rps', 0):7.1f} req/s  "
            f"{f.get('rps', 0) * (1 - f['non2xx'] / max(1, f.get('requests', 1))):6.1f} good/s  p50 {f.get('p50_ms', 0):7.1f} ms  "
            f"p99 {f.get('p99_ms', 0):7.1f} ms  non-2xx {f['non2xx']:.0f}  "
            f"socket errors {f['socket_errors']:.0f}  peak PG connections {watch.peak}  "
            f"superuser probes failed {watch.failed}/{watch.probes}",
            flush=True,
        )
    return errors


def env_for(args: argparse.Namespace, var: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LIUYANBAN_ENV": "production",
            "DATABASE_URL": args.database_url,
            "LIUYANBAN_VAR": str(var),
            "LYB_PY": PY,
            "PORT": str(args.port),
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "ERROR",
        }
    )
    env.pop("REDIS_URL", None)
    return env


def old_readme(args: argparse.Namespace, var: Path, paths: list[str]) -> int:
    env = env_for(args, var) | {"DB_POOL_MAX": "0"}
    proc = subprocess.Popen(
        [
            *(PY, "-m", "granian", "--interface", "wsgi", "--port", str(args.port)),
            *("--workers", "2", "liuyanban.wsgi:application"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_http(base + "/")
        return load("old README", base, paths, args.database_url, args)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def status(env: dict[str, str]) -> dict[str, tuple[str, int]]:
    out = subprocess.run(
        [str(Path(PY).parent / "supervisorctl"), "-c", "deploy/supervisord.conf", "status"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    programs = {}
    for line in out.splitlines():
        parts = line.split()
        pid = int(m.group(1)) if (m := re.search(r"pid (\d+)", line)) else 0
        programs[parts[0]] = (parts[1], pid)
    return programs


def wait_running(env: dict[str, str], name: str, old_pid: int, limit: float = 90) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        state, pid = status(env).get(name, ("?", 0))
        if state == "RUNNING" and pid and pid != old_pid:
            return time.monotonic() - start
        time.sleep(0.2)
    return float("nan")


def make_serve(args: argparse.Namespace, var: Path, paths: list[str]) -> tuple[int, list[str]]:
    env = env_for(args, var)
    proc = subprocess.Popen(
        ["deploy/serve.sh"],
        cwd=ROOT,
        env=env,
        stdout=open(var / "serve.out", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    survival: list[str] = []
    try:
        wait_http(base + "/", limit=300)
        errors = load("make serve", base, paths, args.database_url, args)
        print("\nkill -9 of each process of `make serve` (supervisord restarts it):", flush=True)
        before = status(env)
        web_pid = before["web"][1]
        workers = subprocess.run(
            ["pgrep", "-P", str(web_pid)], capture_output=True, text=True
        ).stdout.split()
        targets = [
            ("granian worker", "web", int(workers[0]), True),
            ("granian master", "web", web_pid, False),
            ("task worker", "worker:worker-0", before["worker:worker-0"][1], False),
            ("scheduler", "scheduler", before["scheduler"][1], False),
        ]
        for label, program, pid, respawned_by_granian in targets:
            others = {k: v[1] for k, v in status(env).items() if k != program}
            os.kill(pid, signal.SIGKILL)
            t0 = time.monotonic()
            time.sleep(0.2)
            if respawned_by_granian:
                # granian replaces the worker; the other worker serves meanwhile.
                wait_http(base + "/")
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    now = subprocess.run(
                        ["pgrep", "-P", str(web_pid)], capture_output=True, text=True
                    ).stdout.split()
                    if len(now) == len(workers) and str(pid) not in now:
                        break
                    time.sleep(0.2)
                took = time.monotonic() - t0
                ok = len(now) == len(workers) and str(pid) not in now
            else:
                took = wait_running(env, program, pid) + 0.2
                if program == "web":
                    wait_http(base + "/")
                    took = time.monotonic() - t0
                ok = took == took  # not NaN
            after = {k: v[1] for k, v in status(env).items() if k != program}
            untouched = all(after.get(k) == v for k, v in others.items())
            orphans = (
                subprocess.run(["pgrep", "-g", str(pid)], capture_output=True, text=True).stdout
                if program == "web" and not respawned_by_granian
                else ""
            )
            line = (
                f"  {label:15s} pid {pid:6d}: {'back' if ok else 'NOT BACK'} after {took:5.1f} s; "
                f"other programs untouched: {'yes' if untouched else 'NO'}"
                + (f"; old workers left: {len(orphans.split())}" if program == "web" else "")
            )
            print(line, flush=True)
            survival.append(line)
            if not ok or not untouched or orphans.strip():
                errors += 1
        code, _ = get(base + "/")
        print(f"  site after all kills: HTTP {code}", flush=True)
        errors += code != 200
        return errors, survival
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lyb_prodstack"),
    )
    parser.add_argument("--port", type=int, default=8510)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--skip-old", action="store_true", help="only measure make serve")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench-serve does)")
    if not args.database_url.startswith("postgres"):
        raise SystemExit("this bench measures PostgreSQL connections: give a postgres:// URL")

    var = Path(tempfile.mkdtemp(prefix="lyb-serve-bench-"))
    env = env_for(args, var)
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    # The old README never said collectstatic (every page was a 500): built here for both.
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    if psql(args.database_url, "select count(*) from lifecycle_message") in {"", "0"}:
        print("seeding the demo data (seed_demo) ...", flush=True)
        subprocess.run([PY, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True)
    tracking = psql(
        args.database_url,
        "select tracking_number from lifecycle_message where published_at is not null "
        "order by published_at desc limit 1",
    )
    paths = ["/"] + ([f"/messages/{tracking}/"] if tracking else [])
    max_conn = psql(args.database_url, "show max_connections")
    print(
        f"serve_bench: {args.connections} concurrent connections for {args.duration} s per page, "
        f"wrk -t2; PostgreSQL max_connections={max_conn}; machine: {os.cpu_count()} cores "
        f"(shared). Evidence: measured on this machine, one run.\n",
        flush=True,
    )
    old_errors = None if args.skip_old else old_readme(args, var, paths)
    errors, _ = make_serve(args, var, paths)
    print()
    if old_errors is not None:
        print(f"old README command: errors = {old_errors}")
    print(
        f"make serve: errors = {errors} (non-2xx + socket errors + failed probes + kill -9 failures)"
    )
    shutil.rmtree(var, ignore_errors=True)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
