"""Where a message is about, and who: administrative codes, named places, populations.

Rules rather than a trained recogniser, because names of housing estates and schools are
mostly out of jieba's vocabulary ("伊景园滨河苑" comes out as single characters), while
their *suffixes* (小区, 学院, 路 …) are a short closed list.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from liuyanban.core.text.chinese import tokenizer

# The real administrative names come from cpca's table of regions (省, 市, 区, 县 …);
# a dataset that writes them differently (anonymised codes) brings an ``AdminNames`` of its
# own through its adapter (``hot/datasets.py``), never a rule here.
_DISTRICT_ENDINGS = ("区", "县", "旗")


@dataclass(frozen=True)
class AdminNames:
    """How a corpus writes administrative names: a finder of (start, end) spans."""

    name: str
    spans: Callable[[str], list[tuple[int, int]]]


@lru_cache(maxsize=1)
def _region_names() -> frozenset[str]:
    """Region names of three or more characters from cpca ("长沙市", "岳麓区", "湖南省")."""
    import cpca

    path = Path(cpca.__file__).parent / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8") as fh:
        names = {row["name"].strip() for row in csv.DictReader(fh)}
    return frozenset(
        n for n in names if len(n) >= 3 and n.endswith(("省", "市", "区", "县", "旗", "州"))
    )


def _real_spans(text: str) -> list[tuple[int, int]]:
    """Spans of real region names, longest match first at each position, left to right."""
    names = _region_names() | _platform_regions
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        for length in (8, 7, 6, 5, 4, 3, 2):
            if text[i : i + length] in names:
                spans.append((i, i + length))
                i += length
                break
        else:
            i += 1
    return spans


REAL = AdminNames("cpca", _real_spans)
_active: list[AdminNames] = [REAL]

# The platform's own names, given by the store (``hot.store.use_platform_names``): its
# regions count as administrative names beside cpca's, and the names of its organisations and
# boards are kept whole where place names are looked for.
_platform_regions: frozenset[str] = frozenset()
_known_names: dict[str, tuple[str, ...]] = {}


def use_names(*, regions: Iterable[str] = (), names: Iterable[str] = ()) -> None:
    """Make a deployment's own region names and organisation/board names known."""
    global _platform_regions, _known_names
    _platform_regions = frozenset(
        r for r in regions if len(r) >= 2 and r.endswith(("省", "市", "区", "县", "旗", "州"))
    )
    by_first: dict[str, list[str]] = {}
    for name in set(names):
        if len(name) >= 3:
            by_first.setdefault(name[0], []).append(name)
    _known_names = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()}


@contextmanager
def admin_names(names: AdminNames) -> Iterator[None]:
    """Read a dataset whose administrative names look otherwise (its adapter's rule)."""
    _active.append(names)
    try:
        yield
    finally:
        _active.pop()


def _admin_spans(text: str) -> list[tuple[int, int]]:
    return _active[-1].spans(text)


# Offices and institutions are named by what they do: a verb right before their suffix
# names the office ("行政审批局", "不动产登记中心", "综合执法局"), it does not make a clause.
_OFFICE_SUFFIXES = frozenset(
    [
        "中心",
        "办事处",
        "大厅",
        "院",
        "局",
        "馆",
        "平台",
        # "所" alone ends too many words (所以, 人才新政所规定的 …): only offices.
        "事务所",
        "研究所",
        "卫生所",
        "社保所",
        "管理所",
        "税务所",
        "司法所",
        "财政所",
        "供电所",
        "工商所",
    ]
)
# Longest first so that "工业园" wins over "园" and "街道" over "街".
PLACE_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        [
            "小区",
            "花园",
            "家园",
            "公寓",
            "新城",
            "大厦",
            "广场",
            "商城",
            "市场",
            "公园",
            "工业园",
            "工业区",
            "园区",
            "产业园",
            "物流园",
            "学校",
            "学院",
            "大学",
            "中学",
            "小学",
            "幼儿园",
            "医院",
            "卫生院",
            "卫生室",
            "派出所",
            "车站",
            "地铁站",
            "高铁站",
            "公司",
            "集团",
            "路",
            "大道",
            "街",
            "巷",
            "街道",
            "社区",
            "村",
            "镇",
            "乡",
            "苑",
            "园",
            "庭",
            "湾",
            "酒店",
            "宾馆",
            "影楼",
            "驾校",
            "搅拌站",
            "加油站",
            "垃圾站",
            # Offices and institutions: "养老服务中心", "街道办事处", "妇幼保健院",
            # "街道社保所", "区行政审批局", "文化馆", "民营加工厂".
            *sorted(_OFFICE_SUFFIXES),
            "厂",
            "超市",
            "景区",
            "公交站",
            # "人民路口": the crossing is named by its road.
            "路口",
        ],
        key=len,
        reverse=True,
    )
)
_SUFFIX_RE = re.compile("|".join(PLACE_SUFFIXES))

