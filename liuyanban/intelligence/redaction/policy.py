"""Which numbers in a staff reply are the unit's own, published on purpose.

A handling unit writes its office telephone, a hotline or a contact person's desk line into
its reply so that the citizen can follow up: that is public information and stays. What
the reply says about the citizen (the number the unit called, their ID card, their name)
is removed like anywhere else. A phone number in a reply is the unit's when its clause
names the unit or an official channel (我局, 办公室, 咨询电话, 热线, 联系人 …) and does not
point at the citizen (您, 网友, 来电人 …). With neither cue a landline is taken as the
unit's (private persons rarely give a landline in a reply) and a mobile as private.
The citizen's own number, when known, is always masked.
"""

from __future__ import annotations

import re

from .base import PHONE_KINDS, Finding

_OFFICIAL = re.compile(
    r"我(?:局|委|办|厅|处|科|所|站|队|院|中心|单位|司|镇|乡|街道|区|县|市|部门)|"
    r"办公室|信访|咨询|热线|服务电话|值班|办公电话|监督电话|举报电话|投诉电话|服务中心|窗口|"
    r"联系人|联系电话|联系方式|可(?:拨打|致电|联系)|请(?:拨打|致电|联系)|如有疑问|如有问题|"
    r"[局委办厅处科所站队院]|中心|政府|街道|社区|公司|管理处|派出所"
)
_CITIZEN = re.compile(
    r"您|你|网友|留言人|来电人|来信人|投诉人|反映人|举报人|当事人|申请人|业主|户主|家属|本人|其(?:电话|手机|联系)"
)
_CLAUSE_START = re.compile(r"[。！？；\n]")
_WINDOW = 30


def _clause_before(text: str, start: int) -> str:
    window = text[max(0, start - _WINDOW) : start]
    return _CLAUSE_START.split(window)[-1]


def is_official_number(text: str, finding: Finding, citizen_digits: frozenset[str]) -> bool:
    """Whether a phone number found in a reply is the unit's published contact."""
    if finding.kind not in PHONE_KINDS and finding.kind != "email":
        return False
    digits = "".join(c for c in finding.text if c.isdigit())
    if digits and any(d and (digits.endswith(d) or d.endswith(digits)) for d in citizen_digits):
        return False
    clause = _clause_before(text, finding.start)
    # The cue nearest to the number decides: "如您有疑问，请致电我局办公室，电话…" is the
    # unit's; "我局已与网友（电话…）联系" is the citizen's.
    citizen = max((m.end() for m in _CITIZEN.finditer(clause)), default=-1)
    official = max((m.end() for m in _OFFICIAL.finditer(clause)), default=-1)
    if citizen > official:
        return False
    if official > citizen:
        return True
    return finding.kind == "landline"
