"""Fault soak: the production stack under concurrent writers while its processes are killed.

    nice -n 10 .venv/bin/python bench/fault_soak.py --seconds 180 --writers 24 --port 8150 \\
        --database postgres://postgres@127.0.0.1:5432/lyb_soak

Kind of evidence: synthetic load and synthetic faults on this machine (no real traffic).

Drops and recreates the database, migrates it, builds the test world (liuyanban/testing/
world.py) plus one citizen per writer, then starts, as subprocesses, what production runs:
granian (WSGI, 2 workers, --respawn-failed-workers), two task workers (``manage.py
run_worker``) and the scheduler (``manage.py run_scheduler``). For ``--seconds``:
  - each writer POSTs messages to /api/v1/messages with an idempotency key, retrying the
    same key after a connection error or a 5xx, as a careful client does;
  - a moderator approves every acknowledged message through the API;
  - a fault injector, 1-4 s after the stack has recovered from the previous fault,
    kill -9s one of: a granian worker, the granian master, a task worker, or terminates
    database connections (pg_terminate_backend);
  - a supervisor restarts whatever died (the granian master with its process group, as
    systemd's control-group kill would), as supervisord or systemd would.
Then it stops the load and the faults, waits for the queue to drain (the scheduler's
sweeper re-queues what is missing) and prints the figures. The exit status is 1 when
anything acknowledged was lost or duplicated, a message has no analysis, a task is stuck
RUNNING, or the rollups differ from a rebuild.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
GRANIAN = str(Path(PYTHON).with_name("granian"))
TITLE = "小区门口道路破损严重"
BODY = (
    "小区门口道路破损已经三个月，雨天积水，老人孩子出行很不方便，恳请有关部门尽快修复。编号 {key}"
)


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# ---------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------


def environment(database: str, port: int) -> dict[str, str]:
    """The production settings, pointed at the soak database."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database,
            "LIUYANBAN_ENV": "production",
            "DEBUG": "0",
            "SECRET_KEY": "fault-soak-" + "x" * 40,
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TASKS_BACKEND": "db",
            "EMAIL_URL": "locmem",
            "MESSAGES_PER_AUTHOR_PER_DAY": "1000000",
            "MESSAGES_PER_IP_PER_HOUR": "1000000",
            "TASK_BEAT_TIMEOUT": "15",
            "LIUYANBAN_VAR": f"/tmp/lyb-soak-{port}",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("REDIS_URL", None)
    return env


def prepare(database: str, writers: int, env: dict[str, str]) -> dict[str, Any]:
    """Recreate the database, migrate, and create the world and the writers' tokens."""
    name = database.rsplit("/", 1)[1]
    base = database.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", base, "-qc", sql], check=True)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "liuyanban.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from liuyanban.accounts.models import User
    from liuyanban.api.models import ApiToken
    from liuyanban.organizations.models import Board
    from liuyanban.taxonomy.models import Domain, Kind
    from liuyanban.testing.world import build_world

    world = build_world()
    draft = world.draft()
    tokens = []
    for i in range(writers):
        user = User.objects.create_user(
            username=f"soak{i}", password=None, email=f"soak{i}@example.org", nickname=f"网友{i}"
        )
        tokens.append(ApiToken.issue(user=user, name="soak")[1])
    return {
        "board": Board.objects.get(pk=draft.board_id).code,
        "domain": Domain.objects.get(pk=draft.domain_id).code,
        "kind": Kind.objects.get(pk=draft.kind_id).code,
        "writers": tokens,
        "moderator": ApiToken.issue(user=world.mona, name="soak")[1],
    }


# ---------------------------------------------------------------------------
# The stack and its supervisor
# ---------------------------------------------------------------------------


@dataclass
class Proc:
    """One supervised program: how to start it and its current process."""

    name: str
    argv: list[str]
    env: dict[str, str]
    logfile: Path
    popen: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        out = self.logfile.open("ab")
        # Its own process group, so the whole program can be cleaned up.
        self.popen = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=out, start_new_session=True
        )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill_group(self) -> None:
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()