# Characters that cannot sit inside a place name: they end the name on the left.
_BREAK = re.compile(
    r"[^\u4e00-\u9fffA-Za-z0-9·]|[的在于到和与及对是了把被从向给由至我你他她们请要将有为个]"
)

# Names that end with a suffix but are not places ("政府" is not in the list, but "城" makes
# "进城", "组" makes "小组" …); a name needs at least two characters before its suffix.
_NOT_PLACES = frozenset(
    [
        "车站",
        "高铁站",
        "地铁站",
        "公交站",
        "加油站",
        "搅拌站",
        "垃圾站",
        "家园",
        "花园",
        "公园",
        "学校",
        "服务中心",
        "活动中心",
        "服务大厅",
        "办事大厅",
    ]
)
_GENERIC_CORES = frozenset(
    [
        "该小",
        "本小",
        "我小",
        "这个",
        "那个",
        "这些",
        "那些",
        "当地",
        "我们",
        "他们",
        "整个",
        "所在",
        "各个",
        "一个",
    ]
)
# Common words that happen to end in a suffix ("公交线路", "农村", "临街") and generic
# organisations ("物业公司"): they name no particular place, and as keys they would join
# complaints about different estates.
_GENERIC_ENDINGS = frozenset(
    [
        "线路",
        "道路",
        "马路",
        "公路",
        "出路",
        "思路",
        "套路",
        "电路",
        "水路",
        "走路",
        "修路",
        "临街",
        "沿街",
        "上街",
        "逛街",
        "农村",
        "乡村",
        "山村",
        "乡镇",
        "城镇",
        "校园",
        "菜园",
        "果园",
        "老街",
        "场所",
        "厕所",
        "住所",
        "诊所",
        "格局",
        "布局",
        "结局",
        "当局",
        "工厂",
        "餐馆",
        "饭馆",
    ]
)
_GENERIC_NAMES = frozenset(
    [
        "物业公司",
        "开发公司",
        "房地产公司",
        "公交公司",
        "建筑公司",
        "施工公司",
        "电力公司",
        "燃气公司",
        "自来水公司",
        "保险公司",
        "培训学校",
        "周边道路",
        "服务平台",
        "信息平台",
        "网络平台",
        "交易平台",
        "十字路口",
        "交叉路口",
        "丁字路口",
    ]
)
# Words that precede a name without belonging to it ("附近搅拌站" is about "搅拌站").
_LEADING = re.compile(
    r"^(?:附近|周边|旁边|对面|楼下|门口|位于|地处|座落|坐落|一家|一所|一个|名叫|叫做"
    r"|投诉|举报|反映|建议|咨询|求助|关于|请问)+"
)

POPULATIONS: tuple[str, ...] = tuple(
    sorted(
        [
            "学生",
            "家长",
            "教师",
            "老师",
            "业主",
            "居民",
            "村民",
            "职工",
            "员工",
            "工人",
            "农民工",
            "司机",
            "车主",
            "患者",
            "病人",
            "商户",
            "租户",
            "购房者",
            "受害人",
            "投资人",
            "出借人",
            "退休人员",
            "老人",
            "残疾人",
            "考生",
            "毕业生",
            "实习生",
            "环卫工人",
            "教职工",
            "个体工商户",
            "工商户",
        ],
        key=len,
        reverse=True,
    )
)
_POPULATION_RE = re.compile("|".join(POPULATIONS))
_SCHOOL_SUFFIXES = ("学校", "学院", "大学", "中学", "小学", "幼儿园")
# Who a school's issue is about ("城东幼儿园老人" says nothing: the old are there by chance).
SCHOOL_POPULATIONS = frozenset(
    ["学生", "家长", "教师", "老师", "考生", "毕业生", "实习生", "教职工"]
)


