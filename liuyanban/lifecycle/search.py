"""Chinese full-text search over published messages.

Messages carry ``search_text``: their public title and body segmented by jieba in
search mode plus the single characters of longer words (filled at approval). The
query is segmented with the same dictionary, and every query word must appear as an
indexed word, or, for a compound word, all of its parts ("物业费" finds "物业收费"
through 物业 + 费). The index is FTS5 on SQLite (migration 0003) and a GIN index over
a stored generated tsvector column on PostgreSQL (migration 0009); both stay in sync
inside the database. Rows indexed under an older scheme are re-segmented by
``manage.py resegment_search``. See docs/search.md.

Results are newest first by message number (``id``), keyset-paginated on it:
both indexes can walk matches in that order without sorting all hits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import RawSQL

from liuyanban.core.text.chinese import compound_parts, segment, segment_for_search, stopwords

from . import search_stats
from .models import PUBLIC_STATUSES, Message
from .selectors import PublicFilters, public_messages

MAX_TERMS = 8
COUNT_CAP = 1000
# Up to this many matches, PostgreSQL reads them all through the GIN index and sorts them;
# past it, it walks the newest rows back until a page is full, which costs rows ÷ matches
# per hit. The probe that decides costs more the higher its cap (it stops at the cap), and
# every search of a common word pays it: 3,000 keeps that small while a word in 1,800 of
# 4.2 M messages no longer walks ~50,000 rows (bench/search_plans.py prints both plans).
PLAN_CAP = 3_000
# With PostgreSQL's statistics of the words (``search_stats``) no probe is needed: the cost
# of walking a row over the cost of reading one GIN match and sorting it (1,393 ms for
# ~49,500 rows walked vs 36 ms for 1,780 matches at 4.2 M, bench/search_plans.py).
WALK_RATIO = 1.4
# An independent guess of at least this many matches is shown as "1,000+" without a count.
COUNT_SURE = 5 * COUNT_CAP
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class SearchPage:
    """One page of hits, the words searched for, and a count capped at ``COUNT_CAP``."""

    items: list[Message]
    terms: list[str]
    next_cursor: str | None
    count: int
    count_capped: bool
    marks: list[str] = field(default_factory=list)  # words and compound parts to highlight


def query_terms(query: str) -> list[str]:
    """The words of a query: jieba words without punctuation and stop words, at most 8."""
    stop = stopwords()
    words: list[str] = []
    for word in segment(query[:200]):
        word = word.strip().lower()
        if not _WORD.search(word) or word in words:
            continue
        if word in stop and len(query.strip()) > len(word):
            continue
        words.append(word)
    return words[:MAX_TERMS]


@dataclass(frozen=True)
class QueryWord:
    """A query word and, for a compound, the parts that may stand in for it."""

    word: str
    parts: tuple[str, ...] = ()


def query_words(query: str) -> list[QueryWord]:
    """The query's words, each with its compound parts ("物业费" → 物业 + 费)."""
    return [QueryWord(w, tuple(compound_parts(w))) for w in query_terms(query)]


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts5_query(words: list[QueryWord]) -> str:
    """Every word must match, as itself or through all of its parts; each term is an FTS5
    string, so user input is never FTS5 syntax."""
    clauses = []
    for w in words:
        if w.parts:
            parts = " AND ".join(_quote(p) for p in w.parts)
            clauses.append(f"({_quote(w.word)} OR ({parts}))")
        else:
            clauses.append(_quote(w.word))
    return " AND ".join(clauses)


def _postgres_condition(words: list[QueryWord]) -> RawSQL:
    """The stored, GIN-indexed ``search_vector`` column (migration 0009), with the same
    word-or-all-parts rule as SQLite; each term goes through plainto_tsquery (no syntax)."""
    one = "plainto_tsquery('simple'::regconfig, %s)"
    clauses: list[str] = []
    params: list[str] = []
    for w in words:
        if w.parts:
            clauses.append(f"({one} || {one})")
            params += [w.word, " ".join(w.parts)]
        else:
            clauses.append(one)
            params.append(w.word)
    return RawSQL(
        f"{Message._meta.db_table}.search_vector @@ ({' && '.join(clauses)})",
        params,
        output_field=BooleanField(),
    )


