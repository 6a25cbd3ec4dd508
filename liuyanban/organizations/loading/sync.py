"""The idempotent sync of the directory: wanted state as specs, written level by level.

Two callers share it: ``load_directory`` (the national tree built from administrative
division codes) and ``importing`` (an operator's CSV/XLSX file). Both describe the
wanted state as *specs*; the sync compares them with the rows in the database and
creates, updates or leaves them, level by level, with bulk queries. It never deletes:
retiring a body is an administrator's decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model, Q
from django.utils import timezone

from liuyanban.taxonomy.models import Domain

from ..models import Board, Organization, Region

# SQLite refuses statements with more than 32,766 parameters; stay well below.
CHUNK = 2000

# --- specs and counts ---------------------------------------------------------

REGION_FIELDS = ["name", "name_en", "level", "parent_id", "longitude", "latitude", "pinyin"]
ORG_FIELDS = frozenset({"name", "name_en", "kind", "level", "region", "pinyin"})
# Bodies named after their region also follow a renamed region's short name.
REGION_BODY_FIELDS = ORG_FIELDS | {"short_name"}
BOARD_FIELDS = frozenset(
    {"name", "name_en", "kind", "organization", "leader_title", "pinyin", "sort_order"}
)


@dataclass
class SyncCounts:
    """How many rows a sync created, updated and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return f"新建 {self.created}，更新 {self.updated}，未变 {self.unchanged}"


@dataclass(frozen=True)
class RegionSpec:
    """The wanted state of one Region."""

    code: str
    name: str
    level: str
    parent_code: str | None
    longitude: float | None = None
    latitude: float | None = None
    pinyin: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class OrgSpec:
    """The wanted state of one Organization.

    ``owned`` names the scalar fields this spec decides (besides the parent, which
    it always decides); other fields only get their value when the row is created,
    so a re-run never overwrites what an administrator set by hand.
    """

    code: str
    name: str
    kind: str
    level: str
    parent_code: str | None
    region_code: str | None = None
    short_name: str = ""
    pinyin: str = ""
    review_before_publish: bool | None = None
    domain_codes: tuple[str, ...] = ()
    # True: the domains become exactly ``domain_codes``; False: missing ones are added.
    exact_domains: bool = False
    owned: frozenset[str] = ORG_FIELDS
    name_en: str = ""


@dataclass(frozen=True)
class BoardSpec:
    """The wanted state of one Board (matched by code)."""

    code: str
    name: str
    kind: str
    org_code: str
    leader_title: str = ""
    leader_name: str = ""
    pinyin: str = ""
    sort_order: int = 0
    owned: frozenset[str] = BOARD_FIELDS
    name_en: str = ""


# --- generic helpers ----------------------------------------------------------

M = TypeVar("M", bound=Model)
S = TypeVar("S")


