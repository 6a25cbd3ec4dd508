"""Names in the active language: one property every named model shares."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language


def in_english() -> bool:
    """Whether the request (or the code path) is rendering English."""
    return (get_language() or "").lower().startswith("en")


class LocalizedName:
    """``local_name``: the English name when English is active and one is known, else ``name``.

    Mixed into every model with a ``name`` and a ``name_en`` (domains, kinds, regions, bodies,
    boards, unit templates), so templates, the REST API and Open311 call the same property.
    """

    name: str
    name_en: str

    @property
    def local_name(self) -> str:
        if self.name_en and in_english():
            return self.name_en
        return self.name


def local_names(queryset: QuerySet[Any]) -> dict[int, str]:
    """``{pk: local_name}`` for a queryset of named rows (one query, two columns)."""
    return {row.pk: row.local_name for row in queryset.only("pk", "name", "name_en")}
