"""Reads of the directory. The directory is public: no permission filter is needed here."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Q, QuerySet

from .models import Board, Level, Organization, OrgKind


class DirectoryCounts(TypedDict):
    organizations: int
    boards: int
    provinces: int
    prefectures: int
    counties: int


def directory_counts() -> DirectoryCounts:
    """Headline counts of the directory."""
    governments = Organization.objects.filter(kind=OrgKind.GOVERNMENT, is_active=True)
    return {
        "organizations": Organization.objects.filter(is_active=True).count(),
        "boards": Board.objects.filter(is_active=True).count(),
        "provinces": governments.filter(level=Level.PROVINCE).count(),
        "prefectures": governments.filter(level=Level.PREFECTURE).count(),
        "counties": governments.filter(level=Level.COUNTY).count(),
    }


def top_level_governments() -> QuerySet[Organization]:
    """Province-level governments, in region-code order, for the directory's first page."""
    return (
        Organization.objects.filter(kind=OrgKind.GOVERNMENT, level=Level.PROVINCE, is_active=True)
        .select_related("region")
        .order_by("region__code", "code")
    )


def search_directory(query: str, limit: int = 50) -> list[Board | Organization]:
    """Boards first, then bodies, whose name or pinyin contains the query."""
    q = query.strip().lower()
    if not q:
        return []
    match = Q(name__icontains=q) | Q(pinyin__icontains=q.replace(" ", ""))
    boards = list(
        Board.objects.filter(match, is_active=True).select_related("organization")[:limit]
    )
    orgs = list(Organization.objects.filter(match, is_active=True)[: max(0, limit - len(boards))])
    return [*boards, *orgs]


class OrganizationPage(TypedDict):
    boards: list[Board]
    units: list[Organization]
    sub_governments: list[Organization]
    siblings: list[Organization]
    ancestors: list[Organization]


def organization_page(org: Organization) -> OrganizationPage:
    """What the directory shows for one body: boards, units, the bodies below, the way up."""
    children = list(org.children.filter(is_active=True).select_related("region").order_by("code"))
    region_bodies: list[Organization] = []
    if org.region_id is not None:
        # The party committee and the government of one region show each other's boards.
        region_bodies = list(
            Organization.objects.filter(
                region_id=org.region_id,
                kind__in=[OrgKind.PARTY, OrgKind.GOVERNMENT],
                is_active=True,
            ).exclude(pk=org.pk)
        )
    ancestors: list[Organization] = []
    node = org.parent
    while node is not None:
        ancestors.append(node)
        node = node.parent
    ancestors.reverse()
    return {
        "boards": list(
            Board.objects.filter(
                organization__in=[org, *region_bodies], is_active=True
            ).select_related("organization")
        ),
        "units": [c for c in children if c.kind == OrgKind.DEPARTMENT],
        "sub_governments": [c for c in children if c.kind != OrgKind.DEPARTMENT],
        "siblings": region_bodies,
        "ancestors": ancestors,
    }
