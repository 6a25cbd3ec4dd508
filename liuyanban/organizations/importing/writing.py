"""Writing the organisation rows: specs for the directory sync, boards matched or created."""

from __future__ import annotations

from collections.abc import Sequence

from liuyanban.core.text.pinyin import pinyin_key, pinyin_parts

from .. import english
from ..loading.plan import join_title
from ..loading.sync import (
    BoardSpec,
    OrgSpec,
    SyncCounts,
    chunks,
    fetch_by_code,
    sync_boards,
    sync_organizations,
)
from ..models import Board, BoardKind
from .rows import OrgRow


def org_specs(rows: Sequence[OrgRow], headers: dict[str, str]) -> list[OrgSpec]:
    """Specs owning exactly the columns the file has."""
    owned = {"name", "kind", "level", "pinyin"}
    owned |= {
        column for column in ("short_name", "name_en", "review_before_publish") if column in headers
    }
    if "region_code" in headers:
        owned.add("region")
    return [
        OrgSpec(
            r.code,
            r.name,
            r.kind,
            r.level,
            r.parent_code,
            region_code=r.region_code,
            short_name=r.short_name,
            pinyin=pinyin_key(r.name),
            review_before_publish=r.review,
            domain_codes=tuple(r.domains or ()),
            exact_domains=r.domains is not None,
            owned=frozenset(owned),
            name_en=r.name_en,
        )
        for r in rows
    ]


def _free_codes(candidates: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """Make new board codes unique against the database and each other (-2, -3 …)."""
    result: dict[tuple[str, str], str] = {}
    pending = dict(candidates)
    attempt = 1
    while pending:
        wanted = {
            key: (base if attempt == 1 else f"{base}-{attempt}") for key, base in pending.items()
        }
        taken = set(fetch_by_code(Board, wanted.values())) | set(result.values())
        for key, code in wanted.items():
            if code not in taken and code not in {c for k, c in wanted.items() if k < key}:
                result[key] = code
                del pending[key]
        attempt += 1
    return result


def board_specs(rows: Sequence[OrgRow]) -> list[BoardSpec]:
    """Leader boards matched by (body, title); a body board when asked for."""
    codes = [r.code for r in rows]
    existing: dict[tuple[str, str], Board] = {}
    for part in chunks(codes):
        for board in Board.objects.filter(organization__code__in=part).select_related(
            "organization"
        ):
            title = board.leader_title if board.kind == BoardKind.LEADER else ""
            existing.setdefault((board.organization.code, title), board)
    specs: list[BoardSpec] = []
    fresh: dict[tuple[str, str], BoardSpec] = {}
    for row in rows:
        place = row.short_name or row.name
        wanted = [(t, n) for t, n in row.boards] + ([("", "")] if row.body_board else [])
        for order, (title, leader) in enumerate(wanted):
            found = existing.get((row.code, title))
            if found is not None:
                owned = frozenset({"leader_name"}) if title else frozenset()
                specs.append(
                    BoardSpec(
                        found.code,
                        found.name,
                        found.kind,
                        row.code,
                        found.leader_title,
                        leader if title else found.leader_name,
                        found.pinyin,
                        found.sort_order,
                        owned,
                    )
                )
                continue
            name = join_title(place, title) if title else row.name
            kind = BoardKind.LEADER if title else BoardKind.BODY
            name_en = english.leader_title(title, place) if title else row.name_en
            fresh[(row.code, title)] = BoardSpec(
                "", name, kind, row.code, title, leader, pinyin_key(name), order, name_en=name_en
            )
    bases = {
        key: (f"{key[0]}-{pinyin_parts(key[1])[1][:10]}" if key[1] else key[0]) for key in fresh
    }
    for key, code in _free_codes(bases).items():
        spec = fresh[key]
        specs.append(
            BoardSpec(
                code,
                spec.name,
                spec.kind,
                spec.org_code,
                spec.leader_title,
                spec.leader_name,
                spec.pinyin,
                spec.sort_order,
                name_en=spec.name_en,
            )
        )
    return specs


def write_organizations(
    rows: Sequence[OrgRow], headers: dict[str, str]
) -> tuple[SyncCounts, SyncCounts]:
    """Bodies, then their boards (the caller holds the transaction); counts of each."""
    return sync_organizations(org_specs(rows, headers)), sync_boards(board_specs(rows))
