"""Keyset pages: newest (or largest) first on a few fields and the primary key, by cursor.

One implementation for every list that pages by cursor (public messages, a citizen's
own messages, campaign suggestions). The cursor is opaque to callers: the key values
of the last row, joined and base64-encoded. The keys are read descending; the last key
must be unique (the primary key), so no row is skipped or repeated between pages.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from .errors import InvalidInput

T = TypeVar("T", bound=Model)

MAX_LIMIT = 100
_SEP = "|"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset-paginated list; ``next_cursor`` is None on the last page."""

    items: list[T]
    next_cursor: str | None


def _text(value: object) -> str:
    iso = getattr(value, "isoformat", None)
    return str(iso() if iso is not None else value)


def encode_cursor(values: Sequence[object]) -> str:
    """The cursor after a row whose keys have ``values``."""
    raw = _SEP.join(_text(v) for v in values)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(model: type[Model], keys: Sequence[str], cursor: str) -> list[Any] | None:
    """The key values in ``cursor``, parsed by the model's fields; None when it does not fit."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    parts = raw.split(_SEP)
    if len(parts) != len(keys):
        return None
    out = []
    for key, part in zip(keys, parts, strict=True):
        field = model._meta.pk if key == "pk" else model._meta.get_field(key)
        try:
            value = field.to_python(part)  # type: ignore[union-attr]
        except ValidationError:
            return None
        # A number no database column holds (SQLite raises on one) fits no row.
        if value is None or (isinstance(value, int) and not -(2**63) <= value < 2**63):
            return None
        out.append(value)
    return out


def after(qs: QuerySet[T], keys: Sequence[str], values: Sequence[Any]) -> QuerySet[T]:
    """Rows strictly after ``values`` in descending ``keys`` order."""
    q = Q()
    for i, key in enumerate(keys):
        step = Q(**{f"{key}__lt": values[i]})
        for prev, value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{prev: value})
        q |= step
    return qs.filter(q)


BAD_CURSOR = "翻页标记无效，请从第一页开始"


def keyset_page(
    qs: QuerySet[T],
    *,
    keys: Sequence[str],
    cursor: str | None,
    limit: int,
    strict: bool = False,
) -> Page[T]:
    """One page of ``qs`` ordered by descending ``keys``; fetch one extra row to know if there is more.

    A cursor that does not fit starts from the top, or (``strict``) is the field error
    ``cursor`` — for an API whose callers should learn they sent something wrong.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor:
        values = decode_cursor(qs.model, keys, cursor)
        if values is not None:
            qs = after(qs, keys, values)
        elif strict:
            raise InvalidInput(fields={"cursor": [BAD_CURSOR]})
    rows = list(qs.order_by(*(f"-{k}" for k in keys))[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    nxt = encode_cursor([getattr(last, k) for k in keys]) if last is not None else None
    return Page(rows, nxt)
