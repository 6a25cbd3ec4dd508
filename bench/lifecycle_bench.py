"""Lifecycle at scale: N messages in every state, then the real action and the hot queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liuyanban_bench \\
        .venv/bin/python bench/lifecycle_bench.py --messages 1000000

Creates (drops first) the database named in DATABASE_URL, migrates it, loads the
national directory (~55,000 bodies), bulk-loads N generated messages with their
events through PostgreSQL COPY, then prints:
  - messages written per second through the real actions (submit + approve, with
    redaction and events; the follow-up work they queue is not run), and per message:
    this process's CPU time, the PostgreSQL backend's CPU time (its /proc/<pid>/stat,
    when the server is local) and the SQL statements sent. On a loaded machine the rate
    is noise; the CPU per message is the figure to compare (2 cores at 200 messages/s
    leave 10 ms of CPU per message for the request, the database and the worker),
  - p50/p95 of a unit's worklist query and of a board's public list (first page
    and a deep keyset page), and of one message's timeline.
On SQLite (no DATABASE_URL) it uses a temporary file and executemany instead of COPY.

``--compare-with TREE`` measures the write path of another checkout of the code (e.g.
``git archive <commit> | tar -x -C /tmp/before``) against this one on the same database,
in one run: each side runs in its own child process (this file's measuring loop, the
other tree's ``liuyanban``), alternating before/after/before/after, and both sides'
rate, CPU per message and statements per message are printed with their ratios.

``--analysed`` submits every sample first, runs intake analysis on them (untimed, as the
worker does between submission and moderation), then approves them all: production's
order. Without it each message is approved right after its submission, before any
worker could have run. ``--worker`` then runs the queued follow-up work with the
project's worker (``run_worker --batch``, in-process) and prints its CPU per message.
``--profile`` runs the loop under cProfile (process CPU time) and prints the statements
per message by kind with the backend's CPU while each kind ran, then the functions.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TZ = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")
# Accounts created by one run are named apart from earlier runs on a reused database.
RUN = f"{os.getpid()}-{int(time.time())}"

# status, share, how many events a message in that status has
MIX = [
    ("submitted", 0.02, 1),
    ("rejected", 0.02, 2),
    ("published", 0.03, 2),
    ("merged", 0.01, 2),
    ("accepted", 0.03, 3),
    ("assigned", 0.04, 4),
    ("in_handling", 0.10, 5),
    ("reviewing", 0.01, 6),
    ("replied", 0.14, 6),
    ("closed", 0.60, 7),
]
EVENT_ACTIONS = ["submit", "approve", "accept", "assign", "sign", "reply_final", "evaluate"]


def prepare_database(reuse: bool) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        base = url.rsplit("/", 1)[0] + "/test"
        for sql in () if reuse else (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", base, "-qc", sql], check=True)
    else:
        tmp = tempfile.mkdtemp(prefix="lyb-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["LIUYANBAN_VAR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
    # Background work (analysis, hot issues, webhooks, email) is queued, as in production;
    # the worker's share is not part of the request path measured here.
    os.environ.setdefault("TASKS_BACKEND", "db")
    os.environ.setdefault("EMAIL_URL", "locmem")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def fmt(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1000:.2f} ms, p95 {pct(values, 0.95) * 1000:.2f} ms (n={len(values)})"


def bulk_load(n: int, seed: int) -> dict[str, object]:
    """Generate N messages in every state plus their events; returns ids useful for queries."""
    from django.db import connection

    from liuyanban.accounts.models import User
    from liuyanban.demo.generator import generate_message
    from liuyanban.organizations.models import Board, Organization
    from liuyanban.taxonomy.models import Domain, Kind

    rng = random.Random(seed)
    boards = list(Board.objects.values_list("pk", "organization_id"))
    units_by_parent: dict[int, list[int]] = {}
    for pk, parent in Organization.objects.filter(kind="department").values_list("pk", "parent_id"):
        units_by_parent.setdefault(parent, []).append(pk)
    domains = {d.code: d.pk for d in Domain.objects.filter(level=1)}
    kinds = {k.code: k.pk for k in Kind.objects.all()}
    author = User.objects.create_user(username="bench-author", password="x")
    statuses = [s for s, _share, _e in MIX]
    weights = [share for _s, share, _e in MIX]
    events_of = {s: e for s, _share, e in MIX}
    # A pool of texts; generating a unique text per row would dominate the load time.
    pool = [generate_message(rng, city="某市") for _ in range(5000)]
    today = date.today()
    start_id = 1
    msg_cols = [
        "id",
        "tracking_number",
        "board_id",
        "office_id",
        "unit_id",
        "author_id",
        "author_nickname",
        "source",
        "external_id",
        "domain_id",
        "kind_id",
        "location",
        "title",
        "body",
        "public_title",
        "public_body",
        "public_location",
        "search_text",
        "status",
        "resolution",
        "submitted_at",
        "published_at",
        "current_due",
        "reply_due",
        "accept_due",
        "extension_used",
        "reopen_count",
        "return_count",
        "transfer_count",
        "support_count",
        "idempotency_key",
        "updated_at",
        "first_reply_at",
        "replied_at",
        "closed_at",
        "accepted_at",
    ]
    ev_cols = ["message_id", "action", "from_status", "to_status", "at", "is_public", "details"]
    vendor = connection.vendor
    t0 = time.perf_counter()
    hot_unit = None
    hot_board = None
    with connection.cursor() as cursor:
        raw = cursor.connection
        batch_m: list[tuple[object, ...]] = []
        batch_e: list[tuple[object, ...]] = []

        def flush() -> None:
            if not batch_m:
                return
            if vendor == "postgresql":
                with (
                    raw.cursor() as c,
                    c.copy(f"COPY lifecycle_message ({','.join(msg_cols)}) FROM STDIN") as cp,
                ):
                    for row in batch_m:
                        cp.write_row(row)
                with (
                    raw.cursor() as c,
                    c.copy(f"COPY lifecycle_event ({','.join(ev_cols)}) FROM STDIN") as cp,
                ):
                    for row in batch_e:
                        cp.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO lifecycle_message ({','.join(msg_cols)}) VALUES ({','.join(['%s'] * len(msg_cols))})",
                    batch_m,
                )
                cursor.executemany(
                    f"INSERT INTO lifecycle_event ({','.join(ev_cols)}) VALUES ({','.join(['%s'] * len(ev_cols))})",
                    batch_e,
                )
            batch_m.clear()
            batch_e.clear()

        for i in range(start_id, start_id + n):
            board_id, office_id = (
                boards[rng.randrange(len(boards))] if rng.random() < 0.7 else boards[i % 200]
            )
            status = rng.choices(statuses, weights)[0]
            g = pool[rng.randrange(len(pool))]
            submitted = datetime.combine(
                today - timedelta(days=rng.randint(0, 1500)), datetime.min.time(), tzinfo=TZ
            ) + timedelta(seconds=rng.randint(0, 86399))
            public = status not in ("submitted", "rejected", "merged")
            units = units_by_parent.get(office_id) or [office_id]
            unit_id = (
                rng.choice(units)
                if status in ("assigned", "in_handling", "reviewing", "replied", "closed")
                else None
            )
            if hot_unit is None and unit_id is not None:
                hot_unit = unit_id
            due = (
                (submitted + timedelta(days=rng.randint(5, 30))).date()
                if status in ("published", "accepted", "assigned", "in_handling", "reviewing")
                else None
            )
            answered = status in ("replied", "closed")
            replied_at = submitted + timedelta(days=rng.randint(3, 25)) if answered else None
            batch_m.append(
                (
                    i,
                    f"B{i:010d}",
                    board_id,
                    office_id,
                    unit_id,
                    author.pk,
                    "网友",
                    "web",
                    "",
                    domains[g.domain],
                    kinds[g.kind],
                    g.location,
                    g.title,
                    g.body,
                    g.title if public else "",
                    g.body if public else "",
                    g.location,
                    " ".join(g.title) if public else "",
                    status,
                    "solved" if answered else "",
                    submitted,
                    submitted + timedelta(hours=6) if public else None,
                    due,
                    due,
                    due,
                    False,
                    0,
                    0,
                    0,
                    rng.randint(0, 20),
                    "",
                    submitted,
                    replied_at,
                    replied_at,
                    (replied_at + timedelta(days=5)) if status == "closed" and replied_at else None,
                    submitted + timedelta(days=1) if unit_id else None,
                )
            )
            at = submitted
            prev = ""
            for action in EVENT_ACTIONS[: events_of[status]]:
                batch_e.append((i, action, prev, status, at, True, "{}"))
                at += timedelta(hours=rng.randint(2, 72))
            if len(batch_m) >= 20000:
                flush()
                done = i - start_id + 1
                if done % 200000 == 0:
                    print(
                        f"  loaded {done:,} messages ({time.perf_counter() - t0:.0f} s)", flush=True
                    )
        flush()
        if vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('lifecycle_message','id'), (SELECT max(id) FROM lifecycle_message))"
            )
            cursor.execute("ANALYZE lifecycle_message")
            cursor.execute("ANALYZE lifecycle_event")
        else:
            cursor.execute("ANALYZE")
    load_s = time.perf_counter() - t0
    counts: dict[str, int] = {}
    from django.db.models import Count

    from liuyanban.lifecycle.models import Message

    hot_board = Message.objects.values("board_id").annotate(n=Count("id")).order_by("-n").first()
    return {
        "load_seconds": load_s,
        "hot_unit": hot_unit,
        "hot_board": hot_board["board_id"] if hot_board else None,
        "counts": counts,
    }


def reuse_info() -> dict[str, object]:
    """The hot unit and board of an already loaded database."""
    from django.db.models import Count

    from liuyanban.lifecycle.models import Message

    unit = Message.objects.exclude(unit__isnull=True).values_list("unit_id", flat=True).first()
    board = Message.objects.values("board_id").annotate(n=Count("id")).order_by("-n").first()
    return {
        "hot_unit": unit,
        "hot_board": board["board_id"] if board else None,
        "messages": Message.objects.count(),
    }


def backend_cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) a local PostgreSQL backend has used, from /proc."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_run_ns(pid: int | None) -> int:
    """Nanoseconds a local backend has run on a CPU (/proc/<pid>/schedstat; finer than stat)."""
    if pid is None:
        return 0
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _statement_kind(sql: str) -> str:
    """A statement reduced to its verb and first table, for the per-message breakdown."""
    import re

    words = sql.split()
    verb = words[0].upper() if words else "?"
    if verb == "SAVEPOINT" or verb == "RELEASE" or verb == "ROLLBACK":
        return verb
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_]+)"?', sql)
    return f"{verb} {match.group(1) if match else '?'}"


def drain_queue() -> tuple[int, float, float]:
    """Run every waiting task of the database queue with the project's worker, in this
    process and on this connection; (tasks run, process CPU s, backend CPU s)."""
    from django.core.management import call_command
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    pid = _backend_pid()
    before = DBTaskResult.objects.exclude(status="READY").count()
    db0, cpu0 = backend_cpu_seconds(pid), time.process_time()
    call_command("run_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    cpu, db = time.process_time() - cpu0, backend_cpu_seconds(pid) - db0
    connection.ensure_connection()
    return DBTaskResult.objects.exclude(status="READY").count() - before, cpu, db


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def bench_actions(
    samples: int, profile: bool = False, worker: bool = False, analysed: bool = False
) -> dict[str, object]:
    """Submit + approve through the real actions (redaction, events, queued follow-up work).

    Returns the rate and, for the timed loop only: this process's CPU per message, the
    PostgreSQL backend's CPU per message (from /proc, when the server is local), and the
    statements per message by kind. With ``profile`` the loop runs under cProfile (which
    slows it: the rate is then not comparable).
    """
    from collections import Counter

    from django.db import connection

    from liuyanban.accounts.models import Membership, Role, User
    from liuyanban.demo.generator import generate_message
    from liuyanban.lifecycle import actions
    from liuyanban.lifecycle.actions import Contact, Draft
    from liuyanban.organizations.models import Board, Organization
    from liuyanban.taxonomy.models import Domain, Kind

    rng = random.Random(5)
    mod = User.objects.create_user(username=f"bench-mod-{RUN}", password="x")
    Membership.objects.create(
        user=mod, organization=Organization.objects.get(code="CN"), role=Role.MODERATOR
    )
    # Unusable passwords: hashing 300 passwords would take longer than the benchmark.
    citizens = [
        User.objects.create_user(username=f"bench-c{i}-{RUN}", password=None)
        for i in range(samples)
    ]
    board = Board.objects.order_by("pk").first()
    assert board is not None
    domains = {d.code: d.pk for d in Domain.objects.filter(level=1)}
    kinds = {k.code: k.pk for k in Kind.objects.all()}
    drafts = []
    for _ in range(samples):
        g = generate_message(rng, city="某市")
        drafts.append(
            Draft(
                board_id=board.pk,
                domain_id=domains[g.domain],
                kind_id=kinds[g.kind],
                title=g.title,
                body=g.body,
                contact=Contact(phone="13800000000"),
            )
        )
    warm = actions.submit_message(author=citizens[0], draft=drafts[0])
    actions.approve_message(actor=mod, message_id=warm.pk)  # loads dictionaries once
    if worker:
        drain_queue()  # earlier runs' tasks and the warm-up's (loads the models), untimed
    pid = _backend_pid()
    kinds_seen: Counter[str] = Counter()
    kind_db: Counter[str] = Counter()
    counting = [False]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if not counting[0]:
            return execute(sql, params, many, context)
        kind = _statement_kind(sql)
        kinds_seen[kind] += 1
        if not profile:
            return execute(sql, params, many, context)
        before = backend_run_ns(pid)
        try:
            return execute(sql, params, many, context)
        finally:
            kind_db[kind] += backend_run_ns(pid) - before

    profiler = None
    if profile:
        import cProfile

        # CPU time, not wall time: on a loaded machine waiting for the server would hide
        # where this process spends its own time.
        profiler = cProfile.Profile(time.process_time)
    totals = {"wall": 0.0, "cpu": 0.0, "db": 0.0, "run": 0.0}

    def measured(step: Callable[[], T]) -> T:
        """Run ``step`` with the clocks, the statement count and the profiler on."""
        counting[0] = True
        run0 = backend_run_ns(pid)
        db0, cpu0, t0 = backend_cpu_seconds(pid), time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        try:
            return step()
        finally:
            if profiler is not None:
                profiler.disable()
            totals["wall"] += time.perf_counter() - t0
            totals["cpu"] += time.process_time() - cpu0
            totals["db"] += backend_cpu_seconds(pid) - db0
            totals["run"] += backend_run_ns(pid) - run0
            counting[0] = False

    n = samples - 1
    pairs = list(zip(citizens[1:], drafts[1:], strict=True))
    with connection.execute_wrapper(count):
        if analysed:
            # As in production: the worker's intake analysis runs between submission and
            # moderation (untimed here), so approval finds the message already indexed.
            from liuyanban.intelligence.analysis import analyse

            ids = measured(lambda: [actions.submit_message(author=c, draft=d).pk for c, d in pairs])
            for pk in ids:
                analyse(pk)
            measured(lambda: [actions.approve_message(actor=mod, message_id=pk) for pk in ids])
        else:

            def both() -> None:
                for citizen, draft in pairs:
                    m = actions.submit_message(author=citizen, draft=draft)
                    actions.approve_message(actor=mod, message_id=m.pk)

            measured(both)
    wall, cpu, db, run = totals["wall"], totals["cpu"], totals["db"], totals["run"]
    work: dict[str, float] = {}
    if worker:
        worker_profiler = None
        if profile:
            import cProfile

            worker_profiler = cProfile.Profile(time.process_time)
            worker_profiler.enable()
        tasks, wcpu, wdb = drain_queue()
        if worker_profiler is not None:
            import pstats

            worker_profiler.disable()
            print("\nthe worker, by cumulative CPU (all its tasks):")
            pstats.Stats(worker_profiler).sort_stats("cumulative").print_stats(45)
            print("the worker, by own CPU:")
            pstats.Stats(worker_profiler).sort_stats("tottime").print_stats(25)
        work = {
            "worker_tasks": tasks / n,
            "worker_app_ms": wcpu / n * 1000,
            "worker_db_ms": wdb / n * 1000,
        }
    return {
        **work,
        "rate": n / wall,
        "app_ms": cpu / n * 1000,
        "db_ms": db / n * 1000 if pid is not None else None,
        "queries": sum(kinds_seen.values()) / n,
        "kinds": {k: v / n for k, v in kinds_seen.most_common()},
        # Profile only: the backend's CPU while each kind of statement ran, and in all
        # (schedstat); the rest is the commits (deferred foreign-key checks, WAL).
        "kind_db_ms": {k: v / n / 1e6 for k, v in kind_db.items()},
        "run_db_ms": run / n / 1e6,
        "profiler": profiler,
    }


def describe(result: dict[str, object]) -> str:
    """Rate, CPU per message (app, database) and statements per message on one line."""
    db = result["db_ms"]
    db_text = f"{db:.1f} ms" if isinstance(db, float) else "n/a"
    total = result["app_ms"] + (db if isinstance(db, float) else 0.0)  # type: ignore[operator]
    text = (
        f"{result['rate']:.1f} messages/s; CPU per message: app {result['app_ms']:.1f} ms "
        f"+ PostgreSQL backend {db_text} = {total:.1f} ms; "
        f"{result['queries']:.1f} statements per message"
    )
    if "worker_app_ms" in result:
        w = float(result["worker_app_ms"]) + float(result["worker_db_ms"])  # type: ignore[arg-type]
        text += (
            f"; then the worker: {result['worker_tasks']:.1f} tasks, app "
            f"{result['worker_app_ms']:.1f} ms + backend {result['worker_db_ms']:.1f} ms = "
            f"{w:.1f} ms CPU per message"
        )
    return text


def print_profile(result: dict[str, object], top: int = 30) -> None:
    """The statements per message by kind and the cProfile functions by own and total time."""
    import io
    import pstats

    print("statements per message by kind, and the PostgreSQL backend's CPU while they ran:")
    db_ms: dict[str, float] = result.get("kind_db_ms") or {}  # type: ignore[assignment]
    for kind, per in result["kinds"].items():  # type: ignore[attr-defined]
        print(f"  {per:5.2f}  {db_ms.get(kind, 0.0):6.2f} ms  {kind}")
    if db_ms:
        rest = float(result["run_db_ms"]) - sum(db_ms.values())  # type: ignore[arg-type]
        print(f"         {rest:6.2f} ms  COMMIT and the rest (deferred checks, WAL)")
    if result["profiler"] is None:
        return
    # The project's own functions by total time (what a change can remove), then every
    # function by total and by own time (where Django and the driver spend it).
    for order, restriction in (
        ("cumulative", "liuyanban/"),
        ("cumulative", ""),
        ("tottime", ""),
    ):
        out = io.StringIO()
        stats = pstats.Stats(result["profiler"], stream=out)  # type: ignore[arg-type]
        stats.sort_stats(order).print_stats(restriction, top)
        where = f" in {restriction}" if restriction else ""
        print(f"cProfile of the timed loop (process CPU time), functions{where} by {order}:")
        body = out.getvalue()
        print(body[body.index("   ncalls") :].rstrip())


# Runs one tree's code (its liuyanban package) under this file's measuring loop.
CHILD = """
import json, os, sys
bench, tree, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, bench)
import lifecycle_bench as b
sys.path.insert(0, tree)  # the measured tree's liuyanban package wins
os.chdir(tree)
b.prepare_database(True)
import django
django.setup()
import liuyanban
assert os.path.dirname(os.path.dirname(liuyanban.__file__)) == os.path.abspath(tree), liuyanban.__file__
r = b.bench_actions(samples, worker="worker" in sys.argv[4:], analysed="analysed" in sys.argv[4:])
r.pop("profiler")
print("RESULT " + json.dumps(r), flush=True)
"""


def compare_actions(
    before: Path, samples: int, rounds: int = 2, worker: bool = False, analysed: bool = False
) -> None:
    """The write path of ``before`` and of this tree on the same database, alternating."""
    import json

    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(rounds):
        for side, tree in (("before", before), ("after", ROOT)):
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    str(ROOT / "bench"),
                    str(tree),
                    str(samples),
                    "worker" if worker else "",
                    "analysed" if analysed else "",
                ],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ},
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("RESULT "))
            result = json.loads(line.split(" ", 1)[1])
            results[side].append(result)
            print(f"  {side:6} ({tree}): {describe(result)}", flush=True)
    keys = ["rate", "app_ms", "db_ms", "queries"]
    if worker:
        keys += ["worker_tasks", "worker_app_ms", "worker_db_ms"]
    mean = {
        side: {key: sum(r[key] or 0.0 for r in rs) / len(rs) for key in keys}
        for side, rs in results.items()
    }
    b, a = mean["before"], mean["after"]
    print(
        "write through the real actions, same database, alternating, means of "
        f"{rounds} runs each:\n"
        f"  before: {describe({**b, 'kinds': {}})}\n"
        f"  after:  {describe({**a, 'kinds': {}})}\n"
        f"  rate x{a['rate'] / b['rate']:.2f}; CPU per message (app + database) "
        f"x{(a['app_ms'] + a['db_ms']) / (b['app_ms'] + b['db_ms']):.2f}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def bench_queries(info: dict[str, object], repeats: int) -> dict[str, list[float]]:
    from django.db import connection, reset_queries

    from liuyanban.accounts.models import Membership, Role, User
    from liuyanban.lifecycle import selectors
    from liuyanban.lifecycle.models import Message
    from liuyanban.organizations.models import Organization

    unit = Organization.objects.get(pk=info["hot_unit"])
    officer = User.objects.create_user(username=f"bench-officer-{RUN}", password="x")
    Membership.objects.create(user=officer, organization=unit, role=Role.OFFICER)
    board_id = info["hot_board"]
    timings: dict[str, list[float]] = {
        "worklist": [],
        "board_first": [],
        "board_deep": [],
        "timeline": [],
    }
    ids = list(Message.objects.filter(board_id=board_id).values_list("pk", flat=True)[:repeats])
    cursor = None
    page = selectors.keyset_page(
        selectors.public_messages({"board_id": board_id}),
        field="published_at",
        cursor=None,
        limit=20,
    )
    for _ in range(50):  # walk 50 pages deep for the deep-page cursor
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        page = selectors.keyset_page(
            selectors.public_messages({"board_id": board_id}),
            field="published_at",
            cursor=cursor,
            limit=20,
        )
    for i in range(repeats):
        officer.__dict__.pop("_role_paths", None)
        t = time.perf_counter()
        list(selectors.unit_inbox(officer)[:50])
        timings["worklist"].append(time.perf_counter() - t)
        t = time.perf_counter()
        selectors.keyset_page(
            selectors.public_messages({"board_id": board_id}),
            field="published_at",
            cursor=None,
            limit=20,
        )
        timings["board_first"].append(time.perf_counter() - t)
        t = time.perf_counter()
        selectors.keyset_page(
            selectors.public_messages({"board_id": board_id}),
            field="published_at",
            cursor=cursor,
            limit=20,
        )
        timings["board_deep"].append(time.perf_counter() - t)
        t = time.perf_counter()
        m = Message.objects.select_related("board__organization", "office", "unit").get(
            pk=ids[i % len(ids)]
        )
        selectors.timeline(m)
        timings["timeline"].append(time.perf_counter() - t)
    del connection, reset_queries
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--action-samples", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument(
        "--provinces",
        default="",
        help="comma-separated province codes (default: the whole country)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the PostgreSQL database of an earlier run"
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="another checkout of the code: measure its write path against this one (needs --reuse)",
    )
    parser.add_argument(
        "--analysed",
        action="store_true",
        help="submit all, run intake analysis (untimed, as the worker would), then approve "
        "all: the order of production, where moderation follows the analysis",
    )
    parser.add_argument(
        "--worker",
        action="store_true",
        help="also run the queued follow-up work (the project's worker, --batch) after the "
        "timed loop and print its CPU per message (PostgreSQL only)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the write path under cProfile, print where the time goes, and stop",
    )
    args = parser.parse_args()
    prepare_database(args.reuse)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from liuyanban.organizations.loading import load_directory

    call_command("migrate", verbosity=0)
    if args.reuse:
        info = reuse_info()
        print(f"database: {connection.vendor}; reusing {info['messages']:,} messages")
    else:
        t = time.perf_counter()
        report = load_directory(provinces=[p for p in args.provinces.split(",") if p])
        print(
            f"database: {connection.vendor}; directory loaded in {time.perf_counter() - t:.1f} s: {report}"
        )
        info = bulk_load(args.messages, seed=1)
        print(f"bulk-loaded {args.messages:,} messages with events in {info['load_seconds']:.0f} s")
    if args.compare_with:
        compare_actions(
            args.compare_with, args.action_samples, worker=args.worker, analysed=args.analysed
        )
        return
    result = bench_actions(
        args.action_samples, profile=args.profile, worker=args.worker, analysed=args.analysed
    )
    print(f"write through the real actions (submit + approve): {describe(result)}")
    if args.profile:
        print_profile(result)
        return
    timings = bench_queries(info, args.repeats)
    print(f"unit worklist (first 50, soonest deadline): {fmt(timings['worklist'])}")
    print(f"board public list, first page of 20:        {fmt(timings['board_first'])}")
    print(f"board public list, page 51 by keyset:        {fmt(timings['board_deep'])}")
    print(f"one message's public timeline:              {fmt(timings['timeline'])}")


if __name__ == "__main__":
    main()
