"""Numbers and identifiers: phones, ID cards, bank cards, e-mails, plates, QQ and WeChat ids.

Every detector reads the digit view of the text (NFKC, invisibles removed, Chinese numerals
as digits; see ``normalise``) and yields findings with offsets into that view. Shapes are
regular expressions; validity checks (ID check digit and birth date, Luhn) and context cues
decide. A cue such as 电话/手机/联系方式 lets a number through whatever its separators
(``139.1111.0003``, ``139 1111 0003``); cues such as 编号/订单 veto phone-shaped document
and order numbers; a trailing 号/元/室/年 marks a document number, an amount or a room.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date

from .base import KIND_LABELS, Finding

Detector = Callable[[str], Iterator[Finding]]

# One optional separator between digit groups.
_SEP = r"[ \t\u00a0\u3000\-‐‑–—]?"
_SEP_DOT = r"[ \t\u00a0\u3000\-‐‑–—.]?"
# Characters that writers and sites use to mask digits.
_MASK = "*xX×＊"
_DM = rf"[0-9{_MASK}]"
_NO_DIGIT_BEFORE = r"(?<![0-9A-Za-z])"
_NO_DIGIT_AFTER = r"(?![0-9])"

_PHONE_CUES = (
    "电话",
    "手机",
    "座机",
    "固话",
    "联系",
    "致电",
    "拨打",
    "号码",
    "热线",
    "短号",
    "打给",
    "来电",
    "回电",
    "tel",
    "TEL",
    "Tel",
    "phone",
    "Phone",
    "PHONE",
    "mobile",
    "Mobile",
)
_QQ_CUES = ("QQ", "qq", "Qq", "扣扣", "企鹅号")
_WECHAT_CUES = (
    "微信",
    "威信",
    "薇信",
    "wechat",
    "WeChat",
    "weixin",
    "vx",
    "VX",
    "wx",
    "WX",
    "V信",
    "v信",
    "加V",
    "加v",
)
_ID_CUES = ("身份证", "身份证号", "证件号", "公民身份", "身份号")
_BANK_CUES = ("卡号", "账号", "帐号", "银行卡", "账户", "帐户", "开户", "银行")
# Words that introduce numbers that are not about a person.
_NEGATIVE_CUES = (
    "编号",
    "单号",
    "订单",
    "运单",
    "快递",
    "流水号",
    "合同号",
    "文号",
    "工单",
    "受理号",
    "档案号",
    "证号",
    "证书",
    "许可证",
    "字第",
    "代码",
    "编码",
    "成交额",
    "收益",
    "代收",
    "产权证",
    "权证",
    "土地证",
    "批号",
    "宗地",
    "地块",
    "标准",
    "发票",
    "条码",
    "水表",
    "电表",
    "电话费",
    "话费",
    "邮编",
    "邮政编码",
)
_CUE_WINDOW = 12


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _masked(s: str) -> int:
    return sum(1 for c in s if c in _MASK)


def nearest_cue(text: str, start: int, positive: tuple[str, ...]) -> str | None:
    """'pos' or 'neg', whichever cue ends nearest before ``start`` (None if neither).

    The nearest wins because lists such as "编号…，电话：…" carry both kinds.
    """
    window = text[max(0, start - _CUE_WINDOW) : start]
    # A cue speaks for its own sentence only: "邮编410005。请回电0731…" is a phone.
    cut = max(window.rfind(t) for t in "。！？；\n")
    if cut >= 0:
        window = window[cut + 1 :]
    best: tuple[int, str] | None = None
    for cues, label in ((positive, "pos"), (_NEGATIVE_CUES, "neg")):
        for cue in cues:
            at = window.rfind(cue)
            if at >= 0 and (best is None or at + len(cue) > best[0]):
                best = (at + len(cue), label)
    return best[1] if best else None


_DOC_SUFFIX = re.compile(r"(?:\.\d+)?(?:号|地块|室|栋|幢|元|万|亿|年|%|‰|[A-Za-z])")


def _followed_by_doc_suffix(text: str, end: int) -> bool:
    """A trailing 号/地块/元/年 marks a document number, a parcel, an amount or a year."""
    return bool(_DOC_SUFFIX.match(text, end))


# --- validity checks ------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def valid_id18(number: str) -> bool:
    """18-digit resident ID: plausible region, real birth date, correct check digit."""
    if not re.fullmatch(r"[1-9]\d{16}[\dXx]", number):
        return False
    if not _valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14])):
        return False
    return id_check_digit(number[:17]) == number[17].upper()


def valid_id15(number: str) -> bool:
    """Old 15-digit ID (before 1999): region code and a real 19yy birth date."""
    if not re.fullmatch(r"[1-9]\d{14}", number):
        return False
    return _valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


def luhn_ok(number: str) -> bool:
    """Luhn (mod 10) check used by UnionPay, Visa and MasterCard numbers."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _looks_like_date8(digits: str) -> bool:
    """An 8-digit run such as 20191230 is far more often a date than a phone."""
    return len(digits) == 8 and _valid_date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


