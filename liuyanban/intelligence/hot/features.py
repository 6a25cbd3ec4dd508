"""Plain message records and what the hot-issue index needs to know about each one."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from liuyanban.core.text.chinese import content_words, normalize

from . import places

# Only the head of a long body is read: places and the complaint are stated early, and
# segmenting whole bodies would make a rebuild of 500,000 messages take far too long.
BODY_HEAD = 300
# Admin codes and stray place characters carry no topic.
_NOISE_WORD = re.compile(r"^(?:[A-Za-z]\d*|\d+|[省市区县])$")


@dataclass(frozen=True)
class HotInput:
    """One message as the hot-issue miner sees it (no database needed)."""

    id: int
    title: str
    body: str
    at: datetime
    author: str
    likes: int = 0
    dislikes: int = 0


@dataclass(frozen=True)
class Features:
    """Message facts computed once: places, districts, term counts, title words."""

    places: tuple[str, ...]
    admin: tuple[str, ...]
    districts: frozenset[str]
    keys: frozenset[str]
    terms: dict[str, int]
    title_terms: tuple[str, ...]
    populations: tuple[str, ...]


def _terms(text: str) -> list[str]:
    return [w for w in content_words(text) if not _NOISE_WORD.match(w)]


def featurize(msg: HotInput) -> Features:
    """Extract places, keys and weighted terms (title words count twice) from one message."""
    title = normalize(msg.title)
    head = title + " " + normalize(msg.body)[:BODY_HEAD]
    title_places = places.place_names(title)
    unique = tuple(dict.fromkeys(title_places + places.place_names(head)))
    # Words of the place named in the title say *where*, not *what*: leaving them in would
    # make two different problems at one estate look alike.
    title_terms = [w for w in _terms(title) if not any(w in p for p in title_places)]
    terms = Counter(w for w in _terms(head) if not any(w in p for p in title_places))
    terms.update(title_terms)
    return Features(
        places=unique,
        admin=tuple(places.admin_codes(head)),
        districts=frozenset(places.districts(title) or places.districts(head)),
        # Body places are noisier (and often incidental), so they key a message only when
        # its title names none.
        keys=frozenset(places.place_keys(title_places or unique))
        | frozenset(places.numbered_names(title)),
        terms=dict(terms),
        title_terms=tuple(title_terms),
        populations=tuple(places.populations(head)),
    )


def featurize_many(msgs: Sequence[HotInput], workers: int | None = None) -> list[Features]:
    """Features of many messages, in worker processes when there are enough to pay off."""
    if workers is None:
        workers = min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(msgs) < 20_000:
        return [featurize(m) for m in msgs]
    chunk = max(1000, len(msgs) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(featurize, msgs, chunksize=chunk))
