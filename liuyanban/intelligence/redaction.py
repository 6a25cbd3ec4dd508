"""Personal-data detection and redaction for published message text.

Pure functions, no database. ``public_text`` is the one function the platform calls
when it publishes a message subject or body; ``redact_file`` and the evaluation
script call the same function so that what is measured is what is published.

Detection is rule based: each kind has a shape (regular expression), a validity
check where the format has one (ID-card check digit, dates in ID numbers, Luhn for
bank cards) and context cues. Cues such as "电话" or "身份证" raise confidence and
let ambiguous shapes (an 8-digit local number) through; cues such as "编号" or
"订单" veto phone-shaped document and order numbers. Offsets always refer to the
text passed in: the matcher runs on a same-length folded copy (full-width digits
folded to ASCII one character at a time) so spans map back exactly.

Mask style (see docs/redaction.md): numbers, e-mail addresses and plates become a
labelled mask ``【已隐去手机号】``; a personal name keeps its surname and becomes
``张某`` — the usual form in Chinese public documents, and still readable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

__all__ = [
    "KIND_LABELS",
    "Finding",
    "RedactionResult",
    "find_personal_data",
    "normalize_whitespace",
    "public_text",
    "redact",
]

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
}


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


# --- character classes -------------------------------------------------------

# One optional separator between digit groups: scraped text puts NBSP and
# ideographic spaces where the writer typed a space.
_SEP = r"[ \t\u00a0\u3000\-‐‑–—]?"
# Characters that writers and the source site use to mask digits.
_MASK = "*xX×＊"
_DM = rf"[0-9{_MASK}]"
_NO_DIGIT_BEFORE = r"(?<![0-9A-Za-z])"
_NO_DIGIT_AFTER = r"(?![0-9])"

_POSITIVE_CUES = {
    "phone": (
        "电话",
        "手机",
        "联系",
        "致电",
        "拨打",
        "号码",
        "tel",
        "TEL",
        "Tel",
        "热线",
        "短号",
        "打给",
    ),
    "id_card": ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "公民身份", "身份号"),
    "bank_card": ("卡号", "账号", "帐号", "银行卡", "账户", "帐户", "开户", "银行"),
}
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
)
_CUE_WINDOW = 12


def _fold(text: str) -> str:
    """Full-width ASCII to half-width, one character for one, so offsets survive."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7F else ch
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _masked(s: str) -> int:
    return sum(1 for c in s if c in _MASK)


def _nearest_cue(text: str, start: int, positive: tuple[str, ...]) -> str | None:
    """'pos' or 'neg', whichever cue ends nearest before ``start`` (None if neither).

    The nearest wins because lists such as "编号…，电话：…" carry both kinds.
    """
    window = text[max(0, start - _CUE_WINDOW) : start]
    best: tuple[int, str] | None = None
    for cues, label in ((positive, "pos"), (_NEGATIVE_CUES, "neg")):
        for cue in cues:
            at = window.rfind(cue)
            if at >= 0 and (best is None or at + len(cue) > best[0]):
                best = (at + len(cue), label)
    return best[1] if best else None


_DOC_SUFFIX = re.compile(r"(?:\.\d+)?(?:号|地块|室|栋|元|万|年|[A-Za-z])")


def _followed_by_doc_suffix(text: str, end: int) -> bool:
    """A trailing 号/号文件/地块 marks a document or parcel number, not a phone."""
    return bool(_DOC_SUFFIX.match(text, end))


# --- validity checks -----------------------------------------------------------

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


# --- detectors -----------------------------------------------------------------
# Each detector takes the folded text and yields findings. They may overlap;
# ``_resolve`` keeps the most confident, longest, non-overlapping set.

Detector = Callable[[str], Iterator[Finding]]

_MOBILE_RE = re.compile(
    _NO_DIGIT_BEFORE
    + rf"(?:(?:\+|00)?86{_SEP}|\(\+?86\){_SEP})?"
    + rf"(?P<core>1[3-9]\d{_SEP}{_DM}{{4}}{_SEP}{_DM}{{4}})"
    + rf"(?![0-9{_MASK}])"
)


