"""What a detector returns, and how overlapping candidates are settled."""

from __future__ import annotations

from dataclasses import dataclass

KIND_LABELS: dict[str, str] = {
    "mobile": "手机号",
    "landline": "固定电话",
    "id_card": "身份证号",
    "email": "电子邮箱",
    "bank_card": "银行卡号",
    "plate": "车牌号",
    "qq": "QQ号",
    "wechat": "微信号",
    "name": "姓名",
    "address": "门牌号",
}
NUMBER_KINDS = frozenset(KIND_LABELS) - {"name", "address"}
PHONE_KINDS = frozenset({"mobile", "landline"})


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: where it is, what it is and why we think so."""

    kind: str
    start: int
    end: int
    text: str
    reason: str
    confidence: float


@dataclass(frozen=True)
class RedactionResult:
    """Text ready to publish and the findings that were masked in it."""

    public_text: str
    findings: list[Finding]


def resolve(candidates: list[Finding]) -> list[Finding]:
    """Keep the most confident (then longest) findings that do not overlap."""
    chosen: list[Finding] = []
    for f in sorted(candidates, key=lambda f: (-f.confidence, -(f.end - f.start), f.start)):
        if all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)