def admin_codes(text: str) -> list[str]:
    """Administrative names in order of appearance ("长沙市", "岳麓区"; a dataset's codes
    through its adapter)."""
    return [text[a:b] for a, b in _admin_spans(text)]


def districts(text: str) -> set[str]:
    """District/county names only; used to tell same-named roads apart."""
    return {n for n in admin_codes(text) if n.endswith(_DISTRICT_ENDINGS)}


def strip_admin(text: str, sep: str = "") -> str:
    """``text`` with its administrative names replaced by ``sep``."""
    out, last = [], 0
    for a, b in _admin_spans(text):
        out += [text[last:a], sep]
        last = b
    out.append(text[last:])
    return "".join(out)


def _chunks(text: str) -> list[str]:
    """Runs of text between admin names and break characters, where names can live."""
    return [c for c in _BREAK.split(strip_admin(text, "|")) if c]


def _word_starts(chunk: str) -> set[int]:
    """Positions where a word of ``chunk`` starts: a name never starts inside a word.

    Words are jieba's, except that the platform's own names (organisations, boards) are
    single words: nothing starts inside them.
    """
    starts, pos = set(), 0
    for word in tokenizer().lcut(chunk, HMM=False):
        starts.add(pos)
        pos += len(word)
    i = 0
    while i < len(chunk):
        name = next((n for n in _known_names.get(chunk[i], ()) if chunk.startswith(n, i)), None)
        if name is None:
            i += 1
            continue
        starts.difference_update(range(i + 1, i + len(name)))
        starts.update((i, i + len(name)))
        i += len(name)
    return starts


# Common words that begin with a place suffix: "长青街道路" is 长青街 + 道路, and in
# "体育中心广场舞" the 广场 belongs to 广场舞 as well. jieba's dictionary knows most of them.
_SUFFIX_WORDS = frozenset(["广场舞", "园区内", "小区内", "路灯", "村委会"])


def is_word(text: str) -> bool:
    """Whether ``text`` (two or more characters) is a dictionary word."""
    return len(text) >= 2 and (text in _SUFFIX_WORDS or bool(tokenizer().FREQ.get(text)))


def word_across(text: str, start: int, end: int) -> int | None:
    """The first position inside ``text[start:end]`` where a dictionary word starts that
    runs past ``end`` ("道路" across the end of "长青街道"), or None; None too when a word
    starts right at ``end`` (then the span already ends between words: "长青街|道路")."""
    if any(is_word(text[end:q]) for q in range(end + 2, min(len(text), end + 4) + 1)):
        return None
    for p in range(start + 1, end):
        for q in range(min(len(text), p + 4), end, -1):
            if is_word(text[p:q]):
                return p
    return None


# Parts of speech that make a run of words a clause, not a name: verbs (排入, 占用), adverbs
# (必须, 已经), prepositions, conjunctions, pronouns, time words (目前), positions (附近,
# 之前), idioms (更何况).
# Only words of two or more characters count: jieba splits unknown estate names into
# single characters, and their tags ("申"/v in 申奥美域) say nothing.
_CLAUSE_TAGS = frozenset(["v", "vd", "d", "p", "c", "r", "t", "f", "l", "i"])
# Single characters that never sit inside a place name's first words: "让广铁集团",
# "求各小区", "跟菜市场", "找村", "问一下您学校".
_CLAUSE_CHARS = frozenset("让求因往跟找去说问按此该各就且过靠像比想买")
# Verbs that name a kind of institution or market and so begin real names (涉外商务学院,
# 家禽批发市场, 经济开发区, 振兴路): never a clause.
_NAME_VERBS = frozenset(
    [
        "涉外",
        "批发",
        "开发",
        "振兴",
        "解放",
        "培训",
        "培优",
        "示范",
        "创新",
        "改革",
        "拓展",
        "投资",
        "实验",
        "不动产",
    ]
)
# Suffixes of roads and streets, which are often named by a verb alone (解放路, 振兴大道).
_ROAD_SUFFIXES = ("路", "大道", "街", "巷")


@lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    """jieba's part-of-speech tags of its dictionary words."""
    import jieba.posseg

    return dict(jieba.posseg.dt.word_tag_tab)


def word_tag(word: str) -> str:
    """jieba's part-of-speech tag of a dictionary word ("" when it has none)."""
    return _word_tags().get(word, "")


def _is_clause_word(word: str) -> bool:
    if len(word) == 1:
        return word in _CLAUSE_CHARS
    return word not in _NAME_VERBS and _word_tags().get(word) in _CLAUSE_TAGS


@lru_cache(maxsize=65536)
def without_clause(name: str, suffix: str) -> str:
    """``name`` from after its last clause word: "占用劳动东路" → "劳动东路", "大量油烟排入小区"
    → "小区" (then too short to be a place). A road named by a verb alone stays ("解放路"), a
    verb right before an office's suffix names the office ("行政审批局"), and a verbal noun
    right before another place's suffix is what is asked for ("设置医院", "建设垃圾站")."""
    core = name[: len(name) - len(suffix)]
    cut = pos = 0
    words = tokenizer().lcut(core, HMM=False)
    for i, word in enumerate(words):
        pos += len(word)
        last = i == len(words) - 1
        if last and suffix in _OFFICE_SUFFIXES and len(word) >= 2 and word_tag(word) in ("v", "vn"):
            continue
        if _is_clause_word(word) or (
            last
            and word_tag(word) == "vn"
            and word not in _NAME_VERBS
            and not suffix.endswith(_ROAD_SUFFIXES)
        ):
            cut = pos
    if cut == len(core) and len(words) == 1 and suffix.endswith(_ROAD_SUFFIXES):
        return name
    # Never start inside a word that a clause character begins ("就" + "读" of 就读, left
    # by the segmentation without HMM): the name starts after that word.
    while 0 < cut < len(core) and any(
        is_word(core[p:q])
        for p in range(max(0, cut - 3), cut)
        for q in range(cut + 1, min(len(core), p + 4) + 1)
    ):
        cut += 1
    return name[cut:]


# Names that a second suffix may extend ("伊景园" + "小区", "阳光新城" + "小区"); an
# institution never is ("妇幼保健院" + "社区疫苗…" is the hospital, then another word).
_EXTENDABLE = ("园", "苑", "庭", "湾", "城", "花园", "家园", "广场", "大厦", "公寓")


# A stop is named by its road ("学院路" + "公交站").
_STOPS = frozenset(["公交站", "地铁站", "车站"])


# One-character suffixes that also start common words (院长, 局长, 局面, 馆长, 厂家).
_WORD_STARTERS = frozenset("院局馆厂")