@dataclass
class Supervisor:
    """Restarts any program that died (supervisord's autorestart)."""

    procs: list[Proc]
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.wait(0.3):
            for proc in self.procs:
                if not proc.alive():
                    proc.kill_group()  # leftovers of a killed master
                    proc.start()
                    proc.restarts += 1

    def shutdown(self) -> None:
        self.stop.set()
        for proc in self.procs:
            if proc.alive():
                assert proc.popen is not None
                os.killpg(proc.popen.pid, signal.SIGTERM)
        time.sleep(2)
        for proc in self.procs:
            proc.kill_group()


def stack(env: dict[str, str], port: int, logs: Path) -> list[Proc]:
    for old in logs.glob("*.log"):
        old.unlink()
    manage = [PYTHON, "manage.py"]
    web = [
        GRANIAN,
        "--interface", "wsgi",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", "2",
        "--blocking-threads", "4",
        "--respawn-failed-workers",
        "--respawn-interval", "0.5",
        "liuyanban.wsgi:application",
    ]  # fmt: skip
    worker = [*manage, "run_worker", "--no-reload", "--interval", "0.2", "--worker-id"]
    return [
        Proc("web", web, env, logs / "web.log"),
        Proc("worker-1", [*worker, "soak-worker-1"], env, logs / "worker-1.log"),
        Proc("worker-2", [*worker, "soak-worker-2"], env, logs / "worker-2.log"),
        Proc("scheduler", [*manage, "run_scheduler", "--tick", "2"], env, logs / "scheduler.log"),
    ]


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def wait_for_http(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/boards")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the web server did not start")


