"""How common a search is, from PostgreSQL's own statistics of ``search_vector``.

ANALYZE (autovacuum runs it) keeps, per tsvector column, the most common lexemes and
the share of rows holding each (``pg_stats.most_common_elems`` and
``most_common_elem_freqs``, ~1,000 lexemes at the default statistics target). A lexeme
that is not listed is rarer than the smallest listed share. That is enough to choose
a search's plan (``search.search_messages``) without counting its matches: the list is
read once per process and kept ``TTL`` seconds, so a search costs no query for it.

A query word (``search.QueryWord``) matches as itself or through all of its parts, and
a query needs every word: a word is at most as common as itself plus its rarest part,
an AND at most as common as its rarest word (``upper``). The independent guess
(product of the words' shares, ``guess``) is what tells "surely more than a page of
counts" (``search.COUNT_CAP``) without counting.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import connection

from .models import Message

# Statistics change slowly (autovacuum re-analyzes after ~10 % of rows change).
TTL = 600.0
# The default parser splits a run of letters and digits from a run of other characters.
_LEXEME = re.compile(r"[a-z0-9]+|[^\sa-z0-9]+")


class Word(Protocol):
    """A query word and its compound parts (``search.QueryWord``)."""

    @property
    def word(self) -> str: ...

    @property
    def parts(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class LexemeStats:
    """The listed lexemes' shares of rows, the smallest listed share, and the row count."""

    shares: dict[str, float]
    floor: float
    rows: float

    def share(self, text: str) -> tuple[float, bool]:
        """At most this share of rows holds every lexeme of ``text``; whether all are listed."""
        found = [self.shares.get(lexeme) for lexeme in _LEXEME.findall(text.lower())]
        if not found:
            return 0.0, True
        listed = [f for f in found if f is not None]
        if len(listed) < len(found):
            return self.floor, False  # an unlisted lexeme: rarer than any listed one
        return min(listed), True

    def word_share(self, word: Word) -> tuple[float, bool]:
        """A word or all of its parts: at most the word's share plus its rarest part's."""
        share, known = self.share(word.word)
        if word.parts:
            part_shares = [self.share(p) for p in word.parts]
            rarest = min(part_shares)
            share, known = min(1.0, share + rarest[0]), known and rarest[1]
        return share, known

    def upper(self, words: Sequence[Word]) -> float:
        """At most this many rows match every word (the rarest word's count)."""
        if not words:
            return 0.0
        return min(self.word_share(w)[0] for w in words) * self.rows

    def guess(self, words: Sequence[Word]) -> float | None:
        """Rows matching every word if the words were independent; None when a word is
        not listed (its share is only a bound)."""
        product = 1.0
        for w in words:
            share, known = self.word_share(w)
            if not known:
                return None
            product *= share
        return product * self.rows


_memo: dict[str, tuple[float, LexemeStats | None]] = {}


def forget() -> None:
    """Drop what this process remembers (tests, after an ANALYZE)."""
    _memo.clear()


def lexeme_stats() -> LexemeStats | None:
    """The statistics of ``search_vector`` on PostgreSQL, remembered ``TTL`` seconds;
    None elsewhere or before the first ANALYZE."""
    if connection.vendor != "postgresql":
        return None
    key = f"{connection.alias}:{connection.settings_dict.get('NAME')}"
    now = time.monotonic()
    memo = _memo.get(key)
    if memo is not None and memo[0] > now:
        return memo[1]
    stats = _read()
    _memo[key] = (now + TTL, stats)
    return stats


def _read() -> LexemeStats | None:
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples"
            " FROM pg_class c JOIN pg_stats s ON s.schemaname = current_schema()"
            " AND s.tablename = %s AND s.attname = 'search_vector'"
            " WHERE c.oid = %s::regclass",
            [table, table],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[1] is None or row[2] is None or row[2] <= 0:
        return None
    lexemes, freqs, rows = row
    # The frequencies are followed by the smallest and largest listed ones and the null share.
    shares = {lexeme: float(f) for lexeme, f in zip(lexemes, freqs, strict=False)}
    return LexemeStats(shares=shares, floor=float(freqs[len(lexemes)]), rows=float(rows))
