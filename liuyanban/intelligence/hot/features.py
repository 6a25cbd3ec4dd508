"""Plain message records and what the hot-issue index needs to know about each one."""

from __future__ import annotations

import dataclasses
import os
import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from liuyanban.core.text.chinese import content_words, normalize, stopwords, tokenizer

from . import places

# Only the head of a long body is read: places and the complaint are stated early, and
# segmenting whole bodies would make a rebuild of 500,000 messages take far too long.
BODY_HEAD = 300
# Admin codes and stray place characters carry no topic.
_NOISE_WORD = re.compile(r"^(?:[A-Za-z]\d*|\d+|[省市区县])$")
# Title words that say how a message asks or who asks, not what about: they never make two
# titles share a topic ("投诉…", "…相关问题咨询", "居民").
_NOT_TOPIC = frozenset(
    [
        "投诉",
        "举报",
        "实名",
        "建议",
        "咨询",
        "求助",
        "请求",
        "恳请",
        "要求",
        "呼吁",
        "强烈",
        "再次",
        "尽快",
        "解决",
        "处理",
        "办理",
        "关注",
        "部门",
        "有关部门",
        "政府",
        "相关",
        "问题",
        "情况",
        "事情",
        "事宜",
        "政策",
        "落实",
        "一事",
        "回复",
        "答复",
        "市民",
        "群众",
        "百姓",
        "商家",
        "企业",
        "严重",
        "无人",
        "长期",
        "一直",
        "经常",
        "至今",
        "多年",
        # Where and who, said vaguely ("我所在的街道", "本市", "民营加工厂", "个体工商户").
        "所在",
        "本市",
        "本地",
        "当地",
        "希望",
        "个体",
        "民营",
        "小微",
        "初创",
    ]
)
# Words naming a kind of place or body ("餐饮店", "文化馆", "路口", "物流园"): where, not what,
# even when no particular name comes with them.
_FACILITY_ENDINGS = (
    *places.PLACE_SUFFIXES,
    *"店馆厂所站局院场处室口区",
    "中心",
    "门口",
    "单位",
    "部门",
    "机构",
    "平台",
    "银行",
    "网点",
    "窗口",
)


@dataclass(frozen=True)
class HotInput:
    """One message as the hot-issue miner sees it (no database needed)."""

    id: int
    title: str
    body: str
    at: datetime
    author: str
    likes: int = 0
    dislikes: int = 0


@dataclass(frozen=True)
class Features:
    """Message facts computed once: places, districts, term counts, title words."""

    places: tuple[str, ...]
    admin: tuple[str, ...]
    districts: frozenset[str]
    keys: frozenset[str]
    terms: dict[str, int]
    title_terms: tuple[str, ...]
    populations: tuple[str, ...]
    # (problem word, the word right before it in the title): "高龄补贴" gives ("补贴", "高龄").
    qualifiers: tuple[tuple[str, str], ...] = ()

    @property
    def topic(self) -> frozenset[str]:
        """The title's words that say what the problem is (no place, asking or people words)."""
        words = (
            w
            for w in self.title_terms
            if len(w) >= 2
            and w not in _NOT_TOPIC
            and w not in places.POPULATIONS
            and not w.endswith(_FACILITY_ENDINGS)
        )
        return frozenset(words)


def _terms(text: str) -> list[str]:
    """Words that can say what a message is about: no admin codes, no kinds of places."""
    return [
        w
        for w in content_words(text)
        if not _NOISE_WORD.match(w) and not (len(w) >= 2 and w.endswith(_FACILITY_ENDINGS))
    ]


def _place_spans(title: str, names: Sequence[str]) -> list[tuple[int, int]]:
    return [
        (m.start(), m.start() + len(n)) for n in names for m in re.finditer(re.escape(n), title)
    ]


def _crosses(word: str, title: str, spans: list[tuple[int, int]]) -> bool:
    """Whether ``word`` runs into a place name of the title ("社区卫生" over "…|卫生服务中心"):
    it is then part of where, not of what."""
    for m in re.finditer(re.escape(word), title):
        a, b = m.start(), m.start() + len(word)
        if any(a < end and b > start and not (start <= a and b <= end) for start, end in spans):
            return True
    return False


