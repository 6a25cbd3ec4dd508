"""Lifecycle at scale: N messages in every state, then the real action and the hot queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liuyanban_bench \\
        .venv/bin/python bench/lifecycle_bench.py --messages 1000000

Creates (drops first) the database named in DATABASE_URL, migrates it, loads the
national directory (~55,000 bodies), bulk-loads N generated messages with their
events through PostgreSQL COPY, then prints:
  - messages written per second through the real actions (submit + approve,
    with redaction, segmentation and events),
  - p50/p95 of a unit's worklist query and of a board's public list (first page
    and a deep keyset page), and of one message's timeline.
On SQLite (no DATABASE_URL) it uses a temporary file and executemany instead of COPY.

``--compare-with TREE`` measures the write path of another checkout of the code (e.g.
``git archive <commit> | tar -x -C /tmp/before``) against this one on the same database,
in one run: each side runs in its own child process, alternating before/after/before/
after, and both rates are printed with their ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TZ = ZoneInfo("Asia/Shanghai")
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


def bench_actions(samples: int) -> float:
    """Messages per second through submit + approve, with redaction, segmentation and events."""
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
    actions.approve_message(actor=mod, message_id=warm.pk)  # loads the jieba dictionary once
    t0 = time.perf_counter()
    for citizen, draft in zip(citizens[1:], drafts[1:], strict=True):
        m = actions.submit_message(author=citizen, draft=draft)
        actions.approve_message(actor=mod, message_id=m.pk)
    return (samples - 1) / (time.perf_counter() - t0)


CHILD = """
import os, sys
tree = sys.argv[1]
sys.path.insert(0, os.path.join(tree, "bench"))
sys.path.insert(0, tree)
os.chdir(tree)
import lifecycle_bench as b
b.prepare_database(True)
import django
django.setup()
from django.db import connection
n = [0]
def count(execute, sql, params, many, context):
    n[0] += 1
    return execute(sql, params, many, context)
with connection.execute_wrapper(count):
    rate = b.bench_actions(int(sys.argv[2]))
print("RATE", rate, n[0], flush=True)
"""


def compare_actions(before: Path, samples: int, rounds: int = 2) -> None:
    """The write path of ``before`` and of this tree on the same database, alternating."""
    rates: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(rounds):
        for side, tree in (("before", before), ("after", ROOT)):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(tree), str(samples)],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ},
            ).stdout
            rate = float(
                next(line for line in out.splitlines() if line.startswith("RATE")).split()[1]
            )
            rates[side].append(rate)
            print(f"  {side:6} ({tree}): {rate:.1f} messages/s", flush=True)
    b, a = (sum(rates[k]) / len(rates[k]) for k in ("before", "after"))
    print(
        f"write through the real actions, same database, alternating: before {b:.1f}/s, "
        f"after {a:.1f}/s (x{a / b:.2f}); load average {os.getloadavg()[0]:.1f}"
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
        compare_actions(args.compare_with, args.action_samples)
        return
    rate = bench_actions(args.action_samples)
    print(
        f"write through the real actions (submit + approve, redaction, segmentation, events): {rate:.0f} messages/s"
    )
    timings = bench_queries(info, args.repeats)
    print(f"unit worklist (first 50, soonest deadline): {fmt(timings['worklist'])}")
    print(f"board public list, first page of 20:        {fmt(timings['board_first'])}")
    print(f"board public list, page 51 by keyset:        {fmt(timings['board_deep'])}")
    print(f"one message's public timeline:              {fmt(timings['timeline'])}")


if __name__ == "__main__":
    main()
