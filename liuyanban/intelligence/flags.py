"""Abuse and sensitive-content flags from admin-editable word lists.

``find_flags`` is pure: word lists come in as data (``DEFAULT_WORDLISTS`` until a
database model holds them). Matching uses one Aho–Corasick automaton per set of
lists (pyahocorasick), cached, so a few thousand words cost one pass over the text. Text and words
are normalised the same way first — full-width to half-width, lower case, and
spaces/punctuation dropped — so "傻 逼", "傻*逼" and "ＳＢ" are caught; offsets are
mapped back to the original text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import ahocorasick

__all__ = ["DEFAULT_WORDLISTS", "Flag", "find_flags"]


@dataclass(frozen=True)
class Flag:
    """A listed word found in the text: its category, the list entry, and where it is."""

    category: str
    word: str
    start: int
    end: int


# Small starter lists written for this project; admins replace or extend them.
DEFAULT_WORDLISTS: dict[str, tuple[str, ...]] = {
    "侮辱谩骂": (
        "傻逼",
        "傻b",
        "sb",
        "煞笔",
        "脑残",
        "白痴",
        "蠢货",
        "混蛋",
        "王八蛋",
        "狗官",
        "废物",
        "去死",
        "滚蛋",
        "贱人",
        "畜生",
        "人渣",
    ),
    "人身威胁": (
        "弄死你",
        "杀了你",
        "砍死",
        "炸掉",
        "放火烧",
        "同归于尽",
        "要你的命",
        "打断你的腿",
        "让你好看",
        "血债血偿",
    ),
    "极端行为": ("跳楼", "自杀", "自焚", "喝农药", "不想活了", "轻生"),
    "群体性事件": ("集体上访", "堵路", "围堵政府", "拉横幅", "聚众"),
}


# Characters dropped before matching: writers put them between the characters of a
# listed word to slip past filters ("傻 逼", "傻.逼", "傻*逼").
def _skippable(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "ZPC" or ch in "*＊·•_-~～" or cat == "So"


def _fold(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch.lower()


def _normalise(text: str) -> tuple[str, list[int]]:
    """Folded text without skippable characters, and each kept char's original index."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if _skippable(ch):
            continue
        chars.append(_fold(ch))
        index.append(i)
    return "".join(chars), index


class _Automaton:
    """Aho–Corasick (pyahocorasick) over normalised words; outputs (category, word, length).

    One key per normalised word; its value is every (category, word) that folds to it
    ("傻B" and "傻b" are one key). Chosen over our own automaton on bench/flags_bench.py
    (docs/duplicates.md): same flags on every message, 50× the scan speed.
    """

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        by_key: dict[str, list[tuple[str, str, int]]] = {}
        for category, word in entries:
            key, _ = _normalise(word)
            if key:
                by_key.setdefault(key, []).append((category, word, len(key)))
        self.automaton = ahocorasick.Automaton()
        for key, outputs in by_key.items():
            self.automaton.add_word(key, tuple(outputs))
        # An automaton without words cannot be built (nor searched): it finds nothing.
        self.empty = not by_key
        if not self.empty:
            self.automaton.make_automaton()

    def scan(self, text: str) -> list[tuple[int, str, str, int]]:
        """(end index, category, word, length) for every occurrence in ``text``."""
        if self.empty:
            return []
        hits: list[tuple[int, str, str, int]] = [
            (end, category, word, size)
            for end, outputs in self.automaton.iter(text)
            for category, word, size in outputs
        ]
        return hits


class Scanner(Protocol):
    def scan(self, text: str) -> list[tuple[int, str, str, int]]: ...


@lru_cache(maxsize=8)
def _automaton(entries: tuple[tuple[str, str], ...]) -> _Automaton:
    return _Automaton(entries)


def _entries(wordlists: Mapping[str, Iterable[str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({(cat, w) for cat, words in wordlists.items() for w in words if w.strip()}))


def _is_ascii_word(word: str) -> bool:
    return word.isascii() and word.isalnum()


def find_flags(text: str, wordlists: Mapping[str, Iterable[str]] = DEFAULT_WORDLISTS) -> list[Flag]:
    """Every listed word in ``text``, with offsets into the original text, sorted by position.

    Latin words (e.g. "sb") only match as whole words so that "usb" is not flagged.
    """
    return _find(_automaton(_entries(wordlists)), text)


def _find(automaton: Scanner, text: str) -> list[Flag]:
    if not text:
        return []
    folded, index = _normalise(text)
    flags = []
    for end, category, word, size in automaton.scan(folded):
        start = end - size + 1
        if _is_ascii_word(word) and not _whole_ascii(folded, start, end):
            continue
        flags.append(Flag(category, word, index[start], index[end] + 1))
    return sorted(set(flags), key=lambda f: (f.start, f.end, f.category))


def _whole_ascii(folded: str, start: int, end: int) -> bool:
    before = folded[start - 1] if start else ""
    after = folded[end + 1] if end + 1 < len(folded) else ""
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())
