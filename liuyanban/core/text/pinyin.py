"""Toneless pinyin search keys for Chinese names ("长沙市" → "changshashi css")."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=65536)
def pinyin_parts(text: str) -> tuple[str, str]:
    """Full toneless pinyin and initials of ``text`` ("长沙市" → "changshashi", "css")."""
    from pypinyin import Style, lazy_pinyin  # heavy dictionaries: load on first use

    full = "".join(lazy_pinyin(text)).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
    return full, initials


def pinyin_key(*parts: str) -> str:
    """The search key for a name made of ``parts``: "changshashi css".

    Names are composed of a few repeating parts (region + unit), so each part is
    converted once and cached; the national load converts ~4,000 strings, not 60,000.
    """
    pairs = [pinyin_parts(p) for p in parts if p]
    return "{} {}".format("".join(f for f, _ in pairs), "".join(i for _, i in pairs))