def is_noun(word: str) -> bool:
    """Whether jieba tags ``word`` as a noun (or it names people: "残疾人")."""
    return word in places.POPULATIONS or places.word_tag(word).startswith("n")


def _qualifiers(
    title: str, where: list[tuple[int, int]], topic: frozenset[str]
) -> list[tuple[str, str]]:
    """Each problem word of the title with the word right before it, when that word says
    which one ("高龄补贴", "残疾人补贴", "红绿灯时间", "证明材料"): not a place, an admin name,
    an asking word, a kind of place or a stop word, and nothing between the two."""
    out: list[tuple[str, str]] = []
    # The title's places and admin names become breaks: "长青街道路" has no word before 道路.
    chars = list(title)
    for a, b in where:
        chars[a:b] = ["|"] * (b - a)
    blanked = places.strip_admin("".join(chars), "|")
    stops = stopwords()
    prev = run = ""
    for word in tokenizer().lcut(blanked, HMM=False):
        if word in topic and prev:
            out.append((word, prev))
        if len(word) == 1 and _CJK_WORD.match(word) and word not in _PARTICLES:
            # Single characters are pieces of a word jieba does not know ("等"+"车"): a run
            # of two or more qualifies as one word, a lone one ("城" of 魅力之城) does not.
            run += word
            prev = run if len(run) >= 2 else ""
        elif not _CJK_WORD.match(word) or word in stops or word in _NOT_TOPIC:
            prev = run = ""
        else:
            run = ""
            # A kind of place or a place name ("赣州高铁", "长赣高铁") says where, not which.
            where_word = word.endswith(_FACILITY_ENDINGS) or places.word_tag(word) == "ns"
            prev = "" if where_word else word
    return out


# Characters that join, not build, words: a run of single characters stops at them.
_PARTICLES = frozenset("的地得了着过之和与及或在是被把对于从向给由至我你他她它们请要将有为个")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")


def featurize(msg: HotInput) -> Features:
    """Extract places, keys and weighted terms (title words count twice) from one message."""
    title = normalize(msg.title)
    head = title + " " + normalize(msg.body)[:BODY_HEAD]
    title_places = places.place_names(title)
    unique = tuple(dict.fromkeys(title_places + places.place_names(head)))
    # Words of the place named in the title say *where*, not *what*: leaving them in would
    # make two different problems at one estate look alike.
    # Administrative names ("长沙市") say where too, and nearly every message names one.
    where = _place_spans(title, title_places)
    title_terms = [
        w
        for w in _terms(places.strip_admin(title, " "))
        if not any(w in p for p in title_places) and not _crosses(w, title, where)
    ]
    terms = Counter(
        w
        for w in _terms(places.strip_admin(head, " "))
        if not any(w in p for p in title_places) and not _crosses(w, title, where)
    )
    terms.update(title_terms)
    feats = Features(
        places=unique,
        admin=tuple(places.admin_codes(head)),
        districts=frozenset(places.districts(title) or places.districts(head)),
        # Body places are noisier (and often incidental), so they key a message only when
        # its title names none.
        keys=frozenset(places.place_keys(title_places or unique))
        | frozenset(places.numbered_names(title)),
        terms=dict(terms),
        title_terms=tuple(title_terms),
        populations=tuple(places.populations(head)),
    )
    quals = _qualifiers(title, where, feats.topic)
    return dataclasses.replace(feats, qualifiers=tuple(quals)) if quals else feats


def featurize_many(msgs: Sequence[HotInput], workers: int | None = None) -> list[Features]:
    """Features of many messages, in worker processes when there are enough to pay off."""
    if workers is None:
        workers = min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(msgs) < 20_000:
        return [featurize(m) for m in msgs]
    chunk = max(1000, len(msgs) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(featurize, msgs, chunksize=chunk))
