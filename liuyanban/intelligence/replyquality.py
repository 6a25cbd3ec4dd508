"""Reply quality (答复质量): relevance, completeness, interpretability, timeliness, 敷衍 check.

Rules over the text, no trained model: a handling unit sees *why* a draft scored low
(``missing`` lists the absent elements in Chinese) and can fix it before publishing.
See docs/reply-quality.md for the definitions and the measured agreement with labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from django.utils.translation import gettext_noop

from liuyanban.core.text.chinese import content_words, normalize
from liuyanban.intelligence.hot.places import admin_codes, place_names

# Salutations, receipts and thanks: present in good and bad replies alike, so they are
# removed before anything is measured.
_BOILERPLATE = re.compile(
    r"网友[“\"]?[A-Za-z0-9]*[”\"]?[:：,，]?|您好[!！,，。]?|你好[!！,，。]?|"
    r"(?:您的)?留言(?:已)?收悉[。,，!！]?|现将(?:有关|调查|处理|我们的)?(?:情况|结果)?(?:答复|回复)如下[:：]?|"
    r"感谢您?(?:对我们工作)?的?(?:关注|支持|理解|监督|留言|来信|信任)[、和与]?(?:理解|支持|监督)?[、和与]?(?:监督)?[!！。]?|"
    r"特此(?:回复|答复)[。]?|\d{4}年\d{1,2}月\d{1,2}日$"
)

# Generic replies that could answer any message (our own wording of the pattern).
GENERIC_REPLIES: tuple[str, ...] = (
    "您好，您的留言已收悉，我们将转有关部门处理。感谢您的关注。",
    "您反映的问题已转相关部门调查处理，请耐心等待。",
    "您的留言已收悉，已转交相关单位办理，办理结果将另行答复。",
    "您反映的情况我们已经知悉，将责成有关部门认真研究，妥善处理。",
    "留言已收悉，请进一步完善个人信息以便处理。",
    "您反映的问题已有相关单位作出回复，请您耐心等待。",
    "您好，您的问题请咨询有关部门。感谢您的留言。",
    "我们高度重视，将进一步加强管理，切实维护群众合法权益。",
)


@dataclass(frozen=True)
class Element:
    """One thing a complete reply states, the pattern that shows it, and the reason if absent."""

    name: str
    pattern: re.Pattern[str]
    missing: str


ELEMENTS: tuple[Element, ...] = (
    Element(
        "finding",
        re.compile(
            r"经(?:现场)?(?:查|核|调查|了解|核实|排查|检测|鉴定)|据(?:查|了解|核实)|查明|核查|调查(?:了解|核实)|现场(?:查看|检查|勘查|核实)|了解到"
        ),
        gettext_noop("未说明调查核实情况"),
    ),
    Element(
        "action",
        re.compile(
            r"已(?:经)?(?:责令|要求|督促|安排|组织|完成|处理|整改|下达|开展|查处|约谈|协调|拆除|修复|处罚|立案|办理|落实)|下一步|将(?:继续|进一步|加强|督促|尽快|安排|组织|协调|对)|整改|处罚|罚款|立案|拆除|修复"
        ),
        gettext_noop("未说明已采取或将采取的措施"),
    ),
    Element(
        "actor",
        re.compile(
            r"[\u4e00-\u9fff]{1,12}(?:局|委员会|委|办公室|办事处|街道|社区|中心|大队|中队|支队|派出所|政府|公司|医院|学校|管理处|站)"
        ),
        gettext_noop("未说明办理单位"),
    ),
    Element(
        "when",
        re.compile(
            r"\d{4}年|\d{1,2}月(?:\d{1,2}日|底|初|中旬|份)?|\d+个?(?:工作日|日|天|周|月)内|年底|近期|目前|已于|截至"
        ),
        gettext_noop("未说明办理时间或时限"),
    ),
    Element(
        "basis",
        re.compile(
            r"《[^》]{2,40}》|根据|依据|按照|依照|规定|条例|办法|政策|文件|法律|法规|标准|规范"
        ),
        gettext_noop("未说明办理依据"),
    ),
    Element(
        "contact",
        re.compile(
            r"电话|联系人|热线|咨询窗口|联系方式|\d{3,4}-\d{7,8}|\b1[3-9]\d{9}\b|0{3,4}-0{7,8}"
        ),
        gettext_noop("未提供联系方式"),
    ),
)
_ELEMENT_WEIGHTS = {
    "finding": 0.25,
    "action": 0.25,
    "actor": 0.15,
    "when": 0.1,
    "basis": 0.15,
    "contact": 0.1,
}
_REASONS = re.compile(
    r"因为|由于|因此|所以|原因|鉴于|为此|属于|不属于|符合|不符合|超出|未达到|导致|是指|即"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SENTENCE = re.compile(r"[。！!？?；;]")


@dataclass(frozen=True)
class ReplyQuality:
    """Scores in [0, 1]; ``timeliness`` is None when the dates are unknown."""

    relevance: float
    completeness: float
    interpretability: float
    timeliness: float | None
    overall: float
    perfunctory: bool
    missing: list[str] = field(default_factory=list)
    generic_similarity: float = 0.0


def strip_boilerplate(reply: str) -> str:
    """The reply without salutations, receipts, thanks and the closing date."""
    return _BOILERPLATE.sub("", normalize(reply)).strip()


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in pairwise(chars)}


@lru_cache(maxsize=1)
def _generic_bigrams() -> tuple[frozenset[str], ...]:
    return tuple(frozenset(_bigrams(strip_boilerplate(t))) for t in GENERIC_REPLIES)


def generic_similarity(reply: str) -> float:
    """Largest share of the reply's character bigrams found in one generic reply."""
    grams = _bigrams(strip_boilerplate(reply))
    if not grams:
        return 1.0  # nothing but salutations is as generic as it gets
    return max(len(grams & g) / len(grams) for g in _generic_bigrams())