# --- phones ------------------------------------------------------------------------

_MOBILE_RE = re.compile(
    _NO_DIGIT_BEFORE
    + rf"(?:(?:\+|00)?86{_SEP}|\(\+?86\){_SEP})?"
    + rf"(?P<core>1[3-9]\d{_SEP_DOT}{_DM}{{4}}{_SEP_DOT}{_DM}{{4}})"
    + rf"(?![0-9{_MASK}])"
)


def _mobile(text: str) -> Iterator[Finding]:
    for m in _MOBILE_RE.finditer(text):
        hidden = _masked(m.group("core"))
        if hidden > 4:
            continue
        cue = nearest_cue(text, m.start(), _PHONE_CUES)
        if cue == "neg" or _followed_by_doc_suffix(text, m.end()):
            continue
        conf = 0.98 if cue == "pos" else 0.9
        reason = "11位手机号（号段1[3-9]）"
        if hidden:
            reason = "部分打码的手机号，仍露出7位数字"
        if cue == "pos":
            reason += "，前有“电话/手机/联系”等提示"
        yield Finding("mobile", m.start(), m.end(), m.group(), reason, conf)


# Area codes: 010 and 02x have 8-digit subscriber numbers; 0[3-9]xx have 7 or 8. Subscriber
# numbers start with 2–8 in the plan, but any non-zero start is accepted: a mistyped or
# invented number is still somebody's phone as far as the reader can tell.
_AREA_SUBSCRIBER = r"(?:0(?:10|2\d)[1-9]\d{7}|0[3-9]\d\d[1-9]\d{6,7})"
_LANDLINE_RE = re.compile(
    _NO_DIGIT_BEFORE
    + r"(?:"
    # (0755)2436 0468, 0755-24360468, 0755 2436 0468, +86 755 2436 0468
    + rf"(?:(?:\+|00)?86{_SEP}\(?0?[1-9]\d{{1,2}}\)?|\(0\d{{2,3}}\)|（0\d{{2,3}}）|0\d{{2,3}}){_SEP}"
    + rf"[2-9]\d{{2,3}}{_SEP}\d{{3,4}}"
    # or one run of digits whose prefix is a real area code: 075524360468, 02127562226
    + rf"|{_AREA_SUBSCRIBER}"
    + r")(?:(?:转|-|ext\.?|分机)\d{1,4})?"
    + _NO_DIGIT_AFTER
)


def _landline(text: str) -> Iterator[Finding]:
    for m in _LANDLINE_RE.finditer(text):
        cue = nearest_cue(text, m.start(), _PHONE_CUES)
        if cue == "neg" or _followed_by_doc_suffix(text, m.end()):
            continue
        conf = 0.97 if cue == "pos" else 0.9
        reason = "带区号的固定电话" + ("，前有电话提示" if cue == "pos" else "")
        yield Finding("landline", m.start(), m.end(), m.group(), reason, conf)


