"""Bulk writes of the directory: an idempotent tree sync, and the national loader.

Two callers share the sync: ``load_directory`` (the national tree built from
administrative division codes) and ``importing`` (an operator's CSV/XLSX file).
Both describe the wanted state as *specs*; the sync compares them with the rows
in the database and creates, updates or leaves them, level by level, with bulk
queries. It never deletes: retiring a body is an administrator's decision.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from liuyanban.core.progress import Tracker, advance, begin
from liuyanban.taxonomy.models import Domain

from . import english
from .defaults import CENTRAL_BODIES, CENTRAL_BODIES_EN
from .models import Board, BoardKind, Level, Organization, OrgKind, Region, UnitTemplate

# SQLite refuses statements with more than 32,766 parameters; stay well below.
CHUNK = 2000
ROOT_CODE = "CN"
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# Hong Kong, Macao and Taiwan have no party committees or people's governments
# of the mainland kind, so the directory of boards leaves them out.
EXCLUDED_PROVINCES = frozenset({"71", "81", "82"})
# Grouping rows of the code table that are not regions of their own: their
# counties hang directly under the province (北京市辖区, 省直辖县级行政区划 …).
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


# --- pinyin -------------------------------------------------------------------


@lru_cache(maxsize=65536)
def pinyin_parts(text: str) -> tuple[str, str]:
    """Full toneless pinyin and initials of ``text`` ("长沙市" → "changshashi", "css")."""
    from pypinyin import Style, lazy_pinyin  # heavy dictionaries: load on first use

    full = "".join(lazy_pinyin(text)).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
    return full, initials


def pinyin_key(*parts: str) -> str:
    """The search key for a name made of ``parts``: "changshashi css".

    Names are composed of a few repeating parts (region + unit), so each part is
    converted once and cached; the national load converts ~4,000 strings, not 60,000.
    """
    pairs = [pinyin_parts(p) for p in parts if p]
    return "{} {}".format("".join(f for f, _ in pairs), "".join(i for _, i in pairs))


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


# --- the national directory ---------------------------------------------------


@dataclass(frozen=True)
class Division:
    """One row of the administrative code table, normalised to a 6-digit code."""

    code: str
    name: str
    longitude: float | None
    latitude: float | None

    @property
    def province(self) -> str:
        return self.code[:2]

    @property
    def level(self) -> str:
        if self.code[2:] == "0000":
            return Level.PROVINCE
        if self.code[4:] == "00":
            return Level.PREFECTURE
        return Level.COUNTY


def cpca_source() -> Path:
    """The code table shipped with cpca (3,511 adcodes with coordinates)."""
    import cpca  # pulls in pandas: only when the directory is loaded

    return Path(cpca.__file__).parent / "resources" / "adcodes.csv"


def _coordinate(value: str | None) -> float | None:
    return float(value) if value and value.strip() else None


def read_divisions(source: Path) -> list[Division]:
    """Rows of an ``adcode,name,longitude,latitude`` table (6- or 12-digit codes).

    Placeholder rows are dropped; a row whose 6-digit code appears twice keeps the first.
    """
    seen: dict[str, Division] = {}
    with source.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            raw = (row.get("adcode") or row.get("code") or "").strip()
            name = (row.get("name") or "").strip()
            if len(raw) not in (6, 12) or not raw.isdigit() or raw[6:].strip("0"):
                raise ValueError(f"{source}: 无效的区划代码 “{raw}”（应为 6 或 12 位数字）")
            code = raw[:6]
            if name in PLACEHOLDER_NAMES or name.endswith("直辖县级行政区划"):
                continue
            seen.setdefault(
                code,
                Division(
                    code, name, _coordinate(row.get("longitude")), _coordinate(row.get("latitude"))
                ),
            )
    return sorted(seen.values(), key=lambda d: d.code)


def _parent_code(division: Division, codes: set[str]) -> str | None:
    """The region above: the prefecture if it exists, else the province (municipalities)."""
    if division.level == Level.PROVINCE:
        return None
    prefecture = division.code[:4] + "00"
    if division.level == Level.COUNTY and prefecture in codes:
        return prefecture
    return division.code[:2] + "0000"


def join_title(place: str, title: str) -> str:
    """A leader's board name: 湖南省 + 省长 → 湖南省长, 内蒙古自治区 + 党委书记 → …党委书记."""
    if place.endswith("自治区") and title.startswith("自治区"):
        return place + title[3:]
    if place.endswith("地区") and title.startswith("地委"):
        return place[:-2] + title
    if place and title and place[-1] == title[0]:
        return place + title[1:]
    return place + title


