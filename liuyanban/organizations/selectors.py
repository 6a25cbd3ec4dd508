"""Reads of the directory. The directory is public: no permission filter is needed here."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Q, QuerySet

from .models import Board, Level, Organization, OrgKind, RegionCorrection


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
    """Boards first, then bodies, whose name or pinyin contains the query.

    A region's former name (宁乡县, corrected to 宁乡市) still finds the region's
    party committee, government and their boards.
    """
    q = query.strip().lower()
    if not q:
        return []
    names = Q(name__icontains=q) | Q(pinyin__icontains=q.replace(" ", ""))
    board_match, org_match = names, names
    renamed = list(
        RegionCorrection.objects.filter(former_name__icontains=q).values_list("code", flat=True)
    )
    if renamed:
        board_match |= Q(organization__region__code__in=renamed)
        org_match |= Q(region__code__in=renamed, kind__in=[OrgKind.PARTY, OrgKind.GOVERNMENT])
    boards = list(
        Board.objects.filter(board_match, is_active=True).select_related("organization")[:limit]
    )
    orgs = list(
        Organization.objects.filter(org_match, is_active=True)[: max(0, limit - len(boards))]
    )
    return [*boards, *orgs]


def central_body() -> Organization | None:
    """The platform's root (中央), whose ministries have boards of their own."""
    return Organization.objects.filter(
        kind=OrgKind.PLATFORM, parent__isnull=True, is_active=True
    ).first()


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
    owners = [org, *region_bodies]
    if org.kind == OrgKind.PLATFORM:
        # 中央 has no board of its own: its page lists the central bodies' boards.
        owners += [c for c in children if c.kind == OrgKind.MINISTRY]
    return {
        "boards": list(
            Board.objects.filter(organization__in=owners, is_active=True).select_related(
                "organization"
            )
        ),
        "units": [c for c in children if c.kind == OrgKind.DEPARTMENT],
        "sub_governments": [c for c in children if c.kind != OrgKind.DEPARTMENT],
        "siblings": region_bodies,
        "ancestors": ancestors,
    }