# A number after a contact cue, whatever separates its digits: "139.1111.0003",
# "0755 2436 0468", "电话：139-1111-0003"; the cue's clause may hold a few words first
# ("联系电话（微信同号）：…").
_CONTACT_CUE_RE = re.compile(
    "|".join(
        re.escape(c) for c in sorted(_PHONE_CUES + _QQ_CUES + _WECHAT_CUES, key=len, reverse=True)
    )
)
_RUN_SEP = " \t\u00a0\u3000.-‐‑–—·•_~()（）"
_GROUP_RE = re.compile(r"\d+")
_TERMINATORS = "。！？；;!?\n"
_MOBILE_SHAPE = re.compile(r"(?:0086|86)?1[3-9]\d{9}")
_LANDLINE_SHAPE = re.compile(rf"(?:0086|86)[1-9]\d{{1,2}}[2-8]\d{{6,7}}|{_AREA_SUBSCRIBER}")
_LOCAL_SHAPE = re.compile(r"[2-8]\d{6,7}")


def _run_groups(text: str, start: int) -> list[tuple[int, int]]:
    """Digit groups from ``start`` joined by at most three separator characters."""
    groups: list[tuple[int, int]] = []
    pos = start
    while True:
        m = _GROUP_RE.match(text, pos)
        if m is None:
            return groups
        groups.append((m.start(), m.end()))
        gap = m.end()
        while gap < len(text) and gap - m.end() < 3 and text[gap] in _RUN_SEP:
            gap += 1
        if gap == m.end() or gap >= len(text) or not text[gap].isdigit():
            return groups
        pos = gap


def _contact_kind(cue: str, digits: str, text: str, start: int) -> str | None:
    """What a number after ``cue`` is, from its digits; None when it has no contact shape."""
    if cue in _QQ_CUES:
        return "qq" if re.fullmatch(r"[1-9]\d{4,11}", digits) else None
    if _MOBILE_SHAPE.fullmatch(digits):
        return "wechat" if cue in _WECHAT_CUES else "mobile"
    if cue in _WECHAT_CUES:
        return None
    if _LANDLINE_SHAPE.fullmatch(digits):
        return "landline"
    if _LOCAL_SHAPE.fullmatch(digits):
        # "联系…20191230" is a date unless 电话/拨打 is right before it.
        near = text[max(0, start - 4) : start]
        if _looks_like_date8(digits) and "电话" not in near and "拨打" not in near:
            return None
        return "landline"
    return None


def _contact_numbers(text: str) -> Iterator[Finding]:
    for cue_m in _CONTACT_CUE_RE.finditer(text):
        cue = cue_m.group()
        # Latin cues must be words: "tel" in "hotel" is not one.
        if cue.isascii() and cue_m.start() > 0 and text[cue_m.start() - 1].isalpha():
            continue
        pos = cue_m.end()
        limit = min(len(text), pos + 10)
        while pos < limit and not text[pos].isdigit() and text[pos] not in _TERMINATORS:
            pos += 1
        if pos >= limit or not text[pos].isdigit():
            continue
        if nearest_cue(text, pos, (cue,)) == "neg" or text.startswith("费", cue_m.end()):
            continue
        if pos > 0 and (text[pos - 1].isalpha() and text[pos - 1].isascii()):
            continue  # part of an alphanumeric id: handled by the WeChat rule
        yield from _numbers_in_run(text, cue, _run_groups(text, pos))


_DATE_RUN = re.compile(r"(?:19|20)\d\d([-./])\d{1,2}\1\d{1,2}(?!\d)")


