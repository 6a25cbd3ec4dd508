"""Real HTTP at N messages (up to 4.2 M): the production web server on PostgreSQL, driven by wrk.

    sudo apt-get install -y wrk          # the load generator (Debian's; not ours)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_42m \\
        nice -n 10 .venv/bin/python bench/http_bench.py load --messages 4200000 \\
        --template lyb_directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_42m \\
        nice -n 10 .venv/bin/python bench/http_bench.py run --port 8600
    DATABASE_URL=… .venv/bin/python bench/http_bench.py inprocess   # CPU per request

``load`` (drops and recreates the database; ``--template`` copies the migrated schema
and the national directory from a database it creates once) generates N messages in
every status with their events and published replies, and writes them
with PostgreSQL COPY from parallel worker processes (each on its own connection). The
data is what the product would store: public text through the product's redactor,
``search_text`` by the product's segmentation (jieba search mode without the HMM, as
at approval; memoised per sentence, which gives the same words: ``segment_memo``), the
``search_vector`` PostgreSQL generates from it, every message's region from its
board's body (each row draws one of ``--lifecycles`` lifecycles: status and dates),
and the rollups and their facts by the product's own rebuild (``rollups.rebuild()``,
what ``manage.py rebuild_rollups`` runs), with its phase lines printed.

``run`` starts the web server exactly as ``make serve`` does (``deploy/web.sh``:
granian WSGI, 2 workers x 8 threads, DEBUG off, production settings, the bench-only
anchor views switched on by ``LIUYANBAN_BENCH_VIEWS=1``), drives each URL with ``wrk``
(16 connections, 2 threads) and prints req/s, p50 and p99 of every page next to the
three anchors measured in the same run (an empty Django view, a bare 20-row template
page and a primary-key read), then the memory of each process (web, and task workers
and the scheduler started afterwards) and the machine's load average. Kind of
evidence: synthetic data (generated messages), real HTTP on this (shared) machine.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
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


# Where a normalised text may be cut without changing jieba's words: after a sentence
# mark that is not part of any word (jieba first splits at every character outside
# [Han letters digits +#&._%-], so these marks are already block boundaries; "." is
# not one of them, as it may sit inside "3.5").
_SENTENCE_END = re.compile(r"(?<=[。!?;])")


@lru_cache(maxsize=500_000)
def _sentence_words(sentence: str) -> tuple[str, ...]:
    from liuyanban.core.text.chinese import tokenizer

    return tuple(tokenizer().lcut_for_search(sentence, HMM=False))


def segment_memo(text: str) -> str:
    """``segment_for_search(text)``, with jieba's words memoised per sentence.

    The generator reuses sentences (about half of them repeat within 3,000 texts), and
    jieba cuts a text into blocks at non-Han marks before it segments, so segmenting
    sentence by sentence gives exactly the words of the whole text; ``search_terms``
    then adds the single characters over the whole text, as the product does. The
    loader checks the equality on the first texts of every worker.
    """
    from liuyanban.core.text.chinese import normalize, search_terms

    parts = _SENTENCE_END.split(normalize(text))
    return search_terms([w for part in parts if part for w in _sentence_words(part)])


def _texts(job: tuple[int, int]) -> list[tuple[Any, ...]]:
    """Generated texts as the product stores them: redacted, then segmented (a worker).

    ``segment_for_search`` is what approval runs (jieba search mode, no HMM); the
    loader runs it through ``segment_memo`` (the same words, memoised per sentence).
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
        search = segment_memo(f"{ptitle} {pbody}")
        if len(out) < 50 and start < 10_000:
            assert search == segment_for_search(f"{ptitle} {pbody}"), (ptitle, pbody)
        out.append(
            (
                g.domain,
                g.kind,
                g.location,
                g.title,
                g.body,
                ptitle,
                pbody,
                search,
                reply,
                public_text(reply),
            )
        )
    return out