# ---------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients saw."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key → number
    given_up: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    approved: int = 0
    approve_given_up: int = 0

    def saw(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1

    def conn_error(self) -> None:
        with self.lock:
            self.connection_errors += 1


def call(port: int, path: str, token: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(payload),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = {}
    return response.status, data


def writer(port: int, token: str, codes: dict[str, Any], tally: Tally, stop: threading.Event,
           acked: queue.Queue[str]) -> None:  # fmt: skip
    while not stop.is_set():
        key = uuid.uuid4().hex
        payload = {
            "board": codes["board"],
            "domain": codes["domain"],
            "kind": codes["kind"],
            "title": TITLE,
            "body": BODY.format(key=key),
            "idempotency_key": key,
        }
        for _attempt in range(40):  # the same key until the platform answers
            try:
                status, data = call(port, "/api/v1/messages", token, payload)
            except OSError:
                tally.conn_error()
                time.sleep(0.3)
                continue
            tally.saw(status)
            if status == 201:
                with tally.lock:
                    tally.acknowledged[key] = data["tracking_number"]
                acked.put(data["tracking_number"])
                break
            time.sleep(0.3 if status >= 500 or status == 429 else 0)
            if 400 <= status < 500 and status != 429:
                log(f"writer refused: {status} {data}")
                break
        else:
            with tally.lock:
                tally.given_up += 1


def moderator(port: int, token: str, tally: Tally, stop: threading.Event,
              acked: queue.Queue[str]) -> None:  # fmt: skip
    while not (stop.is_set() and acked.empty()):
        try:
            number = acked.get(timeout=0.5)
        except queue.Empty:
            continue
        for _attempt in range(20):
            try:
                status, _ = call(port, f"/api/v1/messages/{number}/approve", token, {})
            except OSError:
                tally.conn_error()
                time.sleep(0.3)
                continue
            tally.saw(status)
            if status < 500 and status != 429:
                if status == 200:
                    with tally.lock:
                        tally.approved += 1
                break
            time.sleep(0.3)
        else:
            with tally.lock:
                tally.approve_given_up += 1


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------


def terminate_connections(dsn: str) -> int:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchall()
        # Half the time every connection at once, else those in the middle of work.
        busy = [pid for pid, state in rows if state != "idle"]
        victims = [pid for pid, _ in rows] if random.random() < 0.5 or not busy else busy
        for pid in victims:
            conn.execute("SELECT pg_terminate_backend(%s)", [pid])
    return len(victims)


def busy_worker(dsn: str, wait: float = 3.0) -> str | None:
    """The name of a task worker running a task now, waiting up to ``wait`` seconds for one."""
    import psycopg

    deadline = time.monotonic() + wait
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT worker_id FROM core_workerbeat WHERE task_id <> '' "
                "AND worker_id LIKE 'soak-worker-%%' ORDER BY random() LIMIT 1"
            ).fetchone()
            if row:
                return str(row[0]).removeprefix("soak-")
            time.sleep(0.05)
    return None


def healthy(procs: dict[str, Proc], port: int) -> bool:
    """Every program is up and the web answers (a fault is injected only into a working stack)."""
    if not all(p.alive() for p in procs.values()):
        return False
    web = procs["web"].popen
    if web is None or len(children(web.pid)) < 2:
        return False
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/api/v1/boards")
        conn.getresponse().read()
    except OSError:
        return False
    return True


def injector(procs: dict[str, Proc], port: int, dsn: str, stop: threading.Event,
             faults: Counter[str], rng: random.Random) -> None:  # fmt: skip
    """Every 1-4 s after the stack has recovered from the last fault, inject one more."""
    kinds = ["web worker", "web master", "task worker", "db connections"]
    weights = [3, 1, 3, 3]
    while not stop.wait(rng.uniform(1, 4)):
        while not stop.is_set() and not healthy(procs, port):
            stop.wait(0.5)
        if stop.is_set():
            return
        kind = rng.choices(kinds, weights)[0]
        try:
            if kind == "web worker":
                web = procs["web"].popen
                pids = children(web.pid) if web else []
                if not pids:
                    continue
                os.kill(rng.choice(pids), signal.SIGKILL)
            elif kind == "web master":
                web = procs["web"].popen
                if web is None:
                    continue
                os.kill(web.pid, signal.SIGKILL)
            elif kind == "task worker":
                # Preferably one in the middle of a task (its heartbeat names the task).
                name = busy_worker(dsn) or rng.choice(["worker-1", "worker-2"])
                target = procs[name].popen
                if target is None:
                    continue
                os.kill(target.pid, signal.SIGKILL)
            elif not terminate_connections(dsn):
                continue
        except (ProcessLookupError, OSError) as exc:
            log(f"fault {kind} missed: {exc}")
            continue
        faults[kind] += 1


# ---------------------------------------------------------------------------
# Drain and figures
# ---------------------------------------------------------------------------


def backlog() -> dict[str, int]:
    from django.db import close_old_connections
    from django_tasks_db.models import DBTaskResult

    from liuyanban.analytics import rollups
    from liuyanban.core.models import OutboxJob
    from liuyanban.lifecycle.models import Message

    close_old_connections()
    return {
        "ready": DBTaskResult.objects.filter(status="READY").count(),
        "running": DBTaskResult.objects.filter(status="RUNNING").count(),
        "unanalysed": Message.objects.filter(insight__isnull=True).count(),
        "unfolded": rollups.unfolded(),
        "outbox": OutboxJob.objects.count(),
    }


def drain(timeout: float) -> tuple[dict[str, int], float]:
    started = time.monotonic()
    while True:
        try:
            left = backlog()
        except Exception as exc:  # a terminated connection of our own, right at the end
            log(f"drain check failed ({exc}); again")
            from django.db import connection

            connection.close()
            time.sleep(1)
            continue
        waited = time.monotonic() - started
        if not any(left.values()) or waited > timeout:
            return left, waited
        log(f"draining: {left}")
        time.sleep(3)


def worker_log_counts(procs: list[Proc]) -> dict[str, int]:
    """What the task workers logged about recovering (see core/workers.py, run_worker.py)."""
    text = "".join(
        p.logfile.read_text(errors="replace") for p in procs if p.name.startswith("worker")
    )
    return {
        "reconnected after losing the database": text.count("reconnecting"),
        "tasks re-queued after a transient error": text.count("transient database error"),
        "interrupted tasks re-queued by the sweeper": text.count("worker gone"),
    }


def figures(tally: Tally, faults: Counter[str], procs: list[Proc], left: dict[str, int],
            waited: float, seconds: int, writers: int) -> dict[str, Any]:  # fmt: skip
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from liuyanban.analytics import rollups
    from liuyanban.lifecycle.models import Message

    ours = Message.objects.filter(source="api")
    stored = ours.count()
    keys = set(ours.values_list("idempotency_key", flat=True))
    duplicates = sum(
        row["n"] - 1
        for row in ours.values("idempotency_key").annotate(n=Count("pk")).filter(n__gt=1)
    )
    numbers = set(ours.values_list("tracking_number", flat=True))
    lost = [k for k, n in tally.acknowledged.items() if k not in keys or n not in numbers]
    incremental = rollups.table_snapshot()
    rollups.rebuild()
    failed = Counter(
        DBTaskResult.objects.filter(status="FAILED").values_list("task_path", flat=True)
    )
    return {
        "evidence": "synthetic load and synthetic faults on this machine",
        "seconds": seconds,
        "writers": writers,
        "faults injected": dict(faults),
        "restarts by the supervisor": {p.name: p.restarts for p in procs},
        "task workers": worker_log_counts(procs),
        "acknowledged": len(tally.acknowledged),
        "stored": stored,
        "stored but never acknowledged (client gave up or was cut off)": len(keys - set(tally.acknowledged)),
        "duplicates": duplicates,
        "lost": len(lost),
        "approved": tally.approved,
        "messages without analysis": Message.objects.filter(insight__isnull=True).count(),
        "tasks stuck RUNNING": DBTaskResult.objects.filter(status="RUNNING").count(),
        "tasks still READY": left["ready"],
        "tasks FAILED": dict(failed),
        "events not folded": left["unfolded"],
        "rollups equal a rebuild": incremental == rollups.table_snapshot(),
        "5xx seen": sum(n for s, n in tally.statuses.items() if s >= 500),
        "status codes": dict(sorted(tally.statuses.items())),
        "connection errors seen": tally.connection_errors,
        "writes given up": tally.given_up,
        "approvals given up": tally.approve_given_up,
        "drain seconds": round(waited, 1),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--writers", type=int, default=24)
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument(
        "--database",
        default=os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lyb_soak"),
    )
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        raise SystemExit("the soak runs on PostgreSQL")
    rng = random.Random(args.seed)
    env = environment(args.database, args.port)
    logs = Path(env["LIUYANBAN_VAR"]) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log(f"preparing {args.database}")
    codes = prepare(args.database, args.writers, env)
    from django.db import connection

    connection.close()  # the injector must not need to spare the bench's own connection

    procs = stack(env, args.port, logs)
    for proc in procs:
        proc.start()
    supervisor = Supervisor(procs)
    threading.Thread(target=supervisor.run, daemon=True).start()
    tally, faults = Tally(), Counter[str]()
    stop_load, stop_faults = threading.Event(), threading.Event()
    acked: queue.Queue[str] = queue.Queue()
    try:
        wait_for_http(args.port)
        log(f"stack up; {args.writers} writers and a moderator for {args.seconds} s with faults")
        threads = [
            threading.Thread(target=writer, args=(args.port, token, codes, tally, stop_load, acked))
            for token in codes["writers"]
        ]
        threads.append(
            threading.Thread(
                target=moderator, args=(args.port, codes["moderator"], tally, stop_load, acked)
            )
        )
        dsn = args.database.replace("postgres://", "postgresql://", 1)
        chaos = threading.Thread(
            target=injector,
            args=({p.name: p for p in procs}, args.port, dsn, stop_faults, faults, rng),
        )
        for t in [*threads, chaos]:
            t.start()
        time.sleep(args.seconds)
        stop_faults.set()
        chaos.join()
        stop_load.set()
        for t in threads:
            t.join()
        log(f"load stopped: {len(tally.acknowledged)} acknowledged; faults {dict(faults)}")
        left, waited = drain(args.drain_timeout)
    finally:
        supervisor.shutdown()
    result = figures(tally, faults, procs, left, waited, args.seconds, args.writers)
    for key, value in result.items():
        print(f"{key}: {value}")
    print("RESULT " + json.dumps(result, ensure_ascii=False))
    bad = (
        result["lost"]
        or result["duplicates"]
        or result["messages without analysis"]
        or result["tasks stuck RUNNING"]
        or result["tasks still READY"]
        or result["events not folded"]
        or not result["rollups equal a rebuild"]
        or result["acknowledged"] == 0
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
