"""Personal-data detection and redaction for published text.

Pure functions, no database. ``public_text`` is what the platform publishes for a
message's subject, body or location, ``public_reply_text`` for a staff reply;
``manage.py redact_file`` and ``bench/redaction_eval.py`` call the same functions, so
what is measured is what is published.

The package is split along the steps: ``normalise`` builds the detection view (NFKC,
invisible and bidi characters removed, Chinese numerals as digits) with a map back to the
original characters; ``numbers`` finds phones, ID cards, bank cards, e-mails, plates and
IM accounts; ``names`` finds personal names; ``addresses`` finds household number chains;
``policy`` decides which numbers in a reply are the unit's own public contact. Masks are
applied to the original characters. See docs/redaction.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .addresses import addresses
from .base import KIND_LABELS, NUMBER_KINDS, Finding, RedactionResult, resolve
from .names import (
    cue_names,
    known_names,
    looks_like_name,
    names_before_numbers,
    salutation_names,
    signature_names,
    surname_of,
    titled_names,
)
from .normalise import view
from .numbers import (
    NUMBER_DETECTORS,
    PROVINCES,
    id_check_digit,
    luhn_ok,
    plate_detector,
    valid_id15,
    valid_id18,
)
from .policy import is_official_number

__all__ = [
    "KIND_LABELS",
    "NUMBER_KINDS",
    "PROVINCES",
    "Finding",
    "RedactionResult",
    "find_personal_data",
    "id_check_digit",
    "luhn_ok",
    "mask_for",
    "normalize_whitespace",
    "public_reply_text",
    "public_text",
    "redact",
    "valid_id15",
    "valid_id18",
]


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def find_personal_data(
    text: str,
    *,
    author_names: Iterable[str] = (),
    author_nicknames: Iterable[str] = (),
    author_numbers: Iterable[str] = (),
    reply: bool = False,
    plate_prefixes: str = PROVINCES,
) -> list[Finding]:
    """All personal data in ``text``, sorted by position, non-overlapping.

    ``author_names``: the author's real names; ``author_nicknames``: their nicknames (only
    counted when they read as a name); ``author_numbers``: their known phone numbers. ``reply``: the text is
    a staff reply, where the unit's own contact numbers stay public (``policy``).
    ``plate_prefixes``: a dataset adapter may add its anonymised province abbreviation.
    ``start``/``end`` index into ``text`` itself; ``Finding.text`` is the original slice.
    """
    if not text:
        return []
    v = view(text)
    # The real name always counts; a nickname only when it reads as a name ("刘德华", not
    # "热心市民", which would otherwise become "热某").
    own = [n for n in author_names if n] + [n for n in author_nicknames if looks_like_name(n)]
    numbers = [f for detect in NUMBER_DETECTORS for f in detect(v.digits)]
    numbers += list(plate_detector(plate_prefixes)(v.digits))
    numbers += list(_known_numbers(v.digits, author_numbers))
    numbers = resolve(numbers)
    citizen = frozenset(d for d in map(_digits, author_numbers) if len(d) >= 7)
    if reply:
        numbers = [f for f in numbers if not is_official_number(v.digits, f, citizen)]
    found = list(numbers)
    found += cue_names(v.text, reply=reply)
    found += names_before_numbers(v.text, numbers) if not reply else []
    found += titled_names(v.text)
    found += signature_names(v.text) if not reply else []
    found += salutation_names(v.text) if reply else []
    found += known_names(v.text, own)
    found += addresses(v.digits, reply=reply)
    out = []
    for f in resolve(found):
        start, end = v.span(f.start, f.end)
        out.append(Finding(f.kind, start, end, text[start:end], f.reason, f.confidence))
    return resolve(out)


def _known_numbers(digits_text: str, numbers: Iterable[str]) -> list[Finding]:
    found = []
    for number in numbers:
        d = _digits(number)
        if len(d) < 7:
            continue
        for m in re.finditer(r"(?<!\d)" + r"\D{0,3}".join(d) + r"(?!\d)", digits_text):
            kind = "mobile" if re.fullmatch(r"(?:86)?1[3-9]\d{9}", d) else "landline"
            found.append(Finding(kind, m.start(), m.end(), m.group(), "留言人本人的电话号码", 0.99))
    return found


def mask_for(finding: Finding) -> str:
    """What replaces a finding in published text."""
    if finding.kind == "name":
        name = "".join(c for c in finding.text if "\u4e00" <= c <= "\u9fff")
        return surname_of(name) + "某" if name else "某某"
    return f"【已隐去{KIND_LABELS[finding.kind]}】"


def redact(
    text: str,
    *,
    author_names: Iterable[str] = (),
    author_nicknames: Iterable[str] = (),
    author_numbers: Iterable[str] = (),
    reply: bool = False,
    plate_prefixes: str = PROVINCES,
) -> RedactionResult:
    """Replace every finding in ``text`` by its mask; findings keep offsets into ``text``."""
    findings = find_personal_data(
        text,
        author_names=author_names,
        author_nicknames=author_nicknames,
        author_numbers=author_numbers,
        reply=reply,
        plate_prefixes=plate_prefixes,
    )
    parts: list[str] = []
    pos = 0
    for f in findings:
        parts.append(text[pos : f.start])
        parts.append(mask_for(f))
        pos = f.end
    parts.append(text[pos:])
    return RedactionResult("".join(parts), findings)


_H_SPACE = re.compile(r"[ \t\u00a0\u3000\u2000-\u200a]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def normalize_whitespace(text: str) -> str:
    """Tidy scraped padding without touching punctuation (unlike NFKC normalisation).

    Runs of spaces, tabs, NBSP and ideographic spaces become one space, lines are
    trimmed and empty lines dropped, so paragraphs survive but "\\n\\t\\t\\t" does not.
    Zero-width characters are left to the detector, which sees through them.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("_x000D_", "")
    lines = (_H_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def public_text(
    text: str,
    *,
    author_names: Iterable[str] = (),
    author_nicknames: Iterable[str] = (),
    author_numbers: Iterable[str] = (),
) -> str:
    """Exactly what the platform publishes for a message's subject or body."""
    return redact(
        normalize_whitespace(text),
        author_names=author_names,
        author_nicknames=author_nicknames,
        author_numbers=author_numbers,
    ).public_text


def public_reply_text(
    text: str,
    *,
    author_names: Iterable[str] = (),
    author_nicknames: Iterable[str] = (),
    author_numbers: Iterable[str] = (),
) -> str:
    """What the platform publishes for a staff reply: the citizen's data goes, the unit's stays."""
    return redact(
        normalize_whitespace(text),
        author_names=author_names,
        author_nicknames=author_nicknames,
        author_numbers=author_numbers,
        reply=True,
    ).public_text
