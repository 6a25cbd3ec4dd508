"""Search benchmark: p50/p95 of the web's search query at N synthetic messages.

Usage:
  .venv/bin/python bench/search_bench.py [--rows 1000000]            # SQLite, a file in bench/out/
  DATABASE_URL=postgres://… .venv/bin/python bench/search_bench.py   # PostgreSQL, own database

Rows are synthetic segmented texts bulk-inserted straight into the tables (no
ORM saves); the queries are the ones ``liuyanban.lifecycle.search`` runs for the
web's search page (first page of 20, newest first, and the capped count).
PostgreSQL uses a database of its own, ``liuyanban_searchbench``, created and
dropped here.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PG_NAME = "liuyanban_searchbench"
RARE = "拆迁"  # put in 1 of 20,000 messages
COMMON = "物业管理"  # put in ~30% of messages (search mode also indexes 物业, 管理)
COMPOUND = "物业费"  # never indexed as a word: 1 in 1,000 messages has 物业 + 收费 (its parts)


TRIGGER_AI = """CREATE TRIGGER message_fts_ai AFTER INSERT ON lifecycle_message BEGIN
    INSERT INTO message_fts(rowid, search_text) VALUES (new.id, new.search_text);
END"""


def _setup_django(db_url: str | None) -> None:
    if db_url:
        os.environ["DATABASE_URL"] = db_url
    else:
        OUT.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'searchbench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()


def _vocabulary() -> list[str]:
    """Frequent dictionary words, without the two measured words."""
    from liuyanban.core.text.chinese import tokenizer

    freq = tokenizer().FREQ
    words = sorted(w for w, f in freq.items() if f > 50 and 2 <= len(w) <= 4)
    random.Random(1).shuffle(words)
    return [w for w in words if RARE not in w and "物业" not in w][:20000]


def _text(rng: random.Random, vocab: list[str], i: int) -> tuple[str, str]:
    """(public body, indexed search text) of one synthetic message; the index form goes
    through the product's ``search_terms`` (words, then single characters)."""
    from liuyanban.core.text.chinese import search_terms

    words = rng.choices(vocab, k=60)
    if rng.random() < 0.3:
        words[rng.randrange(60)] = "物业管理 物业 管理"
    if i % 20000 == 7:
        words[rng.randrange(60)] = RARE
    if i % 1000 == 11:  # a compound's parts in separate words: found by "物业费"
        words[rng.randrange(60)] = "物业 收费"
    split = " ".join(words).split()
    return "".join(split), search_terms(split)


def _load(rows: int) -> None:
    """Create the schema (migrations) and bulk-insert rows in one transaction per 50k."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from liuyanban.testing.world import build_world

    call_command("migrate", verbosity=0)
    from liuyanban.lifecycle.models import Message

    if Message.objects.exists():
        print(f"reusing {Message.objects.count():,} rows")
        return
    world = build_world()
    from liuyanban.taxonomy.models import Domain, Kind

    domain, kind = Domain.objects.get(code="urban").pk, Kind.objects.get(code="complaint").pk
    if connection.vendor == "sqlite":
        # A throw-away file: no fsync; the FTS index is built once after the load
        # (the sync trigger is re-created), as a bulk import would.
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("DROP TRIGGER message_fts_ai")
    rng = random.Random(42)
    vocab = _vocabulary()
    now = timezone.now()
    cols = (
        "tracking_number, board_id, office_id, author_nickname, source, external_id, domain_id,"
        " kind_id, location, title, body, public_title, public_body, public_location, search_text,"
        " status, resolution, submitted_at, published_at, extension_used, reopen_count,"
        " return_count, transfer_count, support_count, idempotency_key, updated_at"
    )
    sql = f"INSERT INTO lifecycle_message ({cols}) VALUES ({', '.join(['%s'] * 26)})"
    started = time.perf_counter()
    for start in range(0, rows, 50_000):
        batch = []
        for i in range(start, min(rows, start + 50_000)):
            body, text = _text(rng, vocab, i)
            at = now
            batch.append(
                (
                    f"B{i:012d}",
                    world.east_board.pk,
                    world.east.pk,
                    "网友",
                    "bench",
                    "",
                    domain,
                    kind,
                    "",
                    "标题",
                    "",
                    "标题",
                    body,
                    "",
                    text,
                    "published",
                    "",
                    at,
                    at,
                    False,
                    0,
                    0,
                    0,
                    0,
                    "",
                    at,
                )
            )
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, batch)
        print(f"  {min(rows, start + 50_000):,} rows, {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE lifecycle_message")
        else:
            t = time.perf_counter()
            cur.execute("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
            cur.execute(TRIGGER_AI)
            print(f"FTS5 index built in {time.perf_counter() - t:.0f} s")
    print(f"loaded {rows:,} rows in {time.perf_counter() - started:.0f} s")


def _time(fn: Any, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def _measure(repeat: int) -> None:
    from django.db import connection

    from liuyanban.lifecycle import search

    print(f"database: {connection.vendor}")
    for word in (RARE, COMMON, COMPOUND):
        terms = search.query_words(word)
        first = search.search_messages(word)
        page2 = (
            search.search_messages(word, cursor=first.next_cursor) if first.next_cursor else None
        )
        p50, p95 = _time(lambda w=word: list(search.search_messages(w).items), repeat)
        qs = search.matching(terms)
        c50, c95 = _time(lambda qs=qs: qs.order_by().values("pk")[:1001].count(), repeat)
        print(
            f"{word!r} terms={[(w.word, w.parts) for w in terms]} count={first.count}{'+' if first.count_capped else ''} "
            f"page2={len(page2.items) if page2 else 0} | page+count p50 {p50:.2f} ms p95 {p95:.2f} ms "
            f"| capped count alone p50 {c50:.2f} ms p95 {c95:.2f} ms"
        )


def _pg_url(base: str) -> str:
    parts = urlparse(base)
    return urlunparse(parts._replace(path="/" + PG_NAME))


def _pg_admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database for a re-run")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if base:
        _pg_admin(base, f"DROP DATABASE IF EXISTS {PG_NAME}")
        _pg_admin(base, f"CREATE DATABASE {PG_NAME}")
    _setup_django(_pg_url(base) if base else None)
    try:
        _load(args.rows)
        _measure(args.repeat)
    finally:
        if base and not args.keep:
            from django.db import connections

            connections.close_all()
            _pg_admin(base, f"DROP DATABASE IF EXISTS {PG_NAME}")


if __name__ == "__main__":
    main()
