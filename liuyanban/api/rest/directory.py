"""Directory reads (organisations, boards, domains, kinds) and a board's counts by status."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from liuyanban.core.errors import NotFound
from liuyanban.lifecycle.models import ANSWERED_STATUSES, PUBLIC_STATUSES, Message, Status
from liuyanban.organizations.models import Board, Organization
from liuyanban.taxonomy.models import Domain, Kind

from ..auth import OPTIONAL
from .errors import ERROR_RESPONSES

router = Router(tags=["directory"])


class OrganizationOut(Schema):
    code: str
    name: str
    name_en: str
    short_name: str
    kind: str
    level: str
    parent: str | None
    region: str | None


class OrganizationPageOut(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None


class OrganizationFilters(Schema):
    parent: str | None = Field(None, max_length=64, description="children of this code")
    search: str | None = Field(None, max_length=50, description="in the name")
    cursor: str | None = Field(None, max_length=20)
    limit: int = Field(50, ge=1, le=200)


def _organization(org: Organization) -> dict[str, object]:
    return {
        "code": org.code,
        "name": org.local_name,
        "name_en": org.name_en,
        "short_name": org.short_name,
        "kind": org.kind,
        "level": org.level,
        "parent": org.parent.code if org.parent else None,
        "region": org.region.code if org.region else None,
    }


@router.get("/organizations", response={200: OrganizationPageOut, **ERROR_RESPONSES}, auth=OPTIONAL)
def list_organizations(
    request: HttpRequest, filters: Query[OrganizationFilters]
) -> dict[str, object]:
    """Active bodies and units, by id; ``cursor`` is the last id seen."""
    qs = Organization.objects.filter(is_active=True).select_related("parent", "region")
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    if filters.search:
        qs = qs.filter(name__icontains=filters.search)
    if filters.cursor and filters.cursor.isdigit():
        qs = qs.filter(pk__gt=int(filters.cursor))
    rows = list(qs.order_by("pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [_organization(o) for o in rows],
        "next_cursor": str(rows[-1].pk) if more and rows else None,
    }


@router.get(
    "/organizations/{code}", response={200: OrganizationOut, **ERROR_RESPONSES}, auth=OPTIONAL
)
def get_organization(request: HttpRequest, code: str) -> dict[str, object]:
    """One body or unit by code."""
    org = (
        Organization.objects.filter(code=code, is_active=True)
        .select_related("parent", "region")
        .first()
    )
    if org is None:
        raise NotFound()
    return _organization(org)


class BoardOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    organization: str
    leader_title: str
    leader_name: str


class BoardFilters(Schema):
    organization: str | None = Field(None, max_length=64, description="boards of this body")
    search: str | None = Field(None, max_length=50)


def _board(board: Board) -> dict[str, object]:
    return {
        "code": board.code,
        "name": board.local_name,
        "name_en": board.name_en,
        "kind": board.kind,
        "organization": board.organization.code,
        "leader_title": board.leader_title,
        "leader_name": board.leader_name,
    }


@router.get("/boards", response={200: list[BoardOut], **ERROR_RESPONSES}, auth=OPTIONAL)
def list_boards(request: HttpRequest, filters: Query[BoardFilters]) -> list[dict[str, object]]:
    """Active boards (at most 500; narrow by organisation or name)."""
    qs = Board.objects.filter(is_active=True).select_related("organization")
    if filters.organization:
        qs = qs.filter(organization__code=filters.organization)
    if filters.search:
        qs = qs.filter(name__icontains=filters.search)
    return [_board(b) for b in qs[:500]]


@router.get("/boards/{code}", response={200: BoardOut, **ERROR_RESPONSES}, auth=OPTIONAL)
def get_board(request: HttpRequest, code: str) -> dict[str, object]:
    """One board by code."""
    board = Board.objects.filter(code=code, is_active=True).select_related("organization").first()
    if board is None:
        raise NotFound()
    return _board(board)


class BoardStatsOut(Schema):
    board: str
    total: int
    open: int
    answered: int
    by_status: dict[str, int]


@router.get("/boards/{code}/stats", response={200: BoardStatsOut, **ERROR_RESPONSES}, auth=OPTIONAL)
def board_stats(request: HttpRequest, code: str) -> dict[str, object]:
    """Public messages of a board counted by status (hidden statuses are not counted)."""
    board = Board.objects.filter(code=code, is_active=True).first()
    if board is None:
        raise NotFound()
    rows = (
        Message.objects.filter(board=board, status__in=PUBLIC_STATUSES, canonical__isnull=True)
        .values("status")
        .annotate(n=Count("pk"))
    )
    by_status = {s.value: 0 for s in Status if s in PUBLIC_STATUSES}
    by_status.update({r["status"]: r["n"] for r in rows})
    answered = sum(n for s, n in by_status.items() if s in ANSWERED_STATUSES)
    total = sum(by_status.values())
    return {
        "board": board.code,
        "total": total,
        "open": total - answered,
        "answered": answered,
        "by_status": by_status,
    }


class DomainOut(Schema):
    code: str
    name: str
    name_en: str
    parent: str | None
    level: int


@router.get("/domains", response={200: list[DomainOut], **ERROR_RESPONSES}, auth=OPTIONAL)
def list_domains(request: HttpRequest) -> list[dict[str, object]]:
    """Active domains (messages use level 1)."""
    qs = Domain.objects.filter(is_active=True).select_related("parent").order_by("level", "pk")
    return [
        {
            "code": d.code,
            "name": d.name,
            "name_en": d.name_en,
            "parent": d.parent.code if d.parent else None,
            "level": d.level,
        }
        for d in qs.filter(Q(level__lte=2))
    ]


class KindOut(Schema):
    code: str
    name: str
    name_en: str


@router.get("/kinds", response={200: list[KindOut], **ERROR_RESPONSES}, auth=OPTIONAL)
def list_kinds(request: HttpRequest) -> list[dict[str, object]]:
    """Kinds of messages (complaint, help, question, suggestion, thanks)."""
    return [{"code": k.code, "name": k.name, "name_en": k.name_en} for k in Kind.objects.all()]