def _fallback_condition(words: list[QueryWord]) -> Q:
    """Other databases: word-boundary containment over the segmented text (no index)."""
    field = "search_text"

    def has(term: str) -> Q:
        return (
            Q(**{f"{field}__contains": f" {term} "})
            | Q(**{f"{field}__startswith": f"{term} "})
            | Q(**{f"{field}__endswith": f" {term}"})
            | Q(**{field: term})
        )

    condition = Q()
    for w in words:
        alt = has(w.word)
        if w.parts:
            every = Q()
            for part in w.parts:
                every &= has(part)
            alt |= every
        condition &= alt
    return condition


def matching(
    words: list[QueryWord] | list[str], filters: PublicFilters | None = None
) -> QuerySet[Message]:
    """Published messages (with the public filters) containing every word, newest first.

    A compound word matches as itself or through all of its parts (``QueryWord.parts``).
    """
    qs = public_messages(filters)
    found = [
        w if isinstance(w, QueryWord) else QueryWord(w, tuple(compound_parts(w))) for w in words
    ]
    if not found:
        return qs.none()
    if connection.vendor == "sqlite":
        # Join the FTS5 table and order by its rowid (= message id): SQLite then walks
        # the matches newest first and stops at the LIMIT, however common the word.
        return qs.extra(
            tables=["message_fts"],
            where=[f"message_fts.rowid = {Message._meta.db_table}.id", "message_fts MATCH %s"],
            params=[_fts5_query(found)],
            order_by=["-message_fts.rowid"],
        )
    if connection.vendor == "postgresql":
        return qs.filter(_postgres_condition(found)).order_by("-pk")
    return qs.filter(_fallback_condition(found)).order_by("-pk")