def relevance(title: str, body: str, reply: str) -> float:
    """Weighted share of the message's key terms (places, title words, body words) in the reply.

    Places weigh 3, title words 2, the body's first content words 1; a reply that takes up
    half of that weight already counts as fully relevant, since nobody repeats everything.
    """
    text = normalize(reply)
    message = normalize(title) + " " + normalize(body)
    weights: dict[str, float] = {}
    for word in content_words(normalize(body))[:40]:
        weights.setdefault(word, 1.0)
    for word in content_words(normalize(title)):
        weights[word] = 2.0
    for name in place_names(message)[:5] + admin_codes(message)[:3]:
        weights[name] = 3.0
    weights = {w: v for w, v in weights.items() if len(w) > 1}
    if not weights:
        return 0.0
    found = sum(v for w, v in weights.items() if w in text)
    return min(1.0, found / sum(weights.values()) / 0.5)


def completeness(reply: str) -> tuple[float, list[str]]:
    """Weighted share of the six elements, and the reasons for those that are missing."""
    text = strip_boilerplate(reply)
    score, missing = 0.0, []
    for element in ELEMENTS:
        if element.pattern.search(text):
            score += _ELEMENT_WEIGHTS[element.name]
        else:
            missing.append(element.missing)
    return round(score, 4), missing


def interpretability(reply: str) -> float:
    """Facts, rules and reasons rather than boilerplate: numbers, citations, causal words, length."""
    text = strip_boilerplate(reply)
    numbers = len(_NUMBER.findall(text))
    reasons = len(_REASONS.findall(text))
    rules = len(ELEMENTS[4].pattern.findall(text))
    sentences = len([s for s in _SENTENCE.split(text) if len(s) >= 8])
    score = (
        0.3 * min(1.0, numbers / 4)
        + 0.2 * min(1.0, reasons / 2)
        + 0.2 * min(1.0, rules / 2)
        + 0.3 * min(1.0, len(text) / 200) * min(1.0, sentences / 3)
    )
    return round(score, 4)


def timeliness(replied_working_days: int | None, deadline_working_days: int | None) -> float | None:
    """1 when on time; loses linearly to 0 at twice the deadline; None when unknown."""
    if replied_working_days is None or not deadline_working_days:
        return None
    late = replied_working_days - deadline_working_days
    return 1.0 if late <= 0 else max(0.0, 1.0 - late / deadline_working_days)


def score_reply(
    message_title: str,
    message_body: str,
    reply_text: str,
    replied_working_days: int | None,
    deadline_working_days: int | None,
) -> ReplyQuality:
    """Score one reply to one message; see the module docstring."""
    rel = relevance(message_title, message_body, reply_text)
    comp, missing = completeness(reply_text)
    interp = interpretability(reply_text)
    timely = timeliness(replied_working_days, deadline_working_days)
    generic = generic_similarity(reply_text)
    specific_len = len(strip_boilerplate(reply_text))
    # 敷衍: says little that is specific to this message, or reads like a template.
    perfunctory = specific_len < 25 or (
        rel < 0.35 and (generic >= 0.4 or specific_len < 60 or comp < 0.3)
    )
    if timely is not None and timely < 1.0:
        missing.append(gettext_noop("未在办理时限内答复"))
    parts = [(rel, 0.3), (comp, 0.3), (interp, 0.25)] + (
        [(timely, 0.15)] if timely is not None else []
    )
    overall = sum(s * w for s, w in parts) / sum(w for _, w in parts)
    if perfunctory:
        overall = min(overall, 0.3)
    return ReplyQuality(
        relevance=round(rel, 4),
        completeness=comp,
        interpretability=interp,
        timeliness=timely,
        overall=round(overall, 4),
        perfunctory=perfunctory,
        missing=missing,
        generic_similarity=round(generic, 4),
    )
