"""Scale-out on real engines: a streaming replica, Redis, two app processes, two task workers.

Starts, on this machine (bounded: about a minute on an idle machine):

* a PostgreSQL primary in a temporary folder (``initdb`` with the local server's
  binaries, on a free port) holding a copy of this test's database (``pg_dump``), and
  its streaming replica (``pg_basebackup -R``, ``pg_ctl start`` on another free port),
  both run as the ``postgres`` OS user when the test runs as root. The local server
  itself is not replicated: a base backup copies a whole cluster, and the shared
  server holds the other databases (gigabytes during the benches), which would make
  the test's time depend on them; nor is its configuration touched;
* a Redis (``redis-server`` on a free port, nothing on disk);
* two app processes (granian, production settings, ``DATABASE_REPLICA_URL`` and
  ``REDIS_URL`` set) and two task workers (``manage.py run_worker``: RQ).

It shows: public reads come from the replica (with replay paused, a new message is
missing from the public page but there for its writer, pinned to the primary),
writes land on the primary, tasks spread over both workers, and nothing is lost
when one app process and one worker are killed with SIGKILL mid-run.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from liuyanban.api.models import ApiToken
from liuyanban.taxonomy.models import Domain, Kind
from liuyanban.testing.world import build_world

pytestmark = pytest.mark.postgres_only

ROOT = Path(settings.BASE_DIR)
PY = str(Path(os.sys.executable))  # type: ignore[attr-defined]


_T0 = [time.monotonic()]


def _mark(what: str) -> None:
    """Progress with the time since the test began (shown with pytest -s)."""
    print(f"[scale-out {time.monotonic() - _T0[0]:6.1f} s] {what}", flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(
    what: str, check: Callable[[], bool], limit: float = 60, detail: Callable[[], str] = str
) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{detail()}")


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _psql(
    port: int, sql: str, db: str = "postgres", replication: bool = False
) -> subprocess.CompletedProcess[str]:
    conninfo = f"host=127.0.0.1 port={port} user=postgres dbname={db}"
    if replication:
        conninfo += " replication=true"
    return subprocess.run(
        ["psql", conninfo, "-Atqc", sql], capture_output=True, text=True, timeout=30
    )


class Stack:
    """Everything the test starts; stopped (every process group killed) at the end."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="lyb-scaleout-"))
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.clusters: list[Path] = []
        self.bindir = ""

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def _pg_ctl_start(self, data: Path, log: str) -> None:
        start = [f"{self.bindir}/pg_ctl", "-D", str(data), "-l", str(self.tmp / log)]
        subprocess.run(
            _as_postgres([*start, "-w", "-t", "60", "start"]),
            check=True,
            capture_output=True,
            timeout=90,
        )
        self.clusters.append(data)

    def start_primary(self, local_port: int, dbname: str) -> int:
        """A fresh primary on a free port holding a copy of the local ``dbname``."""
        version = _psql(local_port, "show server_version_num").stdout.strip()[:2]
        self.bindir = next(iter(glob.glob(f"/usr/lib/postgresql/{version}/bin")), "")
        assert self.bindir, f"PostgreSQL {version} server binaries not in /usr/lib/postgresql"
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres")
        self.tmp.chmod(0o755)
        data = self.tmp / "primary"
        initdb = [f"{self.bindir}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust"]
        subprocess.run(
            _as_postgres([*initdb, "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync"]),
            check=True,
            capture_output=True,
            timeout=120,
        )
        port = _free_port()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.tmp}'\nfsync = off\n"
                "shared_buffers = 32MB\nmax_connections = 60\n"
                "wal_level = replica\nmax_wal_senders = 4\n"
            )
        # initdb -A trust already allows replication connections from 127.0.0.1.
        self._pg_ctl_start(data, "primary.log")
        to = ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        subprocess.run(
            [f"{self.bindir}/createdb", *to, dbname], check=True, capture_output=True, timeout=60
        )
        dump = subprocess.run(
            [
                *(f"{self.bindir}/pg_dump", "-h", "127.0.0.1", "-p", str(local_port)),
                *("-U", "postgres", "--no-owner", dbname),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        ).stdout
        subprocess.run(
            ["psql", *to, "-d", dbname, "-q", "-v", "ON_ERROR_STOP=1"],
            input=dump,
            check=True,
            capture_output=True,
            timeout=120,
        )
        return port

    def start_replica(self, primary_port: int) -> int:
        data = self.tmp / "replica"
        subprocess.run(
            _as_postgres(
                [
                    f"{self.bindir}/pg_basebackup",
                    *("-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"),
                    *("-D", str(data), "-X", "stream", "-R", "--checkpoint=fast", "--no-sync"),
                ]
            ),
            check=True,
            capture_output=True,
            timeout=300,
        )
        port = _free_port()
        # A standby needs at least the primary's values of these.
        same = ["max_connections", "max_worker_processes", "max_wal_senders"]
        same += ["max_prepared_transactions", "max_locks_per_transaction"]
        lines = [f"{k} = {_psql(primary_port, f'show {k}').stdout.strip()}" for k in same]
        lines += [
            f"port = {port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.tmp}'",
            "hot_standby = on",
            "shared_buffers = 32MB",
            "fsync = off",
        ]
        for name, text in {
            "postgresql.conf": "\n".join(lines) + "\n",
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }.items():
            (data / name).write_text(text)
            if os.geteuid() == 0:
                shutil.chown(data / name, "postgres")
        self._pg_ctl_start(data, "replica.log")
        return port

    def stop(self) -> None:
        for name in list(self.procs):
            self.kill(name)
        for data in reversed(self.clusters):
            subprocess.run(
                _as_postgres([f"{self.bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def stack() -> Iterator[Stack]:
    s = Stack()
    try:
        yield s
    finally:
        s.stop()


def _request(
    url: str, data: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str, Message]:
    """Status, body and headers (looked up case-insensitively)."""
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), e.headers


def _up(port: int) -> bool:
    try:
        return _request(f"http://127.0.0.1:{port}/open311/v2/services.json")[0] == 200
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_replica_redis_two_apps_two_workers_and_nothing_lost_when_killed(stack: Stack) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite has no replicas; CI runs this on PostgreSQL
    db = settings.DATABASES["default"]
    local_port = int(db.get("PORT") or 5432)
    assert shutil.which("redis-server"), "redis-server is needed (Debian package redis-server)"

    _T0[0] = time.monotonic()
    # The data the apps serve: the test world, committed (this test is transactional).
    world = build_world()
    secret = ApiToken.issue(user=world.alice, name="scale-out")[1]
    moderator = ApiToken.issue(user=world.mona, name="scale-out")[1]
    payload = {
        "board": world.east_board.code,
        "domain": Domain.objects.get(code="urban").code,
        "kind": Kind.objects.get(code="complaint").code,
        "title": "幸福路路灯不亮",
        "body": "幸福路的路灯已经一个月不亮了，晚上出行很不安全，请尽快修复。",
    }

    _mark("test world built")
    dbname = db["NAME"]
    primary_port = stack.start_primary(local_port, dbname)
    _mark(f"primary on port {primary_port} with a copy of the test database")
    replica_port = stack.start_replica(primary_port)
    _mark(f"replica streaming on port {replica_port}")

    def on_primary(sql: str) -> str:
        return _psql(primary_port, sql, db=dbname).stdout.strip()

    redis_port = _free_port()
    stack.start(
        "redis",
        [
            "redis-server",
            *("--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        ],
        dict(os.environ),
    )

    env = {
        **os.environ,
        "LIUYANBAN_ENV": "production",
        "SECRET_KEY": "scale-out-test-" + "k" * 40,
        "SECURE_SSL_REDIRECT": "0",
        "LIUYANBAN_VAR": str(stack.tmp / "var"),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary_port}/{dbname}",
        "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{replica_port}/{dbname}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TASKS_BACKEND": "rq",
        "EMAIL_URL": "console",
        "WEB_THREADS": "4",
        "MESSAGES_PER_AUTHOR_PER_DAY": "100000",
        "MESSAGES_PER_IP_PER_HOUR": "100000",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    _mark("static files built")
    apps = {}
    for name in ("app_a", "app_b"):
        apps[name] = _free_port()
        stack.start(
            name,
            [
                *(PY, "-m", "granian", "--interface", "wsgi", "--port", str(apps[name])),
                *("--workers", "1", "--blocking-threads", "4", "liuyanban.wsgi:application"),
            ],
            env,
        )
    for name in ("worker_1", "worker_2"):
        stack.start(name, [PY, "manage.py", "run_worker", "--worker-id", name], env)
    for name, port in apps.items():
        _wait(f"{name} answering", lambda port=port: _up(port), 90)  # type: ignore[misc]

    _mark("two app processes and two workers up")
    a, b = (f"http://127.0.0.1:{apps[n]}" for n in ("app_a", "app_b"))
    auth = {"Authorization": f"Bearer {secret}"}

    # -- Reads from the replica, writes and the writer's own pages from the primary --
    assert _psql(replica_port, "select pg_is_in_recovery()").stdout.strip() == "t"
    assert _psql(replica_port, "select pg_wal_replay_pause()").returncode == 0
    status, body, _ = _request(
        b + "/api/v1/messages", {**payload, "title": "复制暂停时公开的留言"}, auth
    )
    assert status == 201, body
    tracking = json.loads(body)["tracking_number"]
    status, body, _ = _request(
        a + f"/api/v1/messages/{tracking}/approve", {}, {"Authorization": f"Bearer {moderator}"}
    )
    assert status == 200, body
    page = f"/messages/{tracking}/"
    # The replica has not replayed the new message: the public page does not know it yet ...
    assert _request(b + page)[0] == 404
    # ... while its writer, pinned to the primary by the cookie a write sets, sees it.
    status, body, _ = _request(b + page, headers={"Cookie": "lyb_primary=1"})
    assert status == 200 and "复制暂停时公开的留言" in body
    _psql(replica_port, "select pg_wal_replay_resume()")
    _wait("the replica replays the message", lambda: _request(b + page)[0] == 200, 30)
    # The app keeps connections to the replica for the test database.
    replica_conns = _psql(
        replica_port, f"select count(*) from pg_stat_activity where datname = '{dbname}'"
    ).stdout.strip()
    assert int(replica_conns) >= 1

    _mark(f"reads from the replica shown ({replica_conns} app connections on it)")
    # -- Writes through both app processes; one app and one worker killed mid-run --
    acknowledged: dict[str, str] = {}
    killed = False
    for i in range(24):
        key = f"scale-out-{i}"
        target = a if i % 2 == 0 and not killed else b
        try:
            status, body, headers = _request(
                target + "/api/v1/messages", {**payload, "idempotency_key": key}, auth
            )
        except OSError:
            # The app process died under us: the client retries on the other one with
            # the same idempotency key, as a load balancer's retry would.
            status, body, headers = _request(
                b + "/api/v1/messages", {**payload, "idempotency_key": key}, auth
            )
        assert status == 201, body
        assert "lyb_primary=" in (headers.get("Set-Cookie") or "")
        acknowledged[key] = json.loads(body)["tracking_number"]
        if i == 11:
            _wait(
                "both workers ran tasks",
                lambda: all("analyse_message" in stack.log(w) for w in ("worker_1", "worker_2")),
                60,
                lambda: "".join(f"\n--- {n}\n{stack.log(n)[-3000:]}" for n in stack.procs),
            )
            stack.kill("app_a")
            stack.kill("worker_1")
            killed = True

    _mark("24 submissions acknowledged; app_a and worker_1 killed after 12")
    mine = "select count(*) from lifecycle_message where idempotency_key like 'scale-out-%'"
    analysed = (
        "select count(*) from intelligence_messageinsight i join lifecycle_message m"
        " on m.id = i.message_id where m.idempotency_key like 'scale-out-%'"
    )
    # Writes are on the primary: each acknowledged submission exactly once.
    ids = set(acknowledged.values())
    assert len(ids) == 24
    listed = ",".join(f"'{t}'" for t in ids)
    assert (
        on_primary(f"select count(*) from lifecycle_message where tracking_number in ({listed})")
        == "24"
    )
    assert on_primary(mine) == "24"
    # The surviving worker finishes the queue: every message is analysed.
    _wait(
        "every message analysed",
        lambda: on_primary(analysed) == "24",
        90,
        lambda: (
            f"analysed: {on_primary(analysed)}"
            + "".join(f"\n--- {w}\n{stack.log(w)[-4000:]}" for w in ("worker_1", "worker_2"))
        ),
    )
    _mark("every message analysed")
    # Tasks were spread over both workers.
    runs = {w: len(re.findall(r"analyse_message", stack.log(w))) for w in ("worker_1", "worker_2")}
    assert all(n > 0 for n in runs.values()), runs
    # And the replica caught up with every write.
    _wait(
        "the replica has every message",
        lambda: (
            _psql(
                replica_port,
                "select count(*) from lifecycle_message where idempotency_key like 'scale-out-%'",
                db=dbname,
            ).stdout.strip()
            == "24"
        ),
        30,
    )
    _mark(f"replica caught up; analyses per worker: {runs}")