@dataclass(frozen=True)
class RegionStyle:
    """How a region's bodies are called: party committee, government, leader titles."""

    party: str
    government: str
    secretary: str
    head: str


def region_style(division: Division) -> RegionStyle:
    """Names of the two bodies and the two leader titles of a region."""
    name = division.name
    if division.level == Level.PROVINCE:
        if name.endswith("自治区"):
            return RegionStyle(
                f"中共{name}委员会", f"{name}人民政府", "自治区党委书记", "自治区主席"
            )
        if division.province in MUNICIPALITIES:
            return RegionStyle(f"中共{name}委", f"{name}人民政府", "市委书记", "市长")
        return RegionStyle(f"中共{name}委", f"{name}人民政府", "省委书记", "省长")
    # 地区 and 盟 are run by an office of the province (行政公署) under a 专员 / 盟长.
    for suffix, party, head in (("地区", "地委", "专员"), ("盟", "盟委", "盟长")):
        if name.endswith(suffix) and division.level == Level.PREFECTURE:
            stem = name.removesuffix(suffix)
            return RegionStyle(f"中共{stem}{party}", f"{name}行政公署", f"{party}书记", head)
    for suffix, unit, head in (
        ("自治州", "州", "州长"),
        ("自治县", "县", "县长"),
        ("自治旗", "旗", "旗长"),
        ("林区", "区", "区长"),
        ("特区", "区", "区长"),
        ("县", "县", "县长"),
        ("区", "区", "区长"),
        ("旗", "旗", "旗长"),
        ("市", "市", "市长"),
    ):
        if name.endswith(suffix):
            return RegionStyle(f"中共{name}委", f"{name}人民政府", f"{unit}委书记", head)
    return RegionStyle(f"中共{name}委", f"{name}人民政府", "党委书记", "行政首长")


@dataclass(frozen=True)
class Template:
    """An active UnitTemplate, read once."""

    code: str
    name: str
    province_suffix: str
    local_suffix: str
    domain_codes: tuple[str, ...]
    name_en: str = ""


def active_templates() -> list[Template]:
    """The unit templates every government gets, in their sort order."""
    return [
        Template(
            t.code,
            t.name,
            t.province_suffix,
            t.local_suffix,
            tuple(d.code for d in t.domains.all()),
            t.name_en,
        )
        for t in UnitTemplate.objects.filter(is_active=True).prefetch_related("domains")
    ]


@dataclass
class DirectoryPlan:
    """Everything the national loader wants to exist."""

    regions: list[RegionSpec] = field(default_factory=list)
    organizations: list[OrgSpec] = field(default_factory=list)
    boards: list[BoardSpec] = field(default_factory=list)


def _central_plan(plan: DirectoryPlan) -> None:
    plan.organizations.append(
        OrgSpec(
            ROOT_CODE,
            "中央",
            OrgKind.PLATFORM,
            Level.CENTRAL,
            None,
            short_name="中央",
            pinyin=pinyin_key("中央"),
            owned=REGION_BODY_FIELDS,
            name_en=english.CENTRAL,
        )
    )
    for code, name, domains in CENTRAL_BODIES:
        plan.organizations.append(
            OrgSpec(
                code,
                name,
                OrgKind.MINISTRY,
                Level.CENTRAL,
                ROOT_CODE,
                short_name=name,
                pinyin=pinyin_key(name),
                domain_codes=tuple(domains),
                owned=REGION_BODY_FIELDS,
                name_en=CENTRAL_BODIES_EN.get(code, ""),
            )
        )
        plan.boards.append(
            BoardSpec(
                code,
                name,
                BoardKind.BODY,
                code,
                pinyin=pinyin_key(name),
                name_en=CENTRAL_BODIES_EN.get(code, ""),
            )
        )


def _unit_suffix(division: Division, template: Template) -> str:
    """厅 for a province's unit, 局 below (municipalities count as local)."""
    provincial = division.level == Level.PROVINCE and division.province not in MUNICIPALITIES
    return template.province_suffix if provincial else template.local_suffix


def _unit_name(division: Division, template: Template) -> tuple[str, str]:
    """(region part, unit part) of a unit's name: 湖南省 + 住房和城乡建设厅."""
    return division.name, template.name + _unit_suffix(division, template)