def _mobile(text: str) -> Iterator[Finding]:
    for m in _MOBILE_RE.finditer(text):
        hidden = _masked(m.group("core"))
        if hidden > 4:
            continue
        cue = _nearest_cue(text, m.start(), _POSITIVE_CUES["phone"])
        if cue == "neg" or _followed_by_doc_suffix(text, m.end()):
            continue
        conf = 0.98 if cue == "pos" else 0.9
        reason = "11位手机号（号段1[3-9]）"
        if hidden:
            reason = "部分打码的手机号，仍露出7位数字"
        if cue == "pos":
            reason += "，前有“电话/手机/联系”等提示"
        yield Finding("mobile", m.start(), m.end(), m.group(), reason, conf)


_LANDLINE_RE = re.compile(
    _NO_DIGIT_BEFORE
    + rf"(?:(?:\(0\d{{2,3}}\)|（0\d{{2,3}}）|0\d{{2,3}}){_SEP}){{1,2}}"
    + r"[0-9]\d{6,7}(?:(?:转|-)\d{1,4})?"
    + _NO_DIGIT_AFTER
)
# A local number without area code needs a cue right before it.
_LOCAL_RE = re.compile(_NO_DIGIT_BEFORE + r"[2-9]\d{6,7}" + _NO_DIGIT_AFTER)


def _landline(text: str) -> Iterator[Finding]:
    for m in _LANDLINE_RE.finditer(text):
        raw = m.group()
        has_sep = bool(re.search(r"[^0-9]", raw))
        cue = _nearest_cue(text, m.start(), _POSITIVE_CUES["phone"])
        if cue == "neg" or _followed_by_doc_suffix(text, m.end()):
            continue
        if not has_sep and cue != "pos":
            # 11–12 bare digits starting with 0 are as often account or order numbers.
            continue
        conf = 0.97 if cue == "pos" else 0.9
        reason = "带区号的固定电话" + ("，前有电话提示" if cue == "pos" else "")
        yield Finding("landline", m.start(), m.end(), raw, reason, conf)
    for m in _LOCAL_RE.finditer(text):
        before = text[max(0, m.start() - 6) : m.start()]
        if not any(c in before for c in ("电话", "座机", "联系", "致电", "拨打", "热线", "tel")):
            continue
        if _followed_by_doc_suffix(text, m.end()):
            continue
        near = text[max(0, m.start() - 3) : m.start()]
        if _looks_like_date8(m.group()) and "电话" not in near and "拨打" not in near:
            continue
        yield Finding(
            "landline",
            m.start(),
            m.end(),
            m.group(),
            "7–8位本地电话号码，紧跟在“电话/联系”之后",
            0.9,
        )


