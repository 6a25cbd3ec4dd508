"""The platform's own names as a segmentation lexicon, and a message's content words.

Regions, organisations and boards are read from the database (so a deployment's own
directory is what keeps "沙市街道办事处" or "东区住房和城乡建设局" whole), refreshed at
most every ten minutes per process.
"""

from __future__ import annotations

import time

from liuyanban.core.text.chinese import Lexicon, keywords
from liuyanban.organizations.models import Board, Organization, Region

_CACHE_SECONDS = 600
_cached: tuple[float, Lexicon] | None = None


def place_lexicon() -> Lexicon:
    """Names of regions, organisations and boards (cached per process)."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < _CACHE_SECONDS:
        return _cached[1]
    names: set[str] = set(Region.objects.values_list("name", flat=True))
    names |= set(Organization.objects.values_list("name", flat=True))
    names |= set(Board.objects.values_list("name", flat=True))
    lexicon = Lexicon(names)
    _cached = (now, lexicon)
    return lexicon


def forget() -> None:
    """Drop the cached lexicon (after a directory import, and in tests)."""
    global _cached
    _cached = None


def message_keywords(title: str, body: str) -> list[str]:
    """Distinct content words of a message, names kept whole."""
    return keywords(f"{title}\n{body}", place_lexicon())
