"""Chinese full-text search over published messages.

Messages carry ``search_text``: their public title and body segmented by jieba in
search mode (filled at approval). The query is segmented with the same
dictionary, and every query word must appear as an indexed word. The index is
FTS5 on SQLite (migration 0003) and a GIN index over a stored generated tsvector
column on PostgreSQL (migration 0006); both stay in sync inside the database, so
nothing here writes. See docs/search.md.

Results are newest first by message number (``id``), keyset-paginated on it:
both indexes can walk matches in that order without sorting all hits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from liuyanban.intelligence.text import segment, stopwords

from .models import Message
from .selectors import PublicFilters, public_messages

MAX_TERMS = 8
COUNT_CAP = 1000
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class SearchPage:
    """One page of hits, the words searched for, and a count capped at ``COUNT_CAP``."""

    items: list[Message]
    terms: list[str]
    next_cursor: str | None
    count: int
    count_capped: bool


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


def _fts5_query(terms: list[str]) -> str:
    """Quote every word as an FTS5 string so user input is never FTS5 syntax."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _postgres_condition(terms: list[str]) -> RawSQL:
    """The stored, GIN-indexed ``search_vector`` column (migration 0006)."""
    return RawSQL(
        f"{Message._meta.db_table}.search_vector @@ plainto_tsquery('simple'::regconfig, %s)",
        [" ".join(terms)],
        output_field=BooleanField(),
    )


def _fallback_condition(terms: list[str]) -> RawSQL:
    """Other databases: word-boundary containment over the segmented text (no index)."""
    return RawSQL(
        f"' ' || {Message._meta.db_table}.search_text || ' ' LIKE %s",
        ["% " + " % ".join(terms) + " %"],
        output_field=BooleanField(),
    )


def matching(terms: list[str], filters: PublicFilters | None = None) -> QuerySet[Message]:
    """Published messages (with the public filters) containing every term, newest first."""
    qs = public_messages(filters)
    if not terms:
        return qs.none()
    if connection.vendor == "sqlite":
        # Join the FTS5 table and order by its rowid (= message id): SQLite then walks
        # the matches newest first and stops at the LIMIT, however common the word.
        return qs.extra(
            tables=["message_fts"],
            where=[f"message_fts.rowid = {Message._meta.db_table}.id", "message_fts MATCH %s"],
            params=[_fts5_query(terms)],
            order_by=["-message_fts.rowid"],
        )
    if connection.vendor == "postgresql":
        return qs.filter(_postgres_condition(terms)).order_by("-pk")
    return qs.filter(_fallback_condition(terms)).order_by("-pk")


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
    terms = query_terms(query)
    qs = matching(terms, filters)
    before = _decode(cursor)
    page_qs = qs.filter(pk__lt=before) if before is not None else qs
    rows = list(page_qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    count = qs.order_by().values("pk")[: COUNT_CAP + 1].count() if terms else 0
    return SearchPage(
        items=rows,
        terms=terms,
        next_cursor=str(rows[-1].pk) if more and rows else None,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
    )
