"""Ranked hot issues with a place/population label and a one-line problem description."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from liuyanban.core.text.chinese import normalize

from . import places
from .features import HotInput
from .heat import Heat, heat
from .index import Group, HotIssueIndex

# Opening and closing phrases of titles that say how, not what, is being asked.
_LEAD = re.compile(
    r"^(?:关于|反映|投诉|举报|实名举报|请问|咨询|建议|请求|恳请|希望|强烈|再次|请|对|给|要求|呼吁|求助|感谢"
    r"|的|在|至|于|和|与|及|之|从|到|段)+"
)
# "的问题" says "a problem of", a bare "问题" after a noun is the problem itself ("严重质量
# 问题", "存在一系列问题"), and a question mark word keeps a question a question ("合理吗").
_TAIL = re.compile(r"(?:的问题|的投诉|的建议|的反映|了|的)+$")
# A place right after these is where something should go ("南延至生态动物园"): part of
# what is asked, so it stays in the description.
_TOWARDS = ("至", "到", "往", "向")
# After these a place stays only when it ends a part: "坚决反对在…小区" must not leave
# "坚决反对在", while "坚决反对在…小区门口设置医院" reads well as "坚决反对在门口设置医院".
_AT = ("在", "于", "把", "给")
# People too vague to label an issue: nearly every message is from residents ("…附近的居民"),
# so "长沙市居民" or "城东幼儿园居民" says nothing more than "长沙市".
_VAGUE_POPULATIONS = frozenset(["居民"])
_PUNCT = re.compile(r"[\s,，。.!！?？:：;；、\"“”'‘’()（）【】\[\]《》<>…~·]+")
_ROAD_SUFFIXES = ("路", "街", "大道", "巷")
_ASIDE = re.compile(r"[(（【\[][^)）】\]]*[)）】\]]")


@dataclass(frozen=True)
class HotIssue:
    """One ranked issue: the two challenge tables are views of a list of these."""

    rank: int
    group_id: int
    heat: Heat
    start: datetime
    end: datetime
    place: str
    description: str
    members: list[HotInput]


def hot_issues(
    index: HotIssueIndex, *, now: datetime | None = None, top: int = 5, min_messages: int = 2
) -> list[HotIssue]:
    """The ``top`` hottest groups with at least ``min_messages`` messages.

    ``now`` defaults to the latest message in the index, so an archive is ranked as it
    stood when its last message came in.
    """
    groups = [g for g in index.groups.values() if len(g.members) >= min_messages]
    if not groups:
        return []
    ref = now or max(g.last for g in index.groups.values())
    scored = sorted(((heat(g.members, ref), g) for g in groups), key=lambda p: -p[0].score)
    return [
        HotIssue(
            rank=rank,
            group_id=g.id,
            heat=h,
            start=g.first,
            end=g.last,
            place=place_label(g),
            description=describe(g),
            members=sorted(g.members, key=lambda m: m.at),
        )
        for rank, (h, g) in enumerate(scored[:top], start=1)
    ]


def place_label(group: Group) -> str:
    """ "A市A5区魅力之城小区", or "A市经济学院学生" when the issue is a school's students."""
    city = _most_common(c for c in group.admin.elements() if c.endswith("市")) or _most_common(
        c for c in group.admin.elements() if c.endswith("省")
    )
    district = _most_common(group.districts.elements())
    name = _main_place(group)
    label = (city or "") + (district or "") + (name or "")
    school = name is not None and places.is_school(name)
    population = _most_common(
        p
        for p in group.populations.elements()
        if p not in _VAGUE_POPULATIONS and (not school or p in places.SCHOOL_POPULATIONS)
    )
    wants_people = name is None or school
    if population and wants_people and group.populations[population] * 2 >= len(group.members):
        label += population
    return label or "未识别地点"


def _main_place(group: Group) -> str | None:
    """The place most members name; roads count half, since an estate on a road is the
    more specific answer."""
    if not group.places:
        return None

    def weight(item: tuple[str, int]) -> float:
        name, count = item
        return count * (0.5 if name.endswith(_ROAD_SUFFIXES) else 1.0)

    return max(group.places.items(), key=weight)[0]


def _most_common(items: object) -> str | None:
    counts = Counter(items)  # type: ignore[call-overload]
    return counts.most_common(1)[0][0] if counts else None


def describe(group: Group) -> str:
    """One line of the problem: the most central title without place, admin and asking
    words, cut only between words; a title that leaves almost nothing gives way to the next."""
    order = sorted(range(len(group.members)), key=lambda i: -_centrality(group, i))
    names = list(group.places)
    for i in order[:5]:
        text = clean_title(normalize(group.members[i].title), names)
        if len(text) >= MIN_DESCRIPTION:
            return text
    return normalize(group.members[order[0]].title)


MIN_DESCRIPTION = 4


def _centrality(group: Group, i: int) -> float:
    terms = group.titles[i]
    if not terms:
        return 0.0
    return sum(group.centroid.get(t, 0.0) for t in set(terms)) / len(set(terms)) ** 0.5


def _ends_part(text: str, end: int) -> bool:
    """Whether nothing but punctuation follows ``end`` up to the end of its part."""
    rest = _PUNCT.split(text[end:], maxsplit=1)[0]
    return not _TAIL.sub("", rest)


def clean_title(title: str, names: list[str]) -> str:
    """Strip asides in brackets, admin names, the named places and asking words from a
    title; a word that a place name only partly covers stays whole ("广场舞音响扰民" after
    "体育中心广场", "道路破损" after "长青街道"), and the text is never cut inside a word."""
    text = places.strip_admin(_ASIDE.sub(" ", title))
    gone = [False] * len(text)
    cores = [places.split_suffix(n)[0] for n in names]
    kept_spans: list[tuple[int, int]] = []
    for name in sorted([*names, *(c for c in cores if len(c) >= 3)], key=len, reverse=True):
        for m in re.finditer(re.escape(name), text):
            if any(a <= m.start() and m.end() <= b for a, b in kept_spans):
                continue  # inside a place that stays ("生态动物园" holds "动物园")
            before = text[m.start() - 1] if m.start() > 0 and not gone[m.start() - 1] else ""
            if before in _TOWARDS or (before in _AT and _ends_part(text, m.end())):
                kept_spans.append(m.span())
                continue
            end = m.end()
            # A dictionary word that starts inside the name and runs on belongs to the text.
            cut = places.word_across(text, m.start(), end)
            end = cut if cut is not None else end
            gone[m.start() : end] = [True] * (end - m.start())
    kept = "".join(ch for ch, g in zip(text, gone, strict=True) if not g)
    # Asking words and connectives that a removed place leaves at a part's start ("对 |
    # 东六路 | 段道路…") go before the parts are joined, so no part starts with a comma.
    parts = [q for q in (_LEAD.sub("", p) for p in _PUNCT.split(kept)) if q]
    text = "，".join(parts[:2]) if parts else ""
    return _TAIL.sub("", text)