_ID_RE = re.compile(
    _NO_DIGIT_BEFORE
    + rf"[1-9]\d{{5}}{_SEP}(?:\d{{8}}{_SEP}\d{{3}}[\dXx]|\d{{6}}{_SEP}\d{{3}})"
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
        cue = _nearest_cue(text, m.start(), _POSITIVE_CUES["id_card"])
        if len(number) == 18:
            if valid_id18(number):
                yield Finding(
                    "id_card",
                    m.start(),
                    m.end(),
                    m.group(),
                    "18位身份证号，出生日期有效、校验位正确",
                    0.99,
                )
            elif cue == "pos" and _valid_date(
                int(number[6:10]), int(number[10:12]), int(number[12:14])
            ):
                yield Finding(
                    "id_card",
                    m.start(),
                    m.end(),
                    m.group(),
                    "18位身份证号（校验位不符，但前有“身份证”提示）",
                    0.8,
                )
        elif valid_id15(number) and cue != "neg":
            yield Finding(
                "id_card",
                m.start(),
                m.end(),
                m.group(),
                "15位旧身份证号，出生日期有效",
                0.9 if cue == "pos" else 0.8,
            )
    for m in _ID_MASKED_RE.finditer(text):
        raw = m.group()
        shown, hidden = len(_digits(raw)), _masked(raw)
        if hidden == 0 or shown < 4:
            continue
        cue = _nearest_cue(text, m.start(), _POSITIVE_CUES["id_card"])
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


_EMAIL_RE = re.compile(
    rf"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-{_MASK}]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{{2,}}"
)


def _email(text: str) -> Iterator[Finding]:
    for m in _EMAIL_RE.finditer(text):
        yield Finding("email", m.start(), m.end(), m.group(), "电子邮箱地址", 0.99)


_CARD_RE = re.compile(
    _NO_DIGIT_BEFORE + rf"[1-9]\d{{3}}(?:{_SEP}\d{{4}}){{3}}(?:{_SEP}\d{{1,3}})?" + _NO_DIGIT_AFTER
)


def _bank_card(text: str) -> Iterator[Finding]:
    for m in _CARD_RE.finditer(text):
        number = _digits(m.group())
        if not 16 <= len(number) <= 19:
            continue
        cue = _nearest_cue(text, m.start(), _POSITIVE_CUES["bank_card"])
        if cue == "neg":
            continue
        if luhn_ok(number):
            conf = 0.97 if cue == "pos" else 0.85
            reason = f"{len(number)}位银行卡号，Luhn校验通过" + (
                "，前有“卡号/账号”提示" if cue == "pos" else ""
            )
        elif cue == "pos":
            conf, reason = (
                0.8,
                f"{len(number)}位账号，前有“卡号/账号”提示（Luhn未通过，可能是对公账户）",
            )
        else:
            continue
        yield Finding("bank_card", m.start(), m.end(), m.group(), reason, conf)


# 楚 is not an official plate prefix: the public TipDM corpus we evaluate on writes its
# anonymised province (西地省) as 楚, plates included. It costs nothing elsewhere.
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼楚"
# Ordinary plates: five letters/digits; new-energy plates: six, with D/F first or last.
_PLATE_RE = re.compile(
    rf"[{_PROVINCES}][A-Z][·•・.\s]?"
    + r"(?:[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF]|[A-Z0-9]{5})"
    # ...or glued to the next item number of a list ("楚A3F52P7、").
    + r"(?:(?![A-Za-z0-9])|(?=\d{1,2}、))"
)


def _plate(text: str) -> Iterator[Finding]:
    for m in _PLATE_RE.finditer(text):
        tail = re.sub(r"[^A-Z0-9]", "", m.group()[2:])
        # Real plates carry at least three digits; this keeps "湘A ABCDE"-like words out.
        if sum(c.isdigit() for c in tail) < 3:
            continue
        kind = "新能源车牌（6位）" if len(tail) == 6 else "机动车号牌"
        yield Finding(
            "plate", m.start(), m.end(), m.group(), f"{kind}：省份简称+发牌机关字母", 0.93
        )


# The source data writes some anonymised QQ numbers as 0000-00000000, hence the dash.
_QQ_RE = re.compile(r"(?:QQ|qq|扣扣)(?:号码?)?[:：\s]*(\d[\d-]{4,13}\d)(?![0-9])")
_WECHAT_RE = re.compile(
    r"(?:微信|vx|VX|wx|WX)(?:号)?[:：\s]*([A-Za-z][-_A-Za-z0-9]{5,19})(?![A-Za-z0-9])"
)


def _im_accounts(text: str) -> Iterator[Finding]:
    for m in _QQ_RE.finditer(text):
        yield Finding("qq", m.start(1), m.end(1), m.group(1), "QQ号，前有“QQ”提示", 0.95)
    for m in _WECHAT_RE.finditer(text):
        yield Finding("wechat", m.start(1), m.end(1), m.group(1), "微信号，前有“微信”提示", 0.9)


# --- names ---------------------------------------------------------------------

# Common surnames (single and compound). Rare ones are left out on purpose: a
# rare surname such as 崇 would turn "我是崇源堂大药房" into a false name.
_SURNAMES_1 = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强"
    "帅屠豆朴盖练廉禹井祖漆巴丰支卿狄计索宣晋初云容敬扈晁芮普阙浦戈伏鹿薄邸雍辜羊乌裘亓"
    "修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植"
    "衡富尧闭由"
)
_SURNAMES_2 = {
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
    "端木",
    "西门",
    "南宫",
}
# Words that, right after a surname, show that this is not a name ("我是王者…").
_NOT_GIVEN = set(
    "的了在是和与及或等被把对从向为以于着过也都就还又很更最不没今去明昨前后本该此近多次"
)
# A last character that makes the "name" a place or business (华悦城, 利聚网, 南六县).
_PLACE_SUFFIX = set("城苑园网县区市村镇路街店厂局院校司楼")
# Titles are not given names: "李科长", "唐先生" name a role, not a person.
_TITLES = (
    "先生",
    "女士",
    "科长",
    "局长",
    "处长",
    "主任",
    "经理",
    "老板",
    "书记",
    "师傅",
    "老师",
    "同志",
    "律师",
    "医生",
    "所长",
    "队长",
    "院长",
    "校长",
    "村长",
    "组长",
    "镇长",
    "县长",
    "市长",
    "厅长",
    "部长",
)
_STRONG_CUES = (
    "我的名字叫",
    "我的名字是",
    "我叫",
    "本人叫",
    "本人名叫",
    "本人姓名",
    "姓名",
    "联系人",
    "举报人",
    "投诉人",
    "报告人",
    "反映人",
)
# What may follow a name: punctuation, spaces, digits, or these words.
_NAME_FOLLOW = (
    "男",
    "女",
    "，",
    "。",
    "、",
    "；",
    "：",
    ",",
    ";",
    ":",
    "(",
    "（",
    ")",
    "）",
    "身份证",
    "电话",
    "手机",
    "联系",
    "家住",
    "住",
    "现",
    "是",
    "于",
    "在",
    "今年",
    "系",
    "等",
    "为",
    "同志",
    "老师",
    "和",
    "与",
    "及",
    "向",
    "等",
    "因",
    "从",
    "自",
    "一家",
    "出生",
    "来自",
    "反映",
    "投诉",
    "举报",
    "请求",
    "特此",
    "本人",
    "户籍",
    "原",
    "汉族",
    "，",
    "\u3000",
    "\u00a0",
)
_NAME_CUES = (
    "我的名字叫",
    "我的名字是",
    "我叫",
    "本人叫",
    "本人名叫",
    "本人姓名",
    "本人是",
    "本人",
    "我是",
    "联系人",
    "举报人",
    "投诉人",
    "申请人",
    "反映人",
    "报告人",
    "求助人",
    "代理人",
    "当事人",
    "受害人",
    "户主",
    "姓名",
    "署名",
)
_NAME_CUE_RE = re.compile(
    "("
    + "|".join(sorted((re.escape(c) for c in _NAME_CUES), key=len, reverse=True))
    + r")[：:\s\u3000\u00a0]{0,3}(?:姓名[：:\s]{0,2})?"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    """jieba's part-of-speech tags: tells a dictionary word (居住, v) from a name (nr)."""
    import jieba.posseg

    return dict(jieba.posseg.dt.word_tag_tab)


def _is_common_word(word: str) -> bool:
    """True when jieba knows ``word`` as something other than a person's name."""
    tag = _word_tags().get(word)
    return tag is not None and not tag.startswith("nr")


def _ends_name(text: str, end: int) -> bool:
    """Whether a name may stop at ``end``: end of text, space, digit or a follow word."""
    if end == len(text) or text[end].isspace() or text[end].isdigit():
        return True
    return text.startswith(_NAME_FOLLOW, end)


def _name_at(text: str, i: int, *, strict: bool = True) -> int | None:
    """End of a personal name starting at ``i`` (surname + 1–2 characters), or None.

    ``strict`` (used after weak cues such as 本人/我是) also rejects candidates that
    jieba knows as ordinary words: "本人居住在…", "我是农民".
    """
    if text[i : i + 2] in _SURNAMES_2:
        surname_len = 2
    elif i < len(text) and text[i] in _SURNAMES_1:
        surname_len = 1
    else:
        return None
    for given in (2, 1):
        end = i + surname_len + given
        part = text[i + surname_len : end]
        if len(part) != given or not all(_CJK.match(c) for c in part):
            continue
        if part[0] in _NOT_GIVEN or text.startswith(_TITLES, i + surname_len):
            return None
        if part[-1] in _PLACE_SUFFIX or not _ends_name(text, end):
            continue
        if given == 2 and part[1] in "于在是为与及等" and _ends_name(text, end - 1):
            continue
        # "李鸣联系方式": the last character belongs to a following word (联系), not the name.
        if given == 2 and any(len(w) > 1 and text.startswith(w, end - 1) for w in _NAME_FOLLOW):
            continue
        if strict and (
            _is_common_word(text[i : i + surname_len + 1]) or _is_common_word(text[i:end])
        ):
            return None
        return end
    return None


def _name_list(text: str, end: int) -> Iterator[tuple[int, int]]:
    """Further names in a "、" list after a cue: "投诉人：蒋某、陈某、李某"."""
    while end < len(text) and text[end] == "、":
        nxt = _name_at(text, end + 1)
        if nxt is None:
            return
        yield end + 1, nxt
        end = nxt


def _names(text: str, numbers: list[Finding]) -> Iterator[Finding]:
    """Names after a self-introduction or role cue, or right before a phone/ID number."""
    for m in _NAME_CUE_RE.finditer(text):
        cue = m.group(1)
        strong = cue in _STRONG_CUES
        end = _name_at(text, m.end(), strict=not strong)
        if end is None:
            continue
        conf = 0.9 if strong else 0.8
        yield Finding("name", m.end(), end, text[m.end() : end], f"“{cue}”之后的人名", conf)
        for start, stop in _name_list(text, end):
            yield Finding("name", start, stop, text[start:stop], f"“{cue}”之后并列的人名", conf)
    for f in numbers:
        if f.kind not in ("mobile", "landline", "id_card"):
            continue
        # "杨某兰 0000-0000000" in contact lists: a name directly before a number.
        j = f.start
        while j > 0 and text[j - 1] in " \t\u00a0\u3000：:（(":
            j -= 1
        for size in (3, 2, 4):
            i = j - size
            if i < 0 or not all(_CJK.match(c) for c in text[i:j]):
                continue
            if i > 0 and _CJK.match(text[i - 1]):
                continue
            if _name_at(text[:j] + "，", i) == j:
                yield Finding("name", i, j, text[i:j], "紧挨在电话/证件号前的人名", 0.8)
                break


# --- public API ------------------------------------------------------------------

_NUMBER_DETECTORS: tuple[Detector, ...] = (
    _mobile,
    _landline,
    _id_card,
    _email,
    _bank_card,
    _plate,
    _im_accounts,
)


def _resolve(candidates: list[Finding]) -> list[Finding]:
    """Keep the most confident (then longest) findings that do not overlap."""
    chosen: list[Finding] = []
    for f in sorted(candidates, key=lambda f: (-f.confidence, -(f.end - f.start), f.start)):
        if all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


def find_personal_data(text: str) -> list[Finding]:
    """All personal data found in ``text``, sorted by position, non-overlapping.

    ``start``/``end`` index into ``text`` itself; ``Finding.text`` is the original slice.
    """
    if not text:
        return []
    folded = _fold(text)
    numbers = [f for detect in _NUMBER_DETECTORS for f in detect(folded)]
    numbers = _resolve(numbers)
    found = _resolve(numbers + list(_names(folded, numbers)))
    return [
        Finding(f.kind, f.start, f.end, text[f.start : f.end], f.reason, f.confidence)
        for f in found
    ]


def mask_for(finding: Finding) -> str:
    """What replaces a finding in published text."""
    if finding.kind == "name":
        surname = finding.text[:2] if finding.text[:2] in _SURNAMES_2 else finding.text[:1]
        return surname + "某"
    return f"【已隐去{KIND_LABELS[finding.kind]}】"


def redact(text: str) -> RedactionResult:
    """Replace every finding in ``text`` by its mask; findings keep offsets into ``text``."""
    findings = find_personal_data(text)
    parts: list[str] = []
    pos = 0
    for f in findings:
        parts.append(text[pos : f.start])
        parts.append(mask_for(f))
        pos = f.end
    parts.append(text[pos:])
    return RedactionResult("".join(parts), findings)


_H_SPACE = re.compile(r"[ \t\u00a0\u3000\u2000-\u200b\ufeff]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def normalize_whitespace(text: str) -> str:
    """Tidy scraped padding without touching punctuation (unlike NFKC normalisation).

    Runs of spaces, tabs, NBSP and ideographic spaces become one space, lines are
    trimmed and empty lines dropped, so paragraphs survive but "\\n\\t\\t\\t" does not.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("_x000D_", "")
    lines = (_H_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def public_text(text: str) -> str:
    """Exactly what the platform publishes for a subject or body: tidied, then redacted."""
    return redact(normalize_whitespace(text)).public_text
