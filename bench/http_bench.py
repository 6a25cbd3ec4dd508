"""Real HTTP at 1 M messages: granian (2 workers) on PostgreSQL, driven by wrk.

    sudo apt-get install -y wrk          # the load generator (Debian's; not ours)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_perf_1m \\
        nice -n 10 .venv/bin/python bench/http_bench.py load --messages 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_perf_1m \\
        nice -n 10 .venv/bin/python bench/http_bench.py run --port 8600

``load`` (drops and recreates the database) migrates, loads the national directory,
generates N messages in every status with their events and published replies, and
writes them with PostgreSQL COPY. The data is what the product would store: public
text through the product's redactor, ``search_text`` segmented by the product's
``segment_for_search`` (jieba search mode without the HMM, as at approval) in
parallel worker processes, every message's region set from its board's body, and
the rollups built by the product's ``rollups.rebuild()``.

``run`` collects static files, starts granian (WSGI, 2 workers, DEBUG off, the
bench-only anchor views switched on by ``LIUYANBAN_BENCH_VIEWS=1``), then drives each
URL with ``wrk`` (16 connections, 2 threads) and prints req/s, p50 and p99 of every
page next to the three anchors measured in the same run: an empty Django view, a
bare 20-row template page and a primary-key read. Kind of evidence: synthetic data
(generated messages), real HTTP on this machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TZ = ZoneInfo("Asia/Shanghai")
CHUNK = 20_000

# status, share, the events a message in that status has had
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
MSG_COLS = [
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
    "region_id",
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
EV_COLS = ["message_id", "action", "from_status", "to_status", "at", "is_public", "details"]
REPLY_COLS = [
    "message_id",
    "organization_id",
    "kind",
    "body",
    "public_body",
    "resolution",
    "state",
    "review_comment",
    "created_at",
    "published_at",
]


def _django(debug: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
    os.environ.setdefault("TASKS_BACKEND", "db")
    os.environ.setdefault("EMAIL_URL", "locmem")
    if not debug:
        os.environ.setdefault("DEBUG", "0")
        os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
        os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    import django

    django.setup()


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

_W: dict[str, Any] = {}


def _worker_init(context: dict[str, Any]) -> None:
    _django()
    from liuyanban.core.text.chinese import tokenizer

    tokenizer()
    _W.update(context)


def _texts(job: tuple[int, int]) -> list[tuple[Any, ...]]:
    """Generated texts as the product stores them: redacted, then segmented (a worker).

    ``segment_for_search`` is what approval runs (jieba search mode, no HMM).
    """
    from liuyanban.core.text.chinese import segment_for_search
    from liuyanban.demo.generator import generate_message, generate_reply
    from liuyanban.lifecycle.redaction import public_text

    start, count = job
    rng = random.Random(start)
    out = []
    for _ in range(count):
        city = rng.choice(_W["cities"])
        g = generate_message(rng, city=city)
        ptitle, pbody = public_text(g.title)[:50], public_text(g.body)
        reply = generate_reply(rng, g, "承办单位")
        out.append(
            (
                g.domain,
                g.kind,
                g.location,
                g.title,
                g.body,
                ptitle,
                pbody,
                segment_for_search(f"{ptitle} {pbody}"),
                reply,
                public_text(reply),
            )
        )
    return out


def _generate(job: tuple[int, int]) -> tuple[Any, ...]:
    """Rows of messages ``start..start+count``, their events, replies, facts and rollup sums."""
    from liuyanban.analytics.rollups import contribution, key_of
    from liuyanban.lifecycle.models import Message

    start, count = job
    rng = random.Random(start)
    boards, units_by_parent, domains, kinds, pool = (
        _W["boards"],
        _W["units"],
        _W["domains"],
        _W["kinds"],
        _W["pool"],
    )
    statuses = [s for s, _share, _e in MIX]
    weights = [share for _s, share, _e in MIX]
    events_of = {s: e for s, _share, e in MIX}
    today = date.today()
    msgs: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    replies: list[tuple[Any, ...]] = []
    facts: list[tuple[Any, ...]] = []
    totals: dict[tuple[Any, ...], Counter[str]] = {}
    for i in range(start, start + count):
        # Busy boards: 30 % of messages go to 200 boards, the rest spread over all.
        board_id, office_id, region_id = (
            boards[rng.randrange(len(boards))] if rng.random() < 0.7 else boards[i % 200]
        )
        status = rng.choices(statuses, weights)[0]
        domain, kind, location, title, body, ptitle, pbody, search, reply, preply = pool[
            rng.randrange(len(pool))
        ]
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
        due = (submitted + timedelta(days=rng.randint(10, 30))).date()
        answered = status in ("replied", "closed")
        replied_at = submitted + timedelta(days=rng.randint(3, 25)) if answered else None
        published_at = (
            submitted + timedelta(hours=6) if status not in ("submitted", "rejected") else None
        )
        fields = dict(
            zip(
                MSG_COLS,
                (
                    i,
                    f"B{i:010d}",
                    board_id,
                    office_id,
                    unit_id,
                    _W["author"],
                    "网友",
                    "web",
                    "",
                    domains[domain],
                    kinds[kind],
                    region_id,
                    location,
                    title,
                    body,
                    ptitle if published_at else "",
                    pbody if published_at else "",
                    location if published_at else "",
                    search if public else "",
                    status,
                    "solved" if answered else "",
                    submitted,
                    published_at,
                    due if status in ("published", "accepted", "assigned", "in_handling") else None,
                    due if public else None,
                    due,
                    False,
                    0,
                    0,
                    0,
                    rng.randint(0, 20),
                    "",
                    replied_at or submitted,
                    replied_at,
                    replied_at,
                    (replied_at + timedelta(days=5)) if status == "closed" and replied_at else None,
                    submitted + timedelta(days=1) if unit_id else None,
                ),
                strict=True,
            )
        )
        msgs.append(tuple(fields.values()))
        at = submitted
        prev = ""
        for action in EVENT_ACTIONS[: events_of[status]]:
            events.append((i, action, prev, status, at, True, "{}"))
            at += timedelta(hours=rng.randint(2, 72))
        if status in ("reviewing", "replied", "closed"):
            replies.append(
                (
                    i,
                    unit_id or office_id,
                    "final",
                    reply,
                    preply if answered else "",
                    "solved",
                    "published" if answered else "pending_review",
                    "",
                    replied_at or submitted + timedelta(days=3),
                    replied_at,
                )
            )
        # The product's own contribution of this message to the rollups (what
        # rollups.rebuild() computes), summed here and written with COPY.
        message = Message(**fields)
        values = contribution(message, [], [], [])
        key = key_of(message)
        facts.append((i, key.day, *key.dims().values(), json.dumps(values)))
        for row in key.rows():
            acc = totals.get(row)
            if acc is None:
                acc = totals[row] = Counter()
            acc.update(values)
    return msgs, events, replies, facts, totals


def _copy(raw: Any, table: str, cols: list[str], rows: Any) -> None:
    with raw.cursor() as c, c.copy(f"COPY {table} ({','.join(cols)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def _drop_secondary_indexes(cursor: Any, tables: list[str]) -> list[str]:
    """Drop the non-constraint indexes of ``tables``; returns their definitions to recreate."""
    cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.tablename = ANY(%s) AND NOT EXISTS (
             SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [tables],
    )
    defs = cursor.fetchall()
    for name, _definition in defs:
        cursor.execute(f'DROP INDEX "{name}"')
    return [d for _n, d in defs]


def load(messages: int, processes: int, rebuild: bool, texts: int) -> None:
    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", admin, "-qc", sql], check=True)
    _django()
    from django.core.management import call_command
    from django.db import connection

    from liuyanban.accounts.models import User
    from liuyanban.analytics import rollups
    from liuyanban.analytics.models import ALL_COLUMNS, DIMENSIONS
    from liuyanban.lifecycle.models import Event
    from liuyanban.organizations.loading import load_directory
    from liuyanban.organizations.models import Board, Organization
    from liuyanban.taxonomy.models import Domain, Kind

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    report = load_directory()
    print(f"migrated, directory loaded in {time.perf_counter() - t0:.0f} s: {report}", flush=True)
    boards = list(
        Board.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "organization_id", "organization__region_id")
    )
    cities = sorted(
        {
            n[:8]
            for n in Organization.objects.filter(level="prefecture").values_list("name", flat=True)
        }
    ) or ["某市"]
    units: dict[int, list[int]] = {}
    for pk, parent in Organization.objects.filter(kind="department").values_list("pk", "parent_id"):
        units.setdefault(parent, []).append(pk)
    _W.update(
        boards=boards,
        units=units,
        cities=cities,
        domains={d.code: d.pk for d in Domain.objects.filter(level=1)},
        kinds={k.code: k.pk for k in Kind.objects.all()},
        author=User.objects.create_user(username="bench-author", password="x").pk,
    )
    connection.close()  # never share a connection with forked workers
    ctx = multiprocessing.get_context("fork")
    t1 = time.perf_counter()
    size = min(texts, messages)
    jobs = [(s, min(2000, size - s)) for s in range(0, size, 2000)]
    with ctx.Pool(processes, initializer=_worker_init, initargs=({},)) as pool:
        pool_texts = [t for part in pool.imap(_texts, jobs) for t in part]
    print(
        f"{len(pool_texts):,} distinct texts redacted and segmented ({processes} processes) "
        f"in {time.perf_counter() - t1:.0f} s",
        flush=True,
    )
    _W["pool"] = pool_texts
    tables = ["lifecycle_message", "lifecycle_event", "lifecycle_reply"]
    t2 = time.perf_counter()
    totals: dict[tuple[Any, ...], Counter[str]] = {}
    with connection.cursor() as cursor:
        indexes = _drop_secondary_indexes(cursor, [*tables, "analytics_rollup"])
    connection.close()
    jobs = [(s, min(CHUNK, messages + 1 - s)) for s in range(1, messages + 1, CHUNK)]
    done = 0
    fact_cols = ["message_id", "day", *DIMENSIONS, "values"]
    with (
        ctx.Pool(processes, initializer=_worker_init, initargs=({},)) as pool,
        connection.cursor() as cursor,
    ):
        raw = cursor.connection
        for msgs, events, replies, facts, part in pool.imap(_generate, jobs):
            with raw.transaction():
                _copy(raw, "lifecycle_message", MSG_COLS, msgs)
                _copy(raw, "lifecycle_event", EV_COLS, events)
                _copy(raw, "lifecycle_reply", REPLY_COLS, replies)
                if not rebuild:
                    _copy(raw, "analytics_messagefact", fact_cols, facts)
            for row, values in part.items():
                acc = totals.get(row)
                if acc is None:
                    totals[row] = values
                else:
                    acc.update(values)
            done += len(msgs)
            if done % 100_000 < CHUNK:
                rate = done / (time.perf_counter() - t2)
                print(f"  {done:,} messages ({rate:,.0f}/s)", flush=True)
    print(f"{messages:,} messages, events and replies copied in {time.perf_counter() - t2:.0f} s")
    t3 = time.perf_counter()
    with connection.cursor() as cursor:
        if not rebuild:
            cols = ["grain", "period", *DIMENSIONS, *ALL_COLUMNS]
            _copy(
                cursor.connection,
                "analytics_rollup",
                cols,
                (
                    (g, p, *dims, *(vals.get(c, 0) for c in ALL_COLUMNS))
                    for (g, p, dims), vals in totals.items()
                ),
            )
            last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            cursor.execute(
                "INSERT INTO analytics_cursor (name, last_event_id) VALUES (%s, %s)",
                [rollups.CURSOR, last],
            )
        del totals
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for definition in indexes:
            cursor.execute(definition)
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}','id'), (SELECT max(id) FROM {table}))"
            )
        for table in [*tables, "analytics_rollup", "analytics_messagefact"]:
            cursor.execute(f"ANALYZE {table}")
    print(f"rollups written, indexes rebuilt, analysed in {time.perf_counter() - t3:.0f} s")
    if rebuild:
        t4 = time.perf_counter()
        n = rollups.rebuild()
        print(f"rollups.rebuild(): {n:,} messages in {time.perf_counter() - t4:.0f} s", flush=True)
    print(f"load total {time.perf_counter() - t0:.0f} s", flush=True)


# ---------------------------------------------------------------------------
# Serving and measuring
# ---------------------------------------------------------------------------

RANDOM_PATHS_LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
math.randomseed(%d)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""
_WRK_LINE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$")


def _to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(
    url: str, duration: int, connections: int, script: Path | None, headers: list[str]
) -> dict[str, float]:
    """One wrk round: req/s, p50 and p99 (ms), and the count of non-2xx/3xx answers."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "30s"]
    for h in headers:
        cmd += ["-H", h]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    result = {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": 0.0}
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            result["rps"] = float(line.split()[1])
        elif m := _WRK_LINE.match(line):
            result["p" + m.group(1)] = _to_ms(m.group(2), m.group(3))
        elif "Non-2xx or 3xx responses" in line:
            result["errors"] = float(line.split()[-1])
        elif "Socket errors" in line:
            result["errors"] += sum(int(n) for n in re.findall(r"\d+", line))
    return result


def _words() -> tuple[str, str, int, int]:
    """A rare two-character word and a common four-character word of the indexed text."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_text FROM lifecycle_message TABLESAMPLE SYSTEM (2) "
            "WHERE search_text <> '' LIMIT 20000"
        )
        docs = [set(r[0].split()) for r in cursor.fetchall()]
    df: Counter[str] = Counter(w for d in docs for w in d if re.fullmatch(r"[\u4e00-\u9fff]+", w))
    n = len(docs)
    two = [w for w, c in df.items() if len(w) == 2 and 0.0005 * n <= c <= 0.002 * n]
    four = [w for w, c in df.most_common() if len(w) == 4]
    rare = sorted(two)[len(two) // 2] if two else "物业"
    common = four[0] if four else "物业管理"
    return rare, common, df[rare], df[common]


def _targets(base: str, workdir: Path) -> list[tuple[str, str, Path | None, list[str]]]:
    """(label, url, wrk script, headers) of every page measured."""
    from urllib.parse import quote

    from django.db.models import Count

    from liuyanban.lifecycle.models import PUBLIC_STATUSES, Message
    from liuyanban.organizations.models import Board

    def random_paths(name: str, paths: list[str], seed: int) -> Path:
        listing = workdir / f"{name}.txt"
        listing.write_text("\n".join(paths) + "\n")
        script = workdir / f"{name}.lua"
        script.write_text(RANDOM_PATHS_LUA % (listing, seed))
        return script

    rng = random.Random(7)
    top = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    ids = [rng.randint(1, top) for _ in range(60_000)]
    public = list(
        Message.objects.filter(pk__in=ids, status__in=PUBLIC_STATUSES, canonical__isnull=True)
        .order_by("?")
        .values_list("pk", "tracking_number")[:40_000]
    )
    busiest = (
        Message.objects.filter(board__in=Board.objects.order_by("pk")[:200])
        .values("board__code")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    board = busiest["board__code"] if busiest else Board.objects.first().code  # type: ignore[union-attr]
    rare, common, n_rare, n_common = _words()
    print(
        f"search words from a 20,000-message sample: rare {rare!r} in {n_rare} messages, "
        f"common {common!r} in {n_common}"
    )
    one = public[0][1]
    return [
        ("home", f"{base}/", None, []),
        ("board (busiest)", f"{base}/boards/{board}/", None, []),
        ("message, cached (one page)", f"{base}/messages/{one}/", None, []),
        (
            "message, uncached (40,000 random)",
            base,
            random_paths("messages", [f"/messages/{t}/" for _p, t in public], 1),
            [],
        ),
        (f"search rare 2-char {rare}", f"{base}/search/?q={quote(rare)}", None, []),
        (f"search common 4-char {common}", f"{base}/search/?q={quote(common)}", None, []),
        (
            "REST message read (random)",
            base,
            random_paths("rest", [f"/api/v1/messages/{t}" for _p, t in public], 2),
            [],
        ),
        (
            "Open311 requests.json (gzip)",
            f"{base}/open311/v2/requests.json",
            None,
            ["Accept-Encoding: gzip"],
        ),
        ("statistics", f"{base}/stats/", None, []),
    ]


def _anchors(base: str, workdir: Path) -> list[tuple[str, str, Path | None, list[str]]]:
    from liuyanban.lifecycle.models import Message

    top = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    rng = random.Random(3)
    pk_paths = workdir / "pk.txt"
    pk_paths.write_text("\n".join(f"/_bench/pk/?id={rng.randint(1, top)}" for _ in range(40_000)))
    script = workdir / "pk.lua"
    script.write_text(RANDOM_PATHS_LUA % (pk_paths, 3))
    return [
        ("ANCHOR empty view", f"{base}/_bench/empty/", None, []),
        ("ANCHOR bare 20-row template", f"{base}/_bench/rows/", None, []),
        ("ANCHOR primary-key read", base, script, []),
    ]


def _serve(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    cmd = [
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "wsgi",
        "--workers",
        "2",
        "--blocking-threads",
        "1",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-ws",
        "liuyanban.wsgi:application",
    ]
    server = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/empty/", timeout=5).read()
            return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError(f"granian did not start; see {log}")


def _drain(base: str) -> None:
    """Wait until requests left queued by the previous round are done (empty view answers fast)."""
    deadline = time.time() + 120
    while time.time() < deadline:
        t = time.perf_counter()
        urllib.request.urlopen(f"{base}/_bench/empty/", timeout=120).read()
        if time.perf_counter() - t < 0.05:
            return
        time.sleep(1)


def run(port: int, duration: int, connections: int) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: sudo apt-get install -y wrk")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 60),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LIUYANBAN_BENCH_VIEWS": "1",
        "STATIC_ROOT": str(out / "static"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"),
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    _django()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()  # Redis DB of this bench: every page starts uncached
    base = f"http://127.0.0.1:{port}"
    anchors = _anchors(base, out)
    targets = _targets(base, out)
    from django.db import connection

    connection.close()
    server = _serve(port, env, out / "granian.log")
    results: list[tuple[str, dict[str, float]]] = []
    try:
        again = [(f"{label} (again)", url, script, h) for label, url, script, h in anchors]
        for label, url, script, headers in [*anchors, *targets, *again]:
            first = ""
            if script is None:
                # One request alone first: it pays the first render (a report, a cache fill),
                # which is shown, so the round measures what visitors meet afterwards.
                t = time.perf_counter()
                req = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
                urllib.request.urlopen(req, timeout=600).read()
                first = f"  first request {time.perf_counter() - t:.2f} s"
            _drain(base)
            r = _wrk(url, duration, connections, script, headers)
            results.append((label, r))
            print(
                f"  {label:<42} {r['rps']:>9,.1f} req/s  p50 {r['p50']:>9.1f} ms  "
                f"p99 {r['p99']:>9.1f} ms  errors {int(r['errors'])}{first}  "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    _report(results, connections, duration)


def _report(results: list[tuple[str, dict[str, float]]], connections: int, duration: int) -> None:
    by = dict(results)

    def anchor(name: str) -> float:
        both = [by[k]["rps"] for k in (name, f"{name} (again)") if k in by]
        return sum(both) / len(both)

    empty = anchor("ANCHOR empty view")
    rows = anchor("ANCHOR bare 20-row template")
    pk = anchor("ANCHOR primary-key read")
    print()
    print(
        f"Real HTTP, synthetic data: granian WSGI x2, PostgreSQL, wrk {connections} connections, "
        f"{duration} s per page, {date.today().isoformat()}, {os.cpu_count()} cores "
        f"(load average now {os.getloadavg()[0]:.1f}: the machine is shared)"
    )
    print(
        f"anchors (mean of the rounds before and after): empty {empty:,.0f} req/s, "
        f"20-row template {rows:,.0f}, primary-key read {pk:,.0f}"
    )
    print(f"{'page':<42} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9}  ratio to anchor")
    for label, r in results:
        if label.startswith("ANCHOR"):
            continue
        if "cached (one page)" in label:
            ref, name = empty, "empty view"
        elif label.startswith("REST"):
            ref, name = pk, "pk read"
        else:
            ref, name = rows, "20-row template"
        print(
            f"{label:<42} {r['rps']:>9,.1f} {r['p50']:>9.1f} {r['p99']:>9.1f}  "
            f"{r['rps'] / ref:.2f} x {name}"
        )
    cached = by["message, cached (one page)"]["rps"] / empty
    uncached = by["message, uncached (40,000 random)"]["rps"] / rows
    print(
        f"goal cached message >= 0.5 x empty view: {cached:.2f} ({'met' if cached >= 0.5 else 'NOT met'})"
    )
    print(
        f"goal uncached message >= 0.5 x 20-row template: {uncached:.2f} "
        f"({'met' if uncached >= 0.5 else 'NOT met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_load = sub.add_parser("load")
    p_load.add_argument("--messages", type=int, default=1_000_000)
    p_load.add_argument("--processes", type=int, default=2)
    p_load.add_argument(
        "--texts", type=int, default=20_000, help="distinct generated texts the rows draw from"
    )
    p_load.add_argument(
        "--rebuild",
        action="store_true",
        help="build the rollups with rollups.rebuild() (10 ms/message today) instead of "
        "summing the product's contribution() per message in the workers",
    )
    p_run = sub.add_parser("run")
    p_run.add_argument("--port", type=int, default=8600)
    p_run.add_argument("--duration", type=int, default=10)
    p_run.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if args.cmd == "load":
        load(args.messages, args.processes, args.rebuild, args.texts)
    else:
        run(args.port, args.duration, args.connections)


if __name__ == "__main__":
    main()