def _region_plan(
    plan: DirectoryPlan, division: Division, parent: str | None, templates: list[Template]
) -> None:
    a6, name, style = division.code, division.name, region_style(division)
    party, gov = f"{a6}-dw", f"{a6}-zf"
    up_party, up_gov = (f"{parent}-dw", f"{parent}-zf") if parent else (ROOT_CODE, ROOT_CODE)
    plan.regions.append(
        RegionSpec(
            a6,
            name,
            division.level,
            parent,
            division.longitude,
            division.latitude,
            pinyin_key(name),
            english.place_name(name),
        )
    )
    english_of = {
        party: english.party_committee(name),
        gov: english.government(name, office=style.government.endswith("行政公署")),
    }
    for code, full, up in ((party, style.party, up_party), (gov, style.government, up_gov)):
        plan.organizations.append(
            OrgSpec(
                code,
                full,
                OrgKind.PARTY if code == party else OrgKind.GOVERNMENT,
                division.level,
                up,
                region_code=a6,
                short_name=name,
                pinyin=pinyin_key(full),
                owned=REGION_BODY_FIELDS,
                name_en=english_of[code],
            )
        )
    for order, (code, org, title) in enumerate(
        ((f"{a6}-sj", party, style.secretary), (f"{a6}-zz", gov, style.head))
    ):
        board = join_title(name, title)
        plan.boards.append(
            BoardSpec(
                code,
                board,
                BoardKind.LEADER,
                org,
                leader_title=title,
                pinyin=pinyin_key(board),
                sort_order=order,
                name_en=english.leader_title(title, name),
            )
        )
    plan.boards.append(
        BoardSpec(
            gov,
            style.government,
            BoardKind.BODY,
            gov,
            pinyin=pinyin_key(style.government),
            sort_order=2,
            name_en=english_of[gov],
        )
    )
    for template in templates:
        place, unit = _unit_name(division, template)
        plan.organizations.append(
            OrgSpec(
                f"{gov}-{template.code}",
                place + unit,
                OrgKind.DEPARTMENT,
                division.level,
                gov,
                region_code=a6,
                pinyin=pinyin_key(place, unit),
                domain_codes=template.domain_codes,
                name_en=english.unit(place, template.name_en, _unit_suffix(division, template)),
            )
        )


def plan_directory(
    divisions: Sequence[Division], templates: list[Template], provinces: Sequence[str] = ()
) -> DirectoryPlan:
    """The wanted directory for ``divisions`` (optionally only some provinces)."""
    keep = [
        d
        for d in divisions
        if d.province not in EXCLUDED_PROVINCES and (not provinces or d.province in provinces)
    ]
    codes = {d.code for d in divisions}
    plan = DirectoryPlan()
    _central_plan(plan)
    for division in keep:
        _region_plan(plan, division, _parent_code(division, codes), templates)
    return plan


@dataclass
class LoadReport:
    """What ``load_directory`` did, and how long it took."""

    regions: SyncCounts
    organizations: SyncCounts
    boards: SyncCounts
    seconds: float


def normalise_provinces(provinces: Iterable[str]) -> list[str]:
    """ "43", "430000" or "430000000000" → "43"; anything else is an error."""
    result = []
    for raw in provinces:
        code = raw.strip()
        if not code.isdigit() or len(code) not in (2, 6, 12) or code[2:].strip("0"):
            raise ValueError(f"无效的省级区划代码 “{raw}”（例如 43 或 430000）")
        result.append(code[:2])
    return result


def apply_corrections(divisions: list[Division]) -> list[Division]:
    """The divisions with the operator's name corrections (a dated code table stays usable)."""
    from .models import RegionCorrection

    names = dict(RegionCorrection.objects.values_list("code", "name"))
    if not names:
        return divisions
    return [replace(d, name=names.get(d.code, d.name)) for d in divisions]


def load_directory(
    source: Path | None = None, provinces: Sequence[str] = (), tracker: Tracker | None = None
) -> LoadReport:
    """Build or refresh the national directory from a code table (cpca's by default).

    ``tracker`` (a progress bar) counts records synced, a step (regions, bodies, boards)
    at a time.
    """
    started = time.perf_counter()
    divisions = read_divisions(source or cpca_source())
    wanted = normalise_provinces(provinces)
    known = {d.province for d in divisions if d.level == Level.PROVINCE}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise ValueError(f"区划表中没有这些省级代码：{', '.join(unknown)}")
    divisions = apply_corrections(divisions)
    with transaction.atomic():
        plan = plan_directory(divisions, active_templates(), wanted)
        begin(tracker, len(plan.regions) + len(plan.organizations) + len(plan.boards))
        regions = sync_regions(plan.regions)
        advance(tracker, len(plan.regions))
        organizations = sync_organizations(plan.organizations)
        advance(tracker, len(plan.organizations))
        boards = sync_boards(plan.boards)
        advance(tracker, len(plan.boards))
    return LoadReport(regions, organizations, boards, time.perf_counter() - started)
