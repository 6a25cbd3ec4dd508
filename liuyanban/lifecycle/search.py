"""Chinese full-text search over published messages.

Messages carry ``search_text``: their public title and body segmented by jieba in
search mode (filled at approval). The query is segmented with the same
dictionary, and every query word must appear as an indexed word. The index is
FTS5 on SQLite and a GIN expression index on PostgreSQL (migration 0003); both
stay in sync inside the database, so nothing here writes. See docs/search.md.

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


def _match_condition(terms: list[str]) -> RawSQL:
    """A boolean SQL condition: the message's indexed words contain every term."""
    table = Message._meta.db_table
    if connection.vendor == "postgresql":
        return RawSQL(
            f"to_tsvector('simple'::regconfig, {table}.search_text) "
            "@@ plainto_tsquery('simple'::regconfig, %s)",
            [" ".join(terms)],
            output_field=BooleanField(),
        )
    if connection.vendor == "sqlite":
        return RawSQL(
            f"{table}.id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH %s)",
            [_fts5_query(terms)],
            output_field=BooleanField(),
        )
    # Other databases: a plain word-boundary containment over the segmented text.
    return RawSQL(
        f"' ' || {table}.search_text || ' ' LIKE %s",
        ["% " + " % ".join(terms) + " %"],
        output_field=BooleanField(),
    )


def matching(terms: list[str], filters: PublicFilters | None = None) -> QuerySet[Message]:
    """Published messages (with the public filters) whose text contains every term."""
    qs = public_messages(filters)
    if not terms:
        return qs.none()
    return qs.filter(_match_condition(terms))


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
    rows = list(page_qs.order_by("-pk")[: limit + 1])
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
