"""A detection view of a text, with a map back to the original characters.

Writers hide numbers from filters with full-width digits (１３９…), Chinese numerals
(一三九…, 幺 for 1), zero-width characters between digits or a right-to-left override
that shows "13911110003" while storing it reversed. Detectors read a normalised copy
of the text; the mask is applied to the *original* characters, through ``origin``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Invisible characters: zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian
# vowel separator, and every bidi control (embeddings, overrides, isolates, marks).
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_RLO = "\u202e"  # right-to-left override: what follows is stored reversed
_RLO_END = frozenset("\u202c\u2069\n")  # pop directional formatting, pop isolate, line end

# Chinese numerals read digit by digit (幺 is the spoken 1; 〇 and 零 are 0; the financial
# forms 壹贰叁… are used on cheques and by writers avoiding filters).
_NUMERAL_CHARS = "〇零一二三四五六七八九幺壹贰叁肆伍陆柒捌玖"
_NUMERALS = str.maketrans(_NUMERAL_CHARS, "001234567891123456789")
# The shortest run read as digits: a QQ number has five; words like 一一, 三五 are shorter.
_MIN_RUN = 5


@dataclass(frozen=True)
class View:
    """``text``: NFKC, invisibles removed, RTL-overridden runs put in reading order.

    ``digits`` is ``text`` with Chinese numerals as ASCII digits (same length); ``origin[i]``
    is the index in ``original`` of ``text[i]``.
    """

    original: str
    text: str
    digits: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering normalised characters ``start:end``."""
        idx = self.origin[start:end]
        return min(idx), max(idx) + 1


def _nfkc(original: str, indices: list[int]) -> tuple[list[str], list[int]]:
    chars: list[str] = []
    origin: list[int] = []
    for i in indices:
        ch = original[i]
        if ch in _INVISIBLE:
            continue
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7F else ch
        for part in folded:
            chars.append(part)
            origin.append(i)
    return chars, origin


def _reading_order(original: str) -> list[int]:
    """Indices of ``original`` in the order a reader sees them (RLO runs reversed)."""
    order: list[int] = []
    i, n = 0, len(original)
    while i < n:
        if original[i] != _RLO:
            order.append(i)
            i += 1
            continue
        j = i + 1
        while j < n and original[j] not in _RLO_END:
            j += 1
        order.append(i)
        order.extend(range(j - 1, i, -1))
        i = j
    return order


def view(original: str) -> View:
    """The detection view of ``original``."""
    if original.isascii():
        ident = tuple(range(len(original)))
        return View(original, original, original, ident)
    order = _reading_order(original) if _RLO in original else list(range(len(original)))
    chars, origin = _nfkc(original, order)
    text = "".join(chars)
    return View(original, text, _numeral_runs(text), tuple(origin))


_NUMERAL_RUN = re.compile(f"[0-9{re.escape(_NUMERAL_CHARS)}]{{{_MIN_RUN},}}")


def _convert(run: str) -> str:
    numerals = sum(1 for c in run if not c.isdigit())
    # "…7890128一直": one numeral glued to digits is the next word, not a digit.
    return run.translate(_NUMERALS) if numerals >= 2 else run


def _numeral_runs(text: str) -> str:
    """Chinese numerals as digits, only in runs long enough to be a number read digit by
    digit: "一三九一一一一〇〇〇三" and "139一一一一0003" are phones; "一直", "一一列举" and
    "二〇一九年" stay words."""
    return _NUMERAL_RUN.sub(lambda m: _convert(m.group()), text)
