"""English names of generated bodies and boards: place names in pinyin, titles translated.

湖南省 → "Hunan Province", 长沙市 → "Changsha", 芙蓉区 → "Furong District";
芙蓉区长 → "Head of Furong District", 湖南省委书记 → "Party Secretary of Hunan Province",
长沙市住房和城乡建设局 → "Changsha Housing and Urban-Rural Development Bureau".
Names are generated once, by the loader, and stored in ``name_en``.
"""

from __future__ import annotations

from functools import lru_cache

CENTRAL = "Central Government"

# Longest first: 自治州 before 州, 林区 before 区.
PLACE_SUFFIXES: list[tuple[str, str]] = [
    ("特别行政区", "Special Administrative Region"),
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("特区", "Special District"),
    ("地区", "Prefecture"),
    ("新区", "New Area"),
    ("省", "Province"),
    ("市", ""),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
]

# Leader titles as join_title writes them; the key is the title without its unit prefix.
HEAD_TITLES: dict[str, str] = {
    "省长": "Governor",
    "市长": "Mayor",
    "主席": "Chairman",
    "专员": "Commissioner",
    "局长": "Director",
    "厅长": "Director",
    "主任": "Director",
    "部长": "Minister",
}

UNIT_SUFFIXES = {"厅": "Department", "局": "Bureau", "委": "Commission", "": ""}


def _syllables(text: str) -> list[str]:
    from pypinyin import lazy_pinyin  # heavy dictionaries: load on first use

    return [s for s in lazy_pinyin(text) if s.strip()]


@lru_cache(maxsize=8192)
def pinyin_word(text: str) -> str:
    """One capitalised word in Hanyu Pinyin: 长沙 → "Changsha", 西安 → "Xi'an"."""
    word = ""
    for syllable in _syllables(text):
        if word and syllable[0] in "aoe":
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


# The peoples autonomous divisions are named after (湘西土家族苗族自治州), longest first.
PEOPLES = sorted(
    [
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    ],
    key=len,
    reverse=True,
)


def _peoples(stem: str) -> tuple[str, list[str]]:
    """Split 湘西土家族苗族 into (湘西, [土家, 苗]); a stem without peoples stays whole."""
    found: list[str] = []
    while stem.endswith("族"):
        body = stem[:-1]
        people = next((p for p in PEOPLES if body.endswith(p)), None)
        if people is None:
            break
        found.insert(0, people)
        stem = body[: -len(people)]
    # 新疆维吾尔自治区 names its people without 族.
    people = next((p for p in PEOPLES if len(p) > 2 and stem.endswith(p)), None)
    if not found and people and len(stem) > len(people):
        return stem[: -len(people)], [people]
    return stem, found


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@lru_cache(maxsize=8192)
def place_name(name: str) -> str:
    """A region's English name: the stem in pinyin and the kind of division translated."""
    if name == "中央":
        return CENTRAL
    if name == "神农架林区":  # the one forestry district; 西林区 is an ordinary district
        return "Shennongjia Forestry District"
    for suffix, english in PLACE_SUFFIXES:
        stem = name.removesuffix(suffix)
        if stem != name and stem:
            place, peoples = _peoples(stem) if suffix.startswith("自治") else (stem, [])
            words = [pinyin_word(place)] if place else []
            if peoples:
                words.append(_joined([pinyin_word(p) for p in peoples]))
            return " ".join([*words, english]).strip()
    return pinyin_word(name)


def title_word(title: str) -> str:
    """A leader's title alone: 省委书记 → "Party Secretary", 市长 → "Mayor", 区长 → "Head"."""
    if not title:
        return ""
    if title.endswith("书记"):
        return "Party Secretary"
    for suffix, english in HEAD_TITLES.items():
        if title.endswith(suffix):
            return english
    return "Head"


def leader_title(title: str, place: str) -> str:
    """A leader's board: 省委书记 of 湖南省 → "Party Secretary of Hunan Province"."""
    return f"{title_word(title)} of {place_name(place)}"


def party_committee(place: str) -> str:
    """中共湖南省委 → "Hunan Province Party Committee"."""
    return f"{place_name(place)} Party Committee"


def government(place: str, office: bool = False) -> str:
    """湖南省人民政府 → "People's Government of Hunan Province" (行政公署: Administrative Office)."""
    body = "Administrative Office" if office else "People's Government"
    return f"{body} of {place_name(place)}"


def unit(place: str, stem_en: str, suffix: str) -> str:
    """长沙市 + Housing and Urban-Rural Development + 局 → "… Development Bureau"."""
    if not stem_en:
        return ""
    words = [place_name(place), stem_en, UNIT_SUFFIXES.get(suffix, "")]
    return " ".join(w for w in words if w)