def _numbers_in_run(text: str, cue: str, groups: list[tuple[int, int]]) -> Iterator[Finding]:
    # "号码为2019-6-12办理": a date after a cue is still a date.
    if groups and _DATE_RUN.match(text, groups[0][0]):
        return
    k = 0
    while k < len(groups):
        found = None
        for last in range(len(groups) - 1, k - 1, -1):
            start, end = groups[k][0], groups[last][1]
            # "400-0745-333": a number cannot stop where a dash or dot says it goes on.
            if last + 1 < len(groups) and set(text[end : groups[last + 1][0]]) & set(".-‐‑–—"):
                continue
            digits = _digits(text[start:end])
            if len(digits) > 14:
                continue
            kind = _contact_kind(cue, digits, text, start)
            if kind is not None:
                found = (kind, start, end, last)
                break
        if found is None:
            k += 1
            continue
        kind, start, end, last = found
        k = last + 1
        if _followed_by_doc_suffix(text, end):
            continue
        # An IM cue is the more specific one: "QQ号码：…" is a QQ number, not a phone.
        conf = 0.975 if kind in ("qq", "wechat") else 0.97
        yield Finding(kind, start, end, text[start:end], f"“{cue}”之后的{KIND_LABELS[kind]}", conf)


# --- ID cards ---------------------------------------------------------------------

_ID_RE = re.compile(
    _NO_DIGIT_BEFORE
    # 18 or 15 characters, grouped any way ("430102 19900101 1234", "4301 0219 9001 0112 34").
    + rf"[1-9](?:{_SEP}\d){{16}}{_SEP}[\dXx]|[1-9](?:{_SEP}\d){{14}}"
    + r"(?![0-9A-Za-z])"
)
# Partly masked IDs: 18 (or 15) characters, digits and mask characters, at least
# four of them real digits and at least one masked.
_ID_MASKED_RE = re.compile(
    _NO_DIGIT_BEFORE
    + rf"{_DM}{{14}}(?:{_DM}{{3}}[0-9{_MASK}])?"
    # A masked tail may be glued to the next number ("…*******2015年8月").
    + rf"(?:(?<=[{_MASK}])(?![{_MASK}])|(?![0-9A-Za-z{_MASK}]))"
)


def _id_card(text: str) -> Iterator[Finding]:
    for m in _ID_RE.finditer(text):
        number = re.sub(r"[^0-9Xx]", "", m.group())
        cue = nearest_cue(text, m.start(), _ID_CUES)
        if len(number) == 18:
            if valid_id18(number):
                reason, conf = "18位身份证号，出生日期有效、校验位正确", 0.99
            elif cue == "pos" and _valid_date(
                int(number[6:10]), int(number[10:12]), int(number[12:14])
            ):
                reason, conf = "18位身份证号（校验位不符，但前有“身份证”提示）", 0.8
            else:
                continue
        elif valid_id15(number) and cue != "neg":
            reason, conf = "15位旧身份证号，出生日期有效", 0.9 if cue == "pos" else 0.8
        else:
            continue
        yield Finding("id_card", m.start(), m.end(), m.group(), reason, conf)
    for m in _ID_MASKED_RE.finditer(text):
        raw = m.group()
        shown, hidden = len(_digits(raw)), _masked(raw)
        if hidden == 0 or shown < 4:
            continue
        cue = nearest_cue(text, m.start(), _ID_CUES)
        region_like = bool(re.match(r"[1-8]\d{5}", raw))
        if cue == "neg" or not (cue == "pos" or (region_like and shown >= 6)):
            continue
        yield Finding(
            "id_card",
            m.start(),
            m.end(),
            raw,
            f"部分打码的{len(raw)}位身份证号，仍露出{shown}位数字",
            0.95 if cue == "pos" else 0.85,
        )


# --- e-mail, bank cards, plates, IM accounts ----------------------------------------

_EMAIL_RE = re.compile(
    rf"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-{_MASK}]+"
    r"\s?(?:@|\(at\)|\[at\])\s?"
    r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)


def _email(text: str) -> Iterator[Finding]:
    for m in _EMAIL_RE.finditer(text):
        yield Finding("email", m.start(), m.end(), m.group(), "电子邮箱地址", 0.99)


# 16–19 digits, grouped any way (by fours, 6+13, or not at all); Luhn or a cue decides.
_CARD_RE = re.compile(_NO_DIGIT_BEFORE + rf"[1-9](?:{_SEP}\d){{15,18}}" + _NO_DIGIT_AFTER)