def _names_in_chunk(chunk: str) -> list[str]:
    """Named places in one chunk: each suffix closes a name that starts after the last one."""
    names: list[str] = []
    start = 0
    word_starts: set[int] | None = None
    for m in _SUFFIX_RE.finditer(chunk):
        extends = (
            len(m.group()) > 1
            and chunk[:start].endswith(names[-1])
            and (
                names[-1].endswith(_EXTENDABLE)
                or (names[-1].endswith(_ROAD_SUFFIXES) and m.group() in _STOPS)
            )
            if names
            else False
        )
        if extends and m.start() == start:
            # "伊景园" + "小区": a second suffix right after a name extends it ("金鼎村" +
            # "村民" does not: one-character suffixes never extend).
            names[-1] += m.group()
            start = m.end()
            continue
        if m.group() in _WORD_STARTERS and is_word(chunk[m.start() : m.start() + 2]):
            continue  # "所以", "院长", "厂家": a word, not the end of a name
        end = m.end()
        cut = word_across(chunk, m.start(), end)
        if cut is not None and chunk[m.start() : cut] in PLACE_SUFFIXES:
            end = cut  # a shorter suffix; the rest starts a word ("长青街" + "道路")
        begin = max(start, m.start() - 6)
        if begin > start:
            # A window cut at six characters may start inside a word ("建议长沙…"):
            # move it to the next word start.
            word_starts = word_starts if word_starts is not None else _word_starts(chunk)
            while begin < m.start() and begin not in word_starts:
                begin += 1
        suffix = chunk[m.start() : end]
        name = without_clause(_LEADING.sub("", chunk[begin:end]), suffix)
        core = name[: -len(suffix)]
        if _is_specific(name, core):
            names.append(name)
            start = end
        elif len(core) < 2 and begin == start:
            # A bare suffix ("街道" of "街道社保所") or one with a single character before it
            # ("古镇" of "古镇景区") is no name, but may begin the next one.
            pass
        else:
            start = end
    return names


def _is_specific(name: str, core: str) -> bool:
    """Whether a suffix match names one particular place."""
    # One character before the suffix names a place only when jieba knows the whole as an
    # organisation ("中医院"); "该院", "我局" are none.
    return (
        (len(core) >= 2 or (len(core) == 1 and word_tag(name) == "nt"))
        and name not in _NOT_PLACES
        and name[-4:] not in _GENERIC_NAMES
        and name[-5:] not in _GENERIC_NAMES
        and not _generic_ending(name)
        and core[-2:] not in _GENERIC_CORES
    )


def _generic_ending(name: str) -> bool:
    """Whether a name ends with a common word ("偏远山村", "一条公交线路", "化工厂"), not with
    a name and its one-character suffix ("青山|村"): the name's last word carries the ending."""
    if name[-2:] not in _GENERIC_ENDINGS:
        return False
    last = tokenizer().lcut(name, HMM=False)[-1]
    return len(last) >= 2 and last.endswith(name[-2:])


def place_names(text: str) -> list[str]:
    """Named places ("劳动东路", "魅力之城小区", "涉外经济学院"), first appearance first."""
    seen: dict[str, None] = {}
    for chunk in _chunks(text):
        for name in _names_in_chunk(chunk):
            seen.setdefault(name, None)
    return list(seen)


def split_suffix(name: str) -> tuple[str, str]:
    """("魅力之城", "小区") for "魅力之城小区"; the suffix is "" when there is none."""
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def place_keys(names: Iterable[str]) -> set[str]:
    """Blocking keys of place names: the name, its tails, and its core without the suffix.

    Tails let "A市经济学院" meet "A市涉外经济学院" (tail "经济学院"); the bare core lets a
    title that drops the suffix ("A市魅力之城商铺…") meet "魅力之城小区" through the
    gazetteer of cores the index learns.
    """
    keys: set[str] = set()
    for name in names:
        keys.add(name)  # "中医院": a one-character core has no tails
        core, suffix = split_suffix(name)
        for i in range(len(core) - 1):
            keys.add(core[i:] + suffix)
        if len(core) >= 3:
            keys.add(core)
    return keys


# Numbered things people name like places: "58车贷" (a lending platform), "702公交".
# Dates, money and counts ("2019年", "12万元") are not names.
_NUMBERED = re.compile(
    r"(?<![0-9A-Za-z])\d{2,4}(?![年月日号元万千百米个多岁天点栋户辆次期层楼届])[\u4e00-\u9fff]{2}"
)


def numbered_names(text: str) -> list[str]:
    """Numbered names ("58车贷", "702公交") used as keys like place names."""
    return _NUMBERED.findall(text)


def populations(text: str) -> list[str]:
    """Groups of people the text speaks for ("学生", "业主"), with repeats, in order."""
    return _POPULATION_RE.findall(text)


def is_school(name: str) -> bool:
    """Whether a place is a school, whose issues are usually its students' issues."""
    return name.endswith(_SCHOOL_SUFFIXES)