def _shapes(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` lifecycles (status, dates, events): 4.2 M rows draw from ``count``
    lifecycles, each with its own dates."""
    rng = random.Random(seed)
    statuses = [s for s, _share, _e in MIX]
    weights = [share for _s, share, _e in MIX]
    events_of = {s: e for s, _share, e in MIX}
    today = date.today()
    out = []
    for _ in range(count):
        status = rng.choices(statuses, weights)[0]
        submitted = datetime.combine(
            today - timedelta(days=rng.randint(0, 1500)), datetime.min.time(), tzinfo=TZ
        ) + timedelta(seconds=rng.randint(0, 86399))
        public = status not in ("submitted", "rejected", "merged")
        due = (submitted + timedelta(days=rng.randint(10, 30))).date()
        answered = status in ("replied", "closed")
        replied_at = submitted + timedelta(days=rng.randint(3, 25)) if answered else None
        published_at = (
            submitted + timedelta(hours=6) if status not in ("submitted", "rejected") else None
        )
        assigned = status in ("assigned", "in_handling", "reviewing", "replied", "closed")
        fields = {
            "status": status,
            "resolution": "solved" if answered else "",
            "submitted_at": submitted,
            "published_at": published_at,
            "current_due": due
            if status in ("published", "accepted", "assigned", "in_handling")
            else None,
            "reply_due": due if public else None,
            "accept_due": due,
            "updated_at": replied_at or submitted,
            "first_reply_at": replied_at,
            "replied_at": replied_at,
            "closed_at": (replied_at + timedelta(days=5))
            if status == "closed" and replied_at
            else None,
            "accepted_at": submitted + timedelta(days=1) if assigned else None,
        }
        at, events = submitted, []
        for action in EVENT_ACTIONS[: events_of[status]]:
            events.append((action, at))
            at += timedelta(hours=rng.randint(2, 72))
        out.append(
            {
                **fields,
                "public": public,
                "answered": answered,
                "assigned": assigned,
                "events": events,
                "reply_created": replied_at or submitted + timedelta(days=3),
            }
        )
    return out


def _generate(job: tuple[int, int]) -> int:
    """Write messages ``start..start+count`` with their events and replies.

    Runs in a worker process, which COPYs its rows on its own connection (so
    PostgreSQL parses and indexes on as many backends as there are workers). Each row
    takes a board, a text and a lifecycle (``_shapes``).
    """
    from django.db import connection

    start, count = job
    rng = random.Random(start)
    boards, units_by_parent, domains, kinds, pool, shapes = (
        _W["boards"],
        _W["units"],
        _W["domains"],
        _W["kinds"],
        _W["pool"],
        _W["shapes"],
    )
    author = _W["author"]
    n_boards, n_pool, n_shapes = len(boards), len(pool), len(shapes)
    rand, randrange = rng.random, rng.randrange
    msgs: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    replies: list[tuple[Any, ...]] = []
    for i in range(start, start + count):
        # Busy boards: 30 % of messages go to 200 boards, the rest spread over all.
        board_id, office_id, region_id = (
            boards[randrange(n_boards)] if rand() < 0.7 else boards[i % 200]
        )
        s = shapes[randrange(n_shapes)]
        status = s["status"]
        domain, kind, location, title, body, ptitle, pbody, search, reply, preply = pool[
            randrange(n_pool)
        ]
        units = units_by_parent.get(office_id) or (office_id,)
        unit_id = units[randrange(len(units))] if s["assigned"] else None
        published = s["published_at"] is not None
        domain_id, kind_id = domains[domain], kinds[kind]
        msgs.append(
            (
                i,
                f"B{i:010d}",
                board_id,
                office_id,
                unit_id,
                author,
                "网友",
                "web",
                "",
                domain_id,
                kind_id,
                region_id,
                location,
                title,
                body,
                ptitle if published else "",
                pbody if published else "",
                location if published else "",
                search if s["public"] else "",
                status,
                s["resolution"],
                s["submitted_at"],
                s["published_at"],
                s["current_due"],
                s["reply_due"],
                s["accept_due"],
                False,
                0,
                0,
                0,
                randrange(21),
                "",
                s["updated_at"],
                s["first_reply_at"],
                s["replied_at"],
                s["closed_at"],
                s["accepted_at"],
            )
        )
        for action, at in s["events"]:
            events.append((i, action, "", status, at, True, "{}"))
        if status in ("reviewing", "replied", "closed"):
            replies.append(
                (
                    i,
                    unit_id or office_id,
                    "final",
                    reply,
                    preply if s["answered"] else "",
                    "solved",
                    "published" if s["answered"] else "pending_review",
                    "",
                    s["reply_created"],
                    s["replied_at"],
                )
            )
    raw = connection.cursor().connection
    with raw.transaction():
        _copy(raw, "lifecycle_message", MSG_COLS, msgs)
        _copy(raw, "lifecycle_event", EV_COLS, events)
        _copy(raw, "lifecycle_reply", REPLY_COLS, replies)
    return len(msgs)


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


def _index_weight(definition: str) -> int:
    """Build order: the message table's GIN indexes first, then its other indexes (the
    longest builds start first, so the connections finish together)."""
    return (" ON public.lifecycle_message " not in definition) * 2 + (
        " USING gin " not in definition
    )


def _in_connections(statements: list[str], count: int) -> None:
    """Run ``statements`` in that order, each in whichever of ``count`` database
    connections (one per thread) is free."""
    from django.db import connection

    queue = list(statements)
    lock = threading.Lock()

    def work() -> None:
        try:
            with connection.cursor() as c:
                c.execute("SET maintenance_work_mem = '1GB'")
                while True:
                    with lock:
                        if not queue:
                            return
                        statement = queue.pop(0)
                    started = time.perf_counter()
                    c.execute(statement)
                    print(f"  {statement[:90]}: {time.perf_counter() - started:.0f} s", flush=True)
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        for future in [pool.submit(work) for _ in range(count)]:
            future.result()


def _template(url: str) -> None:
    """A database with the schema and the national directory only (run in a child)."""
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    code = (
        "import sys; sys.argv=['x']; sys.path.insert(0, 'bench'); import http_bench as h; "
        "h._django(); from django.core.management import call_command; "
        "from liuyanban.organizations.loading import load_directory; "
        "call_command('migrate', verbosity=0); print('template:', load_directory())"
    )
    subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, check=True
    )


def load(
    messages: int,
    processes: int,
    texts: int,
    lifecycles: int,
    template: str | None = None,
) -> None:
    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    # A template holding only the migrated schema and the loaded directory saves the
    # directory load (minutes on a busy machine); ``template`` creates one when missing.
    create = f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
    if template:
        exists = subprocess.run(
            ["psql", admin, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{template}'"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            _template(url.rsplit("/", 1)[0] + "/" + template)
    for sql in (f"DROP DATABASE IF EXISTS {name}", create):
        subprocess.run(["psql", admin, "-qc", sql], check=True)
    _django()
    from django.core.management import call_command
    from django.db import connection

    from liuyanban.accounts.models import User
    from liuyanban.analytics import rollups
    from liuyanban.organizations.loading import load_directory
    from liuyanban.organizations.models import Board, Organization
    from liuyanban.taxonomy.models import Domain, Kind

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not template:
        report = load_directory()
        print(f"migrated, directory loaded in {time.perf_counter() - t0:.0f} s: {report}")
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
        units={k: tuple(v) for k, v in units.items()},
        cities=cities,
        domains={d.code: d.pk for d in Domain.objects.filter(level=1)},
        kinds={k.code: k.pk for k in Kind.objects.all()},
        author=User.objects.create_user(username="bench-author", password="x").pk,
    )
    t1 = time.perf_counter()
    _W["shapes"] = shapes = _shapes(lifecycles, 11)
    print(
        f"{len(shapes):,} lifecycles in {time.perf_counter() - t1:.0f} s",
        flush=True,
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
    with connection.cursor() as cursor:
        indexes = _drop_secondary_indexes(cursor, tables)
    connection.close()
    jobs = [(s, min(CHUNK, messages + 1 - s)) for s in range(1, messages + 1, CHUNK)]
    done = 0
    with ctx.Pool(processes, initializer=_worker_init, initargs=({},)) as pool:
        for n in pool.imap_unordered(_generate, jobs):
            done += n
            if done % 200_000 < CHUNK:
                rate = done / (time.perf_counter() - t2)
                print(
                    f"  {done:,} messages ({rate:,.0f}/s, load average {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
    print(
        f"{messages:,} messages, events and replies copied in {time.perf_counter() - t2:.0f} s",
        flush=True,
    )
    t4 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}','id'), (SELECT max(id) FROM {table}))"
            )
    # The indexes, then each table's vacuum and analysis, shared by ``processes``
    # connections (one index build or vacuum uses one core), the largest first.
    statements = sorted(indexes, key=_index_weight) + [f"VACUUM ANALYZE {t}" for t in tables]
    _in_connections(statements, processes)
    print(
        f"indexes rebuilt, vacuumed and analysed in {time.perf_counter() - t4:.0f} s "
        f"({processes} connections)",
        flush=True,
    )
    # The rollups and facts by the product's rebuild, as ``manage.py rebuild_rollups``.
    t5 = time.perf_counter()
    n = rollups.rebuild(log=lambda line: print(line, flush=True))
    print(f"rollups.rebuild(): {n:,} messages in {time.perf_counter() - t5:.0f} s", flush=True)
    with connection.cursor() as cursor:
        for table in ("analytics_rollup", "analytics_messagefact"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"load total {time.perf_counter() - t0:.0f} s", flush=True)


# ---------------------------------------------------------------------------
# Serving and measuring
# ---------------------------------------------------------------------------

SLOW_PAGES = ("Open311", "province report")
# wrk is one client on one network, which the API's per-network limit (600/m by
# default) would refuse after its first 600 requests each minute (those 429s were the
# non-2xx answers of the REST round). The limit is still counted on every request.
BENCH_API_RATE = "100000000/m"
SLOW_FACTOR = 3
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
    from liuyanban.analytics.rollups import top_region
    from liuyanban.organizations.models import Region

    # The province most of the sampled public messages are in (central bodies have none).
    tops = Counter(
        top_region(r)
        for r in Message.objects.filter(pk__in=[p for p, _t in public[:2000]])
        .exclude(region__isnull=True)
        .values_list("region_id", flat=True)
    )
    province = Region.objects.filter(pk=tops.most_common(1)[0][0]).first() if tops else None
    province_code = province.code if province else ""
    print(f"province report: {province.name if province else '-'} ({province_code})")
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
        ("province report", f"{base}/stats/report/?region={province_code}", None, []),
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
    """The web server exactly as ``make serve`` starts it: ``deploy/web.sh`` (granian)."""
    server = subprocess.Popen(
        [str(ROOT / "deploy" / "web.sh")],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/empty/", timeout=5).read()
            return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError(f"granian did not start; see {log}")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _group(pgid: int) -> list[tuple[int, str]]:
    """(pid, command) of every live process in a process group."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.getpgid(int(proc.name)) != pgid:
                continue
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, ProcessLookupError):
            continue
        out.append((int(proc.name), cmd))
    return sorted(out)


def _memory(server: subprocess.Popen[bytes], env: dict[str, str], out: Path) -> None:
    """RSS of each process of the stack: granian's master and workers after the rounds,
    then the task workers and the scheduler as supervisord starts them (after 60 s)."""
    print("\nmemory per process (RSS):")
    for pid, cmd in _group(server.pid):
        role = "granian worker" if "granian" in cmd and pid != server.pid else "granian master"
        if "granian" in cmd:
            print(f"  {role:<16} pid {pid:>7}  {_rss_mb(pid):7.0f} MB")
    py = sys.executable
    others = [
        ("task worker", [py, "manage.py", "run_worker", "--worker-id", f"bench-{i}"])
        for i in range(2)
    ] + [("scheduler", [py, "manage.py", "run_scheduler"])]
    procs = [
        (
            role,
            subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=(out / f"{role.replace(' ', '_')}.log").open("ab"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ),
        )
        for role, cmd in others
    ]
    time.sleep(60)
    for role, proc in procs:
        rss = sum(_rss_mb(pid) for pid, _cmd in _group(proc.pid))
        print(f"  {role:<16} pid {proc.pid:>7}  {rss:7.0f} MB (with its children)")
    # RQ runs each job in a child that makes itself a session of its own (os.setsid), out
    # of reach of the group's signal: without this, a job running at the end went on
    # after the bench (a stray process loading PostgreSQL during whatever ran next).
    horses = {pid for _role, proc in procs for pid in _descendants(proc.pid)}
    for _role, proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    time.sleep(1)  # a job started meanwhile: its worker waits for it (warm shutdown)
    horses |= {pid for _role, proc in procs for pid in _descendants(proc.pid)}
    for _role, proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker in the middle of a long task
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    for pid in horses:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, their children...), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _drain(base: str) -> None:
    """Wait until requests left queued by the previous round are done (empty view answers fast)."""
    deadline = time.time() + 120
    while time.time() < deadline:
        t = time.perf_counter()
        urllib.request.urlopen(f"{base}/_bench/empty/", timeout=120).read()
        if time.perf_counter() - t < 0.05:
            return
        time.sleep(1)


def run(port: int, duration: int, connections: int, only: str = "", migrate: bool = True) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: sudo apt-get install -y wrk")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "var" / "run").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "LIUYANBAN_ENV": "production",
        "LYB_PY": sys.executable,
        "LIUYANBAN_VAR": str(out / "var"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": os.environ.get("WEB_WORKERS", "2"),
        "WEB_THREADS": os.environ.get("WEB_THREADS", "8"),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 60),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LIUYANBAN_BENCH_VIEWS": "1",
        "STATIC_ROOT": str(out / "static"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"),
        "LOG_LEVEL": "ERROR",
        "API_RATE": BENCH_API_RATE,
    }
    os.environ.update(env)
    _django()
    from django.core.cache import cache
    from django.core.management import call_command

    if migrate:
        call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()  # Redis DB of this bench: every page starts uncached
    base = f"http://127.0.0.1:{port}"
    anchors = _anchors(base, out)
    targets = _targets(base, out)
    if only:
        # Some pages only (labels starting with one of ``only``'s comma-separated prefixes).
        wanted = tuple(p.strip() for p in only.split(",") if p.strip())
        targets = [t for t in targets if t[0].startswith(wanted)]
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
            # Pages of seconds get a longer round, so that more than a handful finish.
            slow = label.startswith(SLOW_PAGES)
            r = _wrk(url, duration * (SLOW_FACTOR if slow else 1), connections, script, headers)
            results.append((label, r))
            print(
                f"  {label:<42} {r['rps']:>9,.1f} req/s  p50 {r['p50']:>9.1f} ms  "
                f"p99 {r['p99']:>9.1f} ms  errors {int(r['errors'])}{first}  "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        _memory(server, env, out)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
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
    uptime = subprocess.run(
        ["uptime"], capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}
    ).stdout.strip()
    print(
        f"Real HTTP, synthetic data: deploy/web.sh (granian WSGI, {os.environ['WEB_WORKERS']} "
        f"workers x {os.environ['WEB_THREADS']} threads), PostgreSQL, wrk {connections} "
        f"connections, {duration} s per page ({SLOW_FACTOR}x for the slow ones), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores; uptime (UTC): "
        f"{uptime} (the machine is shared with other agents)"
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
    goals = [
        ("message, cached (one page)", empty, "empty view"),
        ("message, uncached (40,000 random)", rows, "20-row template"),
    ]
    for label, ref, name in goals:
        if label in by:
            ratio = by[label]["rps"] / ref
            verdict = "met" if ratio >= 0.5 else "NOT met"
            print(f"goal {label} >= 0.5 x {name}: {ratio:.2f} ({verdict})")


def _open311_queries() -> Iterator[str]:
    """Open311 list paths, each ending its window one second before the previous one."""
    end = datetime.now(UTC).replace(microsecond=0)
    for i in range(1_000_000):
        stamp = (end - timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield f"/open311/v2/requests.json?end_date={stamp}"


def inprocess(repeat: int) -> None:
    """CPU seconds and queries per request inside one process (no network, no load
    generator): the three anchors, the message page cached (the fast path) and uncached
    (a different page each request, as the random round of ``run``), the REST message
    read (random), and Open311's list of 1,000: served from the cache (plain and gzip) and
    built for a query nobody asked yet (what every request cost before the cache).

    CPU is this process's ``time.process_time`` (Python, Django, the database and Redis
    clients; PostgreSQL's own work is not in it), the best of 5 rounds; wall time is the
    same round's elapsed time. Queries are counted on a separate pass of the same paths.
    """
    os.environ.update(
        {
            "LIUYANBAN_BENCH_VIEWS": "1",
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(ROOT / "bench" / "out" / "static"),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"),
            # One client asks for everything here: the API's per-network limit would refuse it.
            "API_RATE": BENCH_API_RATE,
        }
    )
    _django()
    import io
    from collections.abc import Callable
    from itertools import cycle

    from django.core.cache import cache
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from liuyanban.lifecycle.models import PUBLIC_STATUSES, Message

    call_command(
        "collectstatic", interactive=False, verbosity=0
    )  # the pages link the manifest's names
    app = get_wsgi_application()
    statuses: Counter[str] = Counter()

    def call(path: str, gz: bool = False) -> bytes:
        path, _sep, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        if path.endswith("/similar/"):
            environ["HTTP_HX_REQUEST"] = "true"
        if gz:
            environ["HTTP_ACCEPT_ENCODING"] = "gzip"

        def start(status: str, headers: list[tuple[str, str]], exc: object = None) -> None:
            statuses[status.split()[0]] += 1

        return b"".join(app(environ, start))

    cache.clear()  # Redis DB of this bench: every page starts uncached
    rng = random.Random(11)
    top = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    ids = [rng.randint(1, top) for _ in range(30 * repeat * 20)]
    public = list(
        Message.objects.filter(pk__in=ids, status__in=PUBLIC_STATUSES, canonical__isnull=True)
        .order_by("?")
        .values_list("tracking_number", flat=True)
    )
    one = public[0]
    fresh = iter(public[1:])  # each uncached request takes a page nobody asked for yet

    def same(path: str) -> Callable[[], str]:
        return lambda: path

    def each(paths: Iterator[str]) -> Callable[[], str]:
        return lambda: next(paths)

    n_pages = repeat * 20  # 5 passes and the count: 100 x repeat + 21 fresh pages
    rounds: list[tuple[str, Callable[[], str], int]] = [
        ("ANCHOR empty view", same("/_bench/empty/"), repeat * 100),
        ("ANCHOR bare 20-row template", same("/_bench/rows/"), repeat * 20),
        (
            "ANCHOR primary-key read",
            each(cycle(f"/_bench/pk/?id={rng.randint(1, top)}" for _ in range(1000))),
            repeat * 100,
        ),
        ("message, cached", same(f"/messages/{one}/"), repeat * 100),
        ("message, uncached", each(f"/messages/{t}/" for t in fresh), n_pages),
        ("REST message read", each(cycle(f"/api/v1/messages/{t}" for t in public)), n_pages),
        # What the page loads once scrolled to (htmx), each message's fragment uncached.
        (
            "similar messages fragment",
            each(f"/messages/{t}/similar/" for t in public[::-1]),
            repeat * 4,
        ),
        ("Open311 requests.json", same("/open311/v2/requests.json"), repeat * 20),
        ("Open311 requests.json (gzip)", same("/open311/v2/requests.json"), repeat * 20),
        # Each request a query nobody asked for yet (its window ends a second earlier): the
        # list built from the database every time, as every request was before the cache.
        ("Open311, a new query each", each(_open311_queries()), repeat),
    ]
    print(
        f"in-process, synthetic data ({top:,} messages), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"  {'page':<28} {'CPU ms':>8} {'wall ms':>8} {'queries':>8} {'bytes':>9}  answers")
    cpu: dict[str, float] = {}
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    # Rounds interleaved (every page once per pass, 5 passes, the best pass of each
    # page kept), so that a change in the machine's load weighs on all pages alike.
    best: dict[str, list[float]] = {label: [float("inf"), float("inf")] for label, *_r in rounds}
    bodies: dict[str, bytes] = {}
    answers: dict[str, Counter[str]] = {}
    for _label, path_of, _n in rounds:
        call(path_of())  # fills what a first request fills (a cached page: the cache)
    for _ in range(5):
        for label, path_of, n in rounds:
            statuses.clear()
            t, w = time.process_time(), time.perf_counter()
            for _ in range(n):
                bodies[label] = call(path_of(), "(gzip)" in label)
            cpu_s, wall_s = (time.process_time() - t) / n, (time.perf_counter() - w) / n
            best[label] = [min(best[label][0], cpu_s), min(best[label][1], wall_s)]
            answers[label] = answers.get(label, Counter()) + statuses
    for label, path_of, n in rounds:
        counted = min(n, 20)
        queries.clear()
        with connection.execute_wrapper(count):
            for _ in range(counted):
                call(path_of(), "(gzip)" in label)
        cpu[label] = best[label][0]
        seen = ", ".join(f"{k}: {v}" for k, v in sorted(answers[label].items()))
        print(
            f"  {label:<28} {best[label][0] * 1000:8.2f} {best[label][1] * 1000:8.2f} "
            f"{len(queries) / counted:8.1f} {len(bodies[label]):9,}  {seen}",
            flush=True,
        )
    print(
        "  CPU of the 20-row template / uncached message page: "
        f"{cpu['ANCHOR bare 20-row template'] / cpu['message, uncached']:.2f}; "
        "of the primary-key read / REST message read: "
        f"{cpu['ANCHOR primary-key read'] / cpu['REST message read']:.2f} "
        "(the req/s ratio if CPU alone limited both)"
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
        "--template",
        help="copy the schema and directory from this database (created once when missing)",
    )
    p_load.add_argument(
        "--lifecycles",
        type=int,
        default=50_000,
        help="distinct lifecycles (status and dates) the rows draw from",
    )
    p_in = sub.add_parser("inprocess")
    p_in.add_argument("--repeat", type=int, default=5)
    p_run = sub.add_parser("run")
    p_run.add_argument("--port", type=int, default=8600)
    p_run.add_argument("--duration", type=int, default=10)
    p_run.add_argument("--connections", type=int, default=16)
    p_run.add_argument(
        "--only", default="", help="comma-separated label prefixes: measure these pages only"
    )
    p_run.add_argument(
        "--no-migrate",
        action="store_true",
        help="serve the database as it is (a page reading a table a pending migration fills "
        "then shows wrong figures: leave such pages out with --only)",
    )
    args = parser.parse_args()
    if args.cmd == "load":
        load(
            args.messages,
            args.processes,
            args.texts,
            args.lifecycles,
            args.template,
        )
    elif args.cmd == "inprocess":
        inprocess(args.repeat)
    else:
        run(args.port, args.duration, args.connections, args.only, not args.no_migrate)


if __name__ == "__main__":
    main()