def _bank_card(text: str) -> Iterator[Finding]:
    for m in _CARD_RE.finditer(text):
        if m.end() < len(text) and text[m.end()].isdigit():
            continue
        number = _digits(m.group())
        if not 16 <= len(number) <= 19:
            continue
        cue = nearest_cue(text, m.start(), _BANK_CUES)
        if cue == "neg" or _followed_by_doc_suffix(text, m.end()):
            continue
        if cue is None and nearest_cue(text, m.start(), _ID_CUES) == "pos":
            continue  # "身份证…" with a wrong check digit is still not a card
            continue
        if luhn_ok(number):
            conf = 0.97 if cue == "pos" else 0.85
            reason = f"{len(number)}位银行卡号，Luhn校验通过" + (
                "，前有“卡号/账号”提示" if cue == "pos" else ""
            )
        elif cue == "pos":
            conf = 0.8
            reason = f"{len(number)}位账号，前有“卡号/账号”提示（Luhn未通过，可能是对公账户）"
        else:
            continue
        yield Finding("bank_card", m.start(), m.end(), m.group(), reason, conf)


# Official province abbreviations (GA 36): a dataset that writes its anonymised province
# differently declares it through its adapter (``extra_plate_prefixes``).
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Ordinary plates: five letters/digits; new-energy plates: six, with D/F first or last.
_PLATE_TAIL = (
    r"[A-Za-z][·•・.\s\-]?"
    r"(?:[DFdf][A-HJ-NP-Za-hj-np-z0-9]\d{4}|\d{5}[DFdf]|[A-Za-z0-9]{5}|[A-Za-z0-9]{4}[挂学警])"
    # ...or glued to the next item number of a list ("湘A3F52P7、").
    r"(?:(?![A-Za-z0-9])|(?=\d{1,2}、))"
)


def plate_detector(prefixes: str) -> Detector:
    """A plate detector for these province abbreviations."""
    pattern = re.compile(rf"[{re.escape(prefixes)}]\s?" + _PLATE_TAIL)

    def _plate(text: str) -> Iterator[Finding]:
        for m in pattern.finditer(text):
            tail = re.sub(r"[^A-Za-z0-9]", "", m.group()[1:].lstrip())[1:]
            # Real plates carry at least three digits; this keeps "湘A ABCDE"-like words out.
            if sum(c.isdigit() for c in tail) < 3:
                continue
            kind = "新能源车牌（6位）" if len(tail) == 6 else "机动车号牌"
            yield Finding(
                "plate", m.start(), m.end(), m.group(), f"{kind}：省份简称+发牌机关字母", 0.93
            )

    return _plate


_QQ_RE = re.compile(
    r"(?:QQ|qq|Qq|扣扣|企鹅号)(?:号码?|号)?(?:是|为)?[:：\s]*([1-9]\d{4,11})(?![0-9])"
)
_WECHAT_RE = re.compile(
    r"(?:微信|威信|薇信|wechat|WeChat|weixin|vx|VX|wx|WX|[Vv]信|加[Vv])(?:号|ID|id)?(?:是|为)?[:：\s]*"
    r"([A-Za-z][-_A-Za-z0-9]{5,19})(?![A-Za-z0-9])"
)


def _im_accounts(text: str) -> Iterator[Finding]:
    for m in _QQ_RE.finditer(text):
        yield Finding("qq", m.start(1), m.end(1), m.group(1), "QQ号，前有“QQ”提示", 0.95)
    for m in _WECHAT_RE.finditer(text):
        yield Finding("wechat", m.start(1), m.end(1), m.group(1), "微信号，前有“微信”提示", 0.9)


NUMBER_DETECTORS: tuple[Detector, ...] = (
    _mobile,
    _landline,
    _contact_numbers,
    _id_card,
    _email,
    _bank_card,
    _im_accounts,
)