def chunks(items: Sequence[S], size: int = CHUNK) -> Iterator[Sequence[S]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_by_code(model: type[M], codes: Iterable[str]) -> dict[str, M]:
    """Existing rows by code, queried in chunks to respect parameter limits."""
    wanted = sorted(set(codes))
    found: dict[str, M] = {}
    for part in chunks(wanted):
        for obj in model._default_manager.filter(code__in=part):
            found[obj.code] = obj  # type: ignore[attr-defined]
    return found


def depth_order(
    items: Sequence[S], code: Callable[[S], str], parent: Callable[[S], str | None]
) -> list[list[S]]:
    """Items grouped by depth within the batch, so parents are written before children.

    A parent outside the batch (already in the database) counts as depth -1.
    """
    by_code = {code(i): i for i in items}
    depth: dict[str, int] = {}
    for item in items:
        chain: list[str] = []
        node: str | None = code(item)
        while node is not None and node in by_code and node not in depth:
            if node in chain:
                raise ValueError(f"上级关系成环：{' → '.join([*chain, node])}")
            chain.append(node)
            node = parent(by_code[node])
        base = depth.get(node, -1) if node is not None else -1
        for offset, member in enumerate(reversed(chain), start=1):
            depth[member] = base + offset
    groups: dict[int, list[S]] = defaultdict(list)
    for item in items:
        groups[depth[code(item)]].append(item)
    return [groups[d] for d in sorted(groups)]


def _apply(obj: Model, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``obj``; True when anything differed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


# --- regions ------------------------------------------------------------------


def sync_regions(specs: Sequence[RegionSpec]) -> SyncCounts:
    """Create or update regions, parents first."""
    counts = SyncCounts()
    existing = fetch_by_code(Region, (s.code for s in specs))
    outside = {s.parent_code for s in specs if s.parent_code} - {s.code for s in specs}
    ids = {code: r.pk for code, r in fetch_by_code(Region, outside).items()}
    ids.update({code: r.pk for code, r in existing.items()})
    for group in depth_order(specs, lambda s: s.code, lambda s: s.parent_code):
        new, changed = [], []
        for spec in group:
            values = {
                "name": spec.name,
                "name_en": spec.name_en,
                "level": spec.level,
                "parent_id": ids.get(spec.parent_code) if spec.parent_code else None,
                "longitude": spec.longitude,
                "latitude": spec.latitude,
                "pinyin": spec.pinyin,
            }
            obj = existing.get(spec.code)
            if obj is None:
                new.append(Region(code=spec.code, **values))
            elif _apply(obj, values):
                changed.append(obj)
            else:
                counts.unchanged += 1
        for obj in Region.objects.bulk_create(new, batch_size=1000):
            ids[obj.code] = obj.pk
        Region.objects.bulk_update(changed, REGION_FIELDS, batch_size=500)
        counts.created += len(new)
        counts.updated += len(changed)
    return counts


# --- organisations ------------------------------------------------------------


@dataclass
class _OrgState:
    """What the organisation sync knows while it walks the levels."""

    existing: dict[str, Organization]
    ids: dict[str, int]
    paths: dict[str, str]
    region_ids: dict[str, int]
    domain_ids: dict[str, int]
    stale_prefixes: set[str] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)


def _org_state(specs: Sequence[OrgSpec]) -> _OrgState:
    existing = fetch_by_code(Organization, (s.code for s in specs))
    outside = {s.parent_code for s in specs if s.parent_code} - set(existing)
    known = {**fetch_by_code(Organization, outside), **existing}
    return _OrgState(
        existing=existing,
        ids={c: o.pk for c, o in known.items()},
        paths={c: o.path for c, o in known.items()},
        region_ids={
            c: r.pk
            for c, r in fetch_by_code(
                Region, (s.region_code for s in specs if s.region_code)
            ).items()
        },
        domain_ids={
            c: d.pk
            for c, d in fetch_by_code(Domain, (d for s in specs for d in s.domain_codes)).items()
        },
    )


def _org_values(spec: OrgSpec, state: _OrgState) -> dict[str, Any]:
    parent_id = state.ids[spec.parent_code] if spec.parent_code else None
    prefix = state.paths[spec.parent_code] if spec.parent_code else ""
    return {
        "name": spec.name,
        "name_en": spec.name_en,
        "short_name": spec.short_name,
        "kind": spec.kind,
        "level": spec.level,
        "parent_id": parent_id,
        "path": f"{prefix}{spec.code}/",
        "region_id": state.region_ids.get(spec.region_code) if spec.region_code else None,
        "pinyin": spec.pinyin,
        "review_before_publish": spec.review_before_publish,
    }


def _owned_values(spec: OrgSpec, values: dict[str, Any]) -> dict[str, Any]:
    keep = {"parent_id", "path"} | {f"{f}_id" if f == "region" else f for f in spec.owned}
    return {k: v for k, v in values.items() if k in keep}


def _sync_org_group(group: list[OrgSpec], state: _OrgState, counts: SyncCounts) -> None:
    new: list[Organization] = []
    changed: list[Organization] = []
    update_fields: set[str] = set()
    now = timezone.now()
    for spec in group:
        values = _org_values(spec, state)
        obj = state.existing.get(spec.code)
        if obj is None:
            new.append(Organization(code=spec.code, **values))
            continue
        old_path = obj.path
        owned = _owned_values(spec, values)
        if _apply(obj, owned):
            obj.updated_at = now
            changed.append(obj)
            update_fields.update(owned)
            state.touched.add(spec.code)
            if obj.path != old_path:
                state.stale_prefixes.add(old_path)
        state.paths[spec.code] = obj.path
    for obj in Organization.objects.bulk_create(new, batch_size=1000):
        state.ids[obj.code] = obj.pk
        state.paths[obj.code] = obj.path
        state.touched.add(obj.code)
    if changed:
        Organization.objects.bulk_update(changed, [*update_fields, "updated_at"], batch_size=500)
    counts.created += len(new)


def _sync_org_domains(specs: Sequence[OrgSpec], state: _OrgState) -> None:
    """Add missing domain links (and drop extra ones for exact specs)."""
    through = Organization.domains.through
    wanted = {
        state.ids[s.code]: {state.domain_ids[d] for d in s.domain_codes if d in state.domain_ids}
        for s in specs
    }
    exact = {state.ids[s.code] for s in specs if s.exact_domains}
    have: dict[int, set[int]] = defaultdict(set)
    for part in chunks(sorted(wanted)):
        for org_id, domain_id in through.objects.filter(organization_id__in=part).values_list(
            "organization_id", "domain_id"
        ):
            have[org_id].add(domain_id)
    code_of = {state.ids[s.code]: s.code for s in specs}
    links, drop = [], Q(pk__in=[])
    for org_id, domains in wanted.items():
        missing = domains - have[org_id]
        extra = have[org_id] - domains if org_id in exact else set()
        links += [through(organization_id=org_id, domain_id=d) for d in missing]
        if extra:
            drop |= Q(organization_id=org_id, domain_id__in=extra)
        if missing or extra:
            state.touched.add(code_of[org_id])
    through.objects.bulk_create(links, batch_size=2000)
    through.objects.filter(drop).delete()


def repair_paths(stale_prefixes: set[str]) -> int:
    """Recompute ``path`` below bodies that moved; returns how many rows were fixed.

    Rows written in the same run may have copied a parent's old path, so every
    row still under an old prefix is recomputed from its parent, top-down.
    """
    if not stale_prefixes:
        return 0
    stale: dict[int, Organization] = {}
    for part in chunks(sorted(stale_prefixes), 200):
        query = Q()
        for prefix in part:
            query |= Q(path__startswith=prefix)
        stale.update(
            {o.pk: o for o in Organization.objects.filter(query).only("code", "parent_id", "path")}
        )
    outside = {o.parent_id for o in stale.values() if o.parent_id not in stale}
    parent_paths = dict(Organization.objects.filter(pk__in=outside).values_list("pk", "path"))

    def path_of(org: Organization) -> str:
        if org.parent_id is None:
            return f"{org.code}/"
        parent = stale.get(org.parent_id)
        prefix = parent_paths[org.parent_id] if parent is None else path_of(parent)
        parent_paths[org.pk] = f"{prefix}{org.code}/"
        return parent_paths[org.pk]

    fixed = []
    for org in stale.values():
        new_path = parent_paths.get(org.pk) or path_of(org)
        if new_path != org.path:
            org.path = new_path
            fixed.append(org)
    Organization.objects.bulk_update(fixed, ["path"], batch_size=500)
    return len(fixed)


def sync_organizations(specs: Sequence[OrgSpec]) -> SyncCounts:
    """Create or update organisations (parents first), their domains, and paths below."""
    counts = SyncCounts()
    state = _org_state(specs)
    for group in depth_order(specs, lambda s: s.code, lambda s: s.parent_code):
        _sync_org_group(group, state, counts)
    _sync_org_domains(specs, state)
    repair_paths(state.stale_prefixes)
    counts.updated = len(state.touched) - counts.created
    counts.unchanged = len(specs) - counts.created - counts.updated
    return counts


# --- boards -------------------------------------------------------------------


def sync_boards(specs: Sequence[BoardSpec]) -> SyncCounts:
    """Create or update boards; their organisations must exist already."""
    counts = SyncCounts()
    existing = fetch_by_code(Board, (s.code for s in specs))
    org_ids = {c: o.pk for c, o in fetch_by_code(Organization, (s.org_code for s in specs)).items()}
    new: list[Board] = []
    changed: list[Board] = []
    fields: set[str] = set()
    for spec in specs:
        values = {
            "name": spec.name,
            "name_en": spec.name_en,
            "kind": spec.kind,
            "organization_id": org_ids[spec.org_code],
            "leader_title": spec.leader_title,
            "leader_name": spec.leader_name,
            "pinyin": spec.pinyin,
            "sort_order": spec.sort_order,
        }
        obj = existing.get(spec.code)
        if obj is None:
            new.append(Board(code=spec.code, **values))
            continue
        owned = {k: v for k, v in values.items() if k.removesuffix("_id") in spec.owned}
        if _apply(obj, owned):
            changed.append(obj)
            fields.update(owned)
        else:
            counts.unchanged += 1
    Board.objects.bulk_create(new, batch_size=1000)
    if changed:
        Board.objects.bulk_update(changed, sorted(fields), batch_size=500)
    counts.created, counts.updated = len(new), len(changed)
    return counts
