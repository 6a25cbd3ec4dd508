"""Street addresses of the citizen: the house, building, unit and room numbers.

What is masked keeps the public meaning of a message: the road, the 小区 and the village
stay (they say where the problem is); the chain of numbers that picks out one household
(``123号4栋2单元501室``, ``3-2-501``) goes. A chain is masked when a residence cue
precedes it (家住, 住址, 地址, 居住在 …) or when it is precise enough to name a flat by
itself (a building or unit level together with a room). A room on its own (``301室``,
``3楼会议室``), a date (``12月5号``) or a document number (``〔2019〕12号``) is not an
address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .base import Finding

_LEVEL = r"\d{1,5}(?:号楼|号院|号房|栋|幢|座|单元|层|楼|室|户|号)"
_CHAIN_RE = re.compile(
    r"(?<![0-9A-Za-z〔〕\[\]()（）])"
    rf"(?:(?:{_LEVEL})(?:[-—－]?)){{1,6}}(?<![-—－])"
    r"|(?<![0-9A-Za-z.\-])\d{1,3}[-—－]\d{1,2}[-—－]\d{3,4}(?:室|号|房)?(?![0-9.\-])"
)
_BUILDING = re.compile(r"号楼|栋|幢|座|单元")
_ROOM = re.compile(r"室|号房|房")
# A house number (N号) belongs to a road, a lane or a village, never to a month or a file.
_ROAD_END = (*"路街道巷弄里村组", "胡同", "大院", "社区")
_RESIDENCE_CUES = re.compile(
    r"家住|住在|住址|地址|居住|现住|住于|我家|我住|本人住|户籍地|家庭住址|通讯地址|收货地址|租住|暂住"
)
_CUE_WINDOW = 30
_BUSINESS = ("办公", "单位", "公司", "注册", "经营", "营业", "门店", "项目")


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    return found


def _levels(chain: str) -> list[str]:
    return re.findall(r"\d+\s*([^\d\-—－]+)", chain) or ["shorthand"]


def addresses(text: str, *, reply: bool = False) -> Iterator[Finding]:
    """Household number chains in ``text`` (the digit view)."""
    for m in _CHAIN_RE.finditer(text):
        chain = m.group()
        levels = _levels(chain)
        if levels[0] == "号" and not text.endswith(_ROAD_END, 0, m.start()):
            continue
        if levels == ["楼"] or levels == ["层"]:
            continue
        window = text[max(0, m.start() - _CUE_WINDOW) : m.start()]
        # The cue must be in the same sentence as the chain.
        window = re.split(r"[。！？；\n]", window)[-1]
        cue = None if reply else _last(_RESIDENCE_CUES, window)
        # A business's address (办公地址, 公司地址) is public, not a household.
        cued = cue is not None and not window[: cue.start()].endswith(_BUSINESS)
        shorthand = levels == ["shorthand"]
        precise = (shorthand and chain[-1] in "室号房") or (
            any(_BUILDING.search(level) for level in levels)
            and any(_ROOM.search(level) for level in levels)
        )
        if not (cued or precise):
            continue
        yield Finding("address", m.start(), m.end(), chain, "住址中的门牌、楼栋、单元或房号", 0.85)
