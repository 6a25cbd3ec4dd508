"""Which rollup rows a message feeds (``GRAINS``) and the fold cursor's lock.

Shared by the incremental fold (``rollups``) and the set-based rebuild (``rebuild``):
both derive every row they write from these declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from liuyanban.organizations.models import Organization, Region

from .models import DIMENSIONS, Cursor, Grain

CURSOR = "rollups"
# An event id skipped by the cursor is waited for this long (seconds), then forgotten.
MAX_GAP = 1000


# How a grain keeps a region or an office (``GrainRows.region`` / ``GrainRows.office``).
OWN = "own"  # the message's own
TOP = "top"  # its top-level region (a province)
UPPER = "upper"  # its region cut to the two top levels (the prefecture above a county)
EVERY = "every"  # itself and each one above it: one row per level


@dataclass(frozen=True)
class GrainRows:
    """The rows of one grain: the day or its month, and the dimensions kept (others 0).

    ``region`` and ``office`` say which region or office a kept ``region_id`` or
    ``office_id`` holds (``OWN``, ``TOP``, ``UPPER``, ``EVERY``; ``region_keys`` and
    ``office_keys``). With ``EVERY`` a message feeds a row for its own region (office)
    and one for each above it, so a scope's figures are the rows of the scope's own id,
    not the sum of every row below it.
    """

    grain: str
    monthly: bool
    keep: tuple[str, ...]
    region: str = OWN
    office: str = OWN

    @property
    def top_region(self) -> bool:
        return self.region == TOP

    def mapped(self) -> list[tuple[str, str]]:
        """The kept dimensions whose values are mapped: (dimension, how)."""
        return [
            (d, mode)
            for d, mode in (("region_id", self.region), ("office_id", self.office))
            if d in self.keep and mode != OWN
        ]

    def keys(self, dimension: str, value: int) -> tuple[int, ...]:
        """The values this grain keeps for a message's ``dimension`` = ``value``."""
        if dimension == "region_id":
            return region_keys(self.region, value)
        if dimension == "office_id":
            return office_keys(self.office, value)
        return (value,)


# Day and month rows keep every dimension; the four platform-wide month cubes one each;
# the region and office cubes the scope's dimension at every level and one breakdown
# (``selectors.CUBES``): a province reads its own rows, not those of every county in it.
GRAINS: tuple[GrainRows, ...] = (
    GrainRows(Grain.DAY, False, DIMENSIONS),
    GrainRows(Grain.MONTH, True, DIMENSIONS),
    GrainRows(Grain.KIND, True, ("kind_id",)),
    GrainRows(Grain.DOMAIN_REGION, True, ("domain_id", "region_id"), region=TOP),
    GrainRows(Grain.BOARD, True, ("board_id",)),
    GrainRows(Grain.OFFICE, True, ("office_id",)),
    GrainRows(Grain.REGION_KIND, True, ("region_id", "kind_id"), region=EVERY),
    GrainRows(Grain.REGION_DOMAIN, True, ("region_id", "domain_id"), region=EVERY),
    GrainRows(Grain.REGION_BOARD, True, ("region_id", "board_id"), region=EVERY),
    GrainRows(Grain.REGION_OFFICE, True, ("region_id", "office_id"), region=EVERY),
    GrainRows(Grain.OFFICE_KIND, True, ("office_id", "kind_id"), office=EVERY),
    # The region as the heat table of a body shows it: province, or prefecture below it.
    GrainRows(Grain.OFFICE_DOMAIN, True, ("office_id", "domain_id", "region_id"), UPPER, EVERY),
    GrainRows(Grain.OFFICE_BOARD, True, ("office_id", "board_id"), office=EVERY),
)


@lru_cache(maxsize=1)
def _region_parents() -> dict[int, int | None]:
    return dict(Region.objects.values_list("pk", "parent_id"))


def _chain(parents: Callable[[], dict[int, int | None]], pk: int) -> tuple[int, ...]:
    """``pk`` and each node above it, nearest first (from a cached parent map)."""
    links = parents()
    if pk not in links:  # a node added since the cache was filled
        parents.cache_clear()  # type: ignore[attr-defined]
        links = parents()
    out = [pk]
    while links.get(out[-1]) is not None:
        out.append(links[out[-1]])  # type: ignore[arg-type]
    return tuple(out)


def top_region(region_id: int) -> int:
    """The top-level region (a province) above ``region_id``; 0 for none."""
    return _chain(_region_parents, region_id)[-1] if region_id else 0


def region_keys(how: str, region_id: int) -> tuple[int, ...]:
    """The region ids a grain keeping regions ``how`` keeps for ``region_id`` (0: none)."""
    if not region_id or how == OWN:
        return (region_id,)
    chain = _chain(_region_parents, region_id)
    if how == TOP:
        return (chain[-1],)
    if how == UPPER:
        return (chain[-2] if len(chain) >= 2 else chain[-1],)
    return chain


@lru_cache(maxsize=1)
def _office_parents() -> dict[int, int | None]:
    return dict(Organization.objects.values_list("pk", "parent_id"))


def office_keys(how: str, office_id: int) -> tuple[int, ...]:
    """The office ids a grain keeping offices ``how`` keeps for ``office_id``."""
    if how == OWN or not office_id:
        return (office_id,)
    return _chain(_office_parents, office_id)


def locked_cursor() -> Cursor:
    Cursor.objects.get_or_create(name=CURSOR)
    return Cursor.objects.select_for_update().get(name=CURSOR)