def index_message(message_id: int) -> bool:
    """Set one message's ``search_text`` from its current public text; whether it changed.

    Run by the task that approval and public edits record. The row is locked while it is
    read and written, so a task that reads an older text can never write over the index
    of a newer one: each edit's task runs after that edit has committed.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id)
            .only("pk", "public_title", "public_body", "search_text")
            .first()
        )
        if message is None:
            return False
        text = segment_for_search(f"{message.public_title} {message.public_body}")
        if text == message.search_text:
            return False
        Message.objects.filter(pk=message_id).update(search_text=text)
        return True


def resegment(*, batch: int = 1000, after: int = 0) -> Iterator[tuple[int, int]]:
    """Re-segment the search text of public messages with id > ``after``, ``batch`` rows
    per transaction, in id order; yields (rows done, last id) after each batch.

    Run after the indexing scheme changes (``manage.py resegment_search``): both indexes
    follow ``search_text`` inside the database (FTS5 trigger, generated tsvector column).
    An interrupted run resumes with ``after`` set to the last id it printed.
    """
    done = 0
    last = after
    while True:
        rows = list(
            Message.objects.filter(pk__gt=last, status__in=PUBLIC_STATUSES)
            .order_by("pk")
            .only("pk", "public_title", "public_body", "search_text")[:batch]
        )
        if not rows:
            return
        changed = []
        for m in rows:
            text = segment_for_search(f"{m.public_title} {m.public_body}")
            if text != m.search_text:
                m.search_text = text
                changed.append(m)
        with transaction.atomic():
            Message.objects.bulk_update(changed, ["search_text"])
        done += len(rows)
        last = rows[-1].pk
        yield done, last


def _decode(cursor: str | None) -> int | None:
    if cursor and cursor.isdigit() and len(cursor) < 19:
        return int(cursor)
    return None


def search_messages(
    query: str,
    filters: PublicFilters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 20,
) -> SearchPage:
    """One page of published messages matching ``query``, newest first."""
    words = query_words(query)
    terms = [w.word for w in words]
    qs = matching(words, filters)
    before = _decode(cursor)
    page_qs = qs.filter(pk__lt=before) if before is not None else qs
    stats = search_stats.lexeme_stats() if terms else None
    count: int | None = None
    if stats is not None:
        # PostgreSQL with statistics: the plan from how common the words are, no count.
        if stats.upper(words) < walk_threshold(stats.rows, limit + 1):
            rows = _through_index(qs, page_qs, limit + 1)
        else:
            rows = _walk(qs, page_qs, before, stats, limit + 1, bounded=not _filtered(filters))
        guess = stats.guess(words)
        if not _filtered(filters) and guess is not None and guess >= COUNT_SURE:
            # Surely more than COUNT_CAP: "1,000+" without counting (unless this is the
            # whole answer already).
            count = len(rows) if before is None and len(rows) <= limit else COUNT_CAP + 1
    else:
        # No statistics (SQLite, or PostgreSQL before its first ANALYZE): one probe both
        # counts for the page (capped at COUNT_CAP) and chooses the plan.
        cap = PLAN_CAP if connection.vendor == "postgresql" else COUNT_CAP
        probe = qs.order_by().values("pk")[: cap + 1].count() if terms else 0
        count = min(probe, COUNT_CAP + 1)
        if connection.vendor == "postgresql" and probe <= PLAN_CAP:
            rows = _through_index(qs, page_qs, limit + 1)
        else:
            rows = list(page_qs[: limit + 1])
    if count is None:
        count = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    more = len(rows) > limit
    rows = rows[:limit]
    return SearchPage(
        items=rows,
        terms=terms,
        marks=list(dict.fromkeys([*terms, *(p for w in words for p in w.parts if len(p) > 1)])),
        next_cursor=str(rows[-1].pk) if more and rows else None,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
    )


def walk_threshold(rows: float, page: int) -> float:
    """Matches above which walking the newest rows beats reading them all through the GIN
    index: the walk reads ``page × rows ÷ matches`` rows, the index ``matches`` entries,
    so they meet at ``sqrt(WALK_RATIO × page × rows)`` (~11,000 at 4.2 M messages)."""
    return math.sqrt(WALK_RATIO * page * max(rows, 1.0))


def _filtered(filters: PublicFilters | None) -> bool:
    return any(bool(v) for v in (filters or {}).values())


def _through_index(qs: QuerySet[Message], page_qs: QuerySet[Message], n: int) -> list[Message]:
    """Few matches (a rare word): read them all through the GIN index and sort them.

    Ordered by the bare id, PostgreSQL would walk the primary key backwards and test every
    newer row, which it guesses is cheap and is not when matches are rare (about a second
    for 1,800 matches at 4.2 M messages). ``id + 0`` is the same order without that index;
    the page's ids come first, so only they are joined to their boards.
    """
    ids = list(page_qs.order_by((F("pk") + 0).desc()).values_list("pk", flat=True)[:n])
    return list(qs.filter(pk__in=ids)[:n]) if ids else []


def _walk(
    qs: QuerySet[Message],
    page_qs: QuerySet[Message],
    before: int | None,
    stats: search_stats.LexemeStats,
    n: int,
    *,
    bounded: bool,
) -> list[Message]:
    """Many matches (a common word): walk the newest rows until the page is full.

    The statistics bound a query from above (an AND of two common words may be rare), so
    without filters the walk stops after twice the rows a page of the estimate needs; a
    page still short then has few matches left to find, and reads them through the index.
    """
    if not bounded:
        return list(page_qs[:n])
    top = before if before is not None else _newest_id() + 1
    floor = top - int(2 * n * stats.rows / walk_threshold(stats.rows, n))
    rows = list(page_qs.filter(pk__gte=floor)[:n])
    if len(rows) < n and floor > 0:
        rows += _through_index(qs, page_qs.filter(pk__lt=floor), n - len(rows))
    return rows


def _newest_id() -> int:
    newest = Message.objects.order_by("-pk").values_list("pk", flat=True).first()
    return int(newest or 0)
