"""The national directory wanted for a set of divisions: regions, bodies, boards (as specs).

Pure planning: nothing here writes; ``load_directory`` hands the plan to ``sync``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from liuyanban.core.text.pinyin import pinyin_key

from .. import english
from ..defaults import CENTRAL_BODIES, CENTRAL_BODIES_EN
from ..models import BoardKind, Level, OrgKind, UnitTemplate
from .divisions import EXCLUDED_PROVINCES, Division, parent_code
from .sync import REGION_BODY_FIELDS, BoardSpec, OrgSpec, RegionSpec

ROOT_CODE = "CN"
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


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
        _region_plan(plan, division, parent_code(division, codes), templates)
    return plan
