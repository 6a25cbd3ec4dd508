"""Template helpers of the public pages: search-hit highlighting and excerpts.

User text is always escaped first; only the ``<mark>`` tags this code adds are markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

EXCERPT_CHARS = 120


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


@register.filter
def highlight(text: str, terms: Sequence[str] | None) -> SafeString:
    """Escape ``text`` and wrap each occurrence of a search term in ``<mark>``."""
    text = str(text or "")
    pattern = _pattern(terms or [])
    if pattern is None:
        return conditional_escape(text)
    parts: list[tuple[str, str]] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append((text[last : match.start()], match.group(0)))
        last = match.end()
    head = format_html_join("", "{}<mark>{}</mark>", parts)
    return format_html("{}{}", head, text[last:])


@register.filter
def excerpt(text: str, terms: Sequence[str] | None = None) -> str:
    """About 120 characters of ``text``, around the first search term when there is one."""
    text = " ".join(str(text or "").split())
    if len(text) <= EXCERPT_CHARS:
        return text
    pattern = _pattern(terms or [])
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - 30) if match else 0
    end = start + EXCERPT_CHARS
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


@register.filter
def percent(value: float | None) -> str:
    """A rate as "93.5%", or an em dash when there is nothing to count."""
    return "—" if value is None else f"{value:g}%"


@register.filter
def number(value: float | None) -> str:
    """A mean as "4.25", or an em dash."""
    return "—" if value is None else f"{value:g}"


@register.filter
def field_named(form: object, name: str) -> object:
    """``form[name]`` for templates that loop over field names."""
    return form[name]  # type: ignore[index]
