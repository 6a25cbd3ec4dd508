"""Plant personal data and look-alikes into real message texts, for ``redaction_eval.py``.

Written from the formats people use (how phone numbers, IDs, cards, plates, e-mails,
QQ/WeChat ids and names appear in letters to officials), not from the detector's rules:
it imports nothing from ``liuyanban.intelligence.redaction``. Its surname list and its
area codes are its own. Each planted item records its kind and the exact characters
written, so a scorer can check whether those characters survive in the published text.

A planted message is a real message body with one to three inserted sentences, each holding
one personal item (or none) and look-alikes (dates, amounts, document numbers, rooms,
postal codes, times, years, percentages, article numbers, hotlines) that must survive.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

# --- values ------------------------------------------------------------------------

# The generator's own surname list (includes surnames that are not among the most common).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申耿关兰焦俞左柳甘祝包宁尚符舒阮柯"
    "纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古"
    "吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫"
)
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "皇甫", "令狐", "慕容", "司徒")
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志飞燕俊晓雪梅宇浩鑫亮"
    "婷宏海波斌峰琳瑶欣怡佳琪子轩梓涵雨思博文嘉乐晨阳丹蕾颖慧杨帆宁远德福春生秋菊冬梅凤龙林"
)
AREA_CODES_3 = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029")
AREA_CODES_4 = (
    "0731", "0755", "0571", "0512", "0551", "0591", "0871", "0351", "0431", "0451",
    "0531", "0371", "0771", "0898", "0851", "0311", "0471", "0791", "0931", "0991",
    "0734", "0736", "0739", "0745", "0754", "0760", "0769", "0574", "0577", "0595",
)  # fmt: skip
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "145",
    "147",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "170",
    "171",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]
PROVINCE_ABBR = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "hotmail.com", "foxmail.com", "139.com", "yeah.net", "sohu.com")  # fmt: skip
REGIONS = ("430102", "430103", "430104", "430105", "430111", "110105", "310104", "440304", "320102", "510107", "420106", "330106", "370102", "610113", "500103")  # fmt: skip
ZH_DIGITS = "〇一二三四五六七八九"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Planted:
    """One inserted item: what kind it is and the exact characters written."""

    kind: str  # a personal-data kind, or "lookalike"
    value: str
    form: str = ""  # how it was written (plain, dotted, zh-numerals, …)
    start: int = -1  # offsets in the planted message's text
    end: int = -1


@dataclass
class PlantedMessage:
    """A real message with inserted sentences, and what was planted in it."""

    key: str
    text: str
    items: list[Planted] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)  # the inserted sentences


def _name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND) if rng.random() < 0.05 else rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
    return surname + given


def _mobile_digits(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))


def _obfuscate(rng: random.Random, digits: str) -> tuple[str, str]:
    """Write a digit string as people and evaders do; returns (text, form)."""
    form = rng.choices(
        ["plain", "dash", "space", "dot", "fullwidth", "zh", "zerowidth", "rtl"],
        weights=[40, 12, 10, 8, 8, 8, 7, 7],
    )[0]
    if len(digits) == 11 and digits.startswith("1"):
        groups = [digits[:3], digits[3:7], digits[7:]]
    else:
        groups = [digits[:4], digits[4:8], digits[8:]] if len(digits) > 8 else [digits]
    if form == "dash":
        return "-".join(groups), form
    if form == "space":
        return " ".join(groups), form
    if form == "dot":
        return ".".join(groups), form
    if form == "fullwidth":
        return digits.translate(FULL_WIDTH), form
    if form == "zh":
        zh = "".join(ZH_DIGITS[int(d)] for d in digits)
        return (zh.replace("一", "幺") if rng.random() < 0.3 else zh), form
    if form == "zerowidth":
        return "\u200b".join(groups), form
    if form == "rtl":
        return "\u202e" + digits[::-1] + "\u202c", form
    return digits, form


def _landline(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.4:
        area, sub = rng.choice(AREA_CODES_3), str(rng.randint(2, 8)) + _rand_digits(rng, 7)
    else:
        area = rng.choice(AREA_CODES_4)
        sub = str(rng.randint(2, 8)) + _rand_digits(rng, 7 if rng.random() < 0.8 else 6)
    form = rng.choice(["dash", "none", "none", "paren", "space", "dash-ext", "fullwidth"])
    if form == "dash":
        return f"{area}-{sub}", form
    if form == "paren":
        return f"({area}){sub}", form
    if form == "space":
        return f"{area} {sub[:4]} {sub[4:]}", form
    if form == "dash-ext":
        return f"{area}-{sub}转{rng.randint(100, 899)}", form
    if form == "fullwidth":
        return f"{area}-{sub}".translate(FULL_WIDTH), form
    return area + sub, form


def _rand_digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _id_card(rng: random.Random) -> tuple[str, str]:
    born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 65))
    if rng.random() < 0.08:  # old 15-digit card
        return f"{rng.choice(REGIONS)}{born:%y%m%d}{_rand_digits(rng, 3)}", "id15"
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{_rand_digits(rng, 3)}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    number = body + check
    if rng.random() < 0.15:
        return f"{number[:6]} {number[6:14]} {number[14:]}", "spaced"
    if rng.random() < 0.1:
        return number.translate(FULL_WIDTH), "fullwidth"
    return number, "plain"


def _bank_card(rng: random.Random) -> tuple[str, str]:
    length = rng.choice((16, 16, 19, 19, 18, 17))
    body = rng.choice(
        ("6222", "6228", "6217", "6214", "6225", "4367", "6212", "6013")
    ) + _rand_digits(rng, length - 5)
    for d in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(body + d)):
            v = int(ch) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            number = body + d
            break
    if rng.random() < 0.4:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4)), "grouped"
    return number, "plain"


def _email(rng: random.Random) -> tuple[str, str]:
    local = rng.choice(
        (
            _rand_digits(rng, rng.randint(6, 10)),
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8)))
            + rng.choice(("", "_", ".", ""))
            + _rand_digits(rng, rng.randint(0, 4)),
        )
    )
    local = local.strip("._") or "li"
    if rng.random() < 0.1:
        return f"{local}＠{rng.choice(MAIL_DOMAINS)}", "fullwidth-at"
    return f"{local}@{rng.choice(MAIL_DOMAINS)}", "plain"


def _plate(rng: random.Random) -> tuple[str, str]:
    head = rng.choice(PROVINCE_ABBR) + rng.choice(PLATE_LETTERS)
    if rng.random() < 0.2:
        tail = rng.choice("DF") + rng.choice(PLATE_LETTERS + "0123456789") + _rand_digits(rng, 4)
        form = "new-energy"
    else:
        chars = [rng.choice("0123456789") for _ in range(5)]
        if rng.random() < 0.5:
            chars[rng.randint(0, 4)] = rng.choice(PLATE_LETTERS)
        tail, form = "".join(chars), "ordinary"
    sep = rng.choice(("", "", "", "·", " "))
    return head + sep + tail, form


def _qq(rng: random.Random) -> tuple[str, str]:
    return str(rng.randint(1, 9)) + _rand_digits(rng, rng.randint(4, 10)), "plain"


def _wechat(rng: random.Random) -> tuple[str, str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    core = rng.choice(letters) + "".join(
        rng.choice(letters + "0123456789_-") for _ in range(rng.randint(5, 14))
    )
    # WeChat ids: 6–20 letters, digits, _ or -, starting with a letter.
    core = core.rstrip("_-") + rng.choice(("", "88", "_1990", "666"))
    while len(core) < 6:
        core += rng.choice(letters)
    return core[:20], "plain"


# --- sentences -----------------------------------------------------------------------

CONTEXTS: dict[str, tuple[str, ...]] = {
    "mobile": (
        "我的电话是{v}，",
        "联系电话：{v}。",
        "手机{v}，",
        "如需核实请打我手机{v}。",
        "本人联系方式{v}，",
        "有事可以打{v}找我。",
        "电话/微信同号：{v}。",
        "Tel：{v}。",
        "{v}是我的手机号，",
        "我爱人的电话{v}，",
    ),
    "landline": (
        "家里座机{v}，",
        "联系电话：{v}。",
        "请回电{v}。",
        "单位电话{v}，白天可以找到我。",
        "我的电话{v}。",
        "固话{v}，",
        "可拨打{v}联系我，",
        "{v}是我家的电话。",
    ),
    "id_card": (
        "我的身份证号是{v}，",
        "身份证：{v}。",
        "本人身份证号码{v}，",
        "老人身份证号{v}。",
        "证件号{v}，",
        "{v}是我的身份证号，",
    ),
    "bank_card": (
        "补贴应打到我的银行卡{v}，",
        "卡号：{v}。",
        "社保卡号{v}，",
        "工资卡账号{v}一直没有到账。",
        "请转账到{v}。",
    ),
    "email": (
        "我的邮箱是{v}，",
        "可以发邮件到{v}。",
        "E-mail：{v}。",
        "回复请寄{v}，",
    ),
    "plate": (
        "车牌号为{v}的车辆长期占用消防通道，",
        "我的车{v}被贴了罚单，",
        "肇事车辆{v}逃逸，",
        "车牌{v}的渣土车",
        "{v}每天晚上停在人行道上。",
    ),
    "qq": ("我的QQ是{v}，", "QQ：{v}。", "可以加我QQ号{v}，", "扣扣{v}，"),
    "wechat": ("微信：{v}。", "我的微信号是{v}，", "加我微信{v}，", "vx：{v}。"),
    "name": (
        "我叫{v}，",
        "我叫{v}电话稍后提供。",
        "本人{v}，",
        "联系人：{v}。",
        "姓名：{v}，",
        "我是{v}，",
        "举报人：{v}。",
        "{v}先生反映，",
        "{v}女士说，",
        "\n{v}\n",
        "此致敬礼\n{v}\n",
        "业主{v}，",
        "署名：{v}。",
    ),
}
NUMBER_FOLLOW = ("请尽快处理。", "谢谢！", "盼回复。", "", "希望领导重视。")
LOOKALIKES = (
    lambda r: f"{r.randint(2015, 2020)}年{r.randint(1, 12)}月{r.randint(1, 28)}日",
    lambda r: f"{r.randint(2015, 2020)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    lambda r: f"{r.randint(2015, 2020)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}",
    lambda r: f"{r.randint(2015, 2020)}/{r.randint(1, 12)}/{r.randint(1, 28)}",
    lambda r: f"{r.randint(100, 99999999)}元",
    lambda r: f"{r.randint(1, 999)}.{r.randint(0, 99):02d}万元",
    lambda r: f"{r.randint(1, 9)},{r.randint(100, 999)},{r.randint(100, 999)}元",
    lambda r: (
        f"{r.choice(('湘政发', '长发改', '国办发', '湘人社发'))}〔{r.randint(2010, 2020)}〕{r.randint(1, 200)}号"
    ),
    lambda r: f"第{r.randint(1, 99)}号文件",
    lambda r: f"{r.randint(1, 30)}楼{r.randint(101, 3099)}室",
    lambda r: f"会议室{r.randint(101, 999)}",
    lambda r: f"邮编{r.randint(100000, 850000)}",
    lambda r: f"{r.randint(6, 22)}:{r.randint(0, 59):02d}",
    lambda r: f"{r.randint(1, 12)}点{r.randint(1, 59)}分",
    lambda r: f"{r.randint(1990, 2020)}年",
    lambda r: f"{r.randint(1, 99)}.{r.randint(1, 9)}%",
    lambda r: f"第{r.randint(1, 120)}条",
    lambda r: (
        f"第{'一二三四五六七八九十'[r.randint(0, 9)]}十{'一二三四五六七八九'[r.randint(0, 8)]}条"
    ),
    lambda r: r.choice(("12345", "110", "12315", "12369", "96110", "400-800-8888", "95588")),
    lambda r: f"{r.randint(1, 40)}栋",
    lambda r: f"{r.randint(50, 300)}平方米",
    lambda r: f"GB{r.randint(10000, 59999)}-{r.randint(2000, 2020)}",
    lambda r: f"合同编号{r.randint(10000000000, 99999999999)}",
    lambda r: f"{r.randint(100, 999)}路公交车",
)
LOOKALIKE_FRAMES = (
    "{a}，{b}。",
    "{a}反映过，当时说{b}以内处理。",
    "根据{a}的规定，{b}。",
    "从{a}到{b}，一直没有结果。",
)
KINDS = ("mobile", "landline", "id_card", "bank_card", "email", "plate", "qq", "wechat", "name")


def _value(rng: random.Random, kind: str) -> tuple[str, str]:
    if kind == "mobile":
        return _obfuscate(rng, _mobile_digits(rng))
    if kind == "landline":
        return _landline(rng)
    if kind == "id_card":
        return _id_card(rng)
    if kind == "bank_card":
        return _bank_card(rng)
    if kind == "email":
        return _email(rng)
    if kind == "plate":
        return _plate(rng)
    if kind == "qq":
        return _qq(rng)
    if kind == "wechat":
        return _wechat(rng)
    return _name(rng), "plain"


def _sentence(rng: random.Random, kind: str) -> tuple[str, Planted]:
    value, form = _value(rng, kind)
    template = rng.choice(CONTEXTS[kind])
    tail = rng.choice(NUMBER_FOLLOW) if kind != "name" else ""
    return template.format(v=value) + tail, Planted(kind, value, form)


def _lookalike_sentence(rng: random.Random) -> tuple[str, list[Planted]]:
    a, b = rng.choice(LOOKALIKES)(rng), rng.choice(LOOKALIKES)(rng)
    frame = rng.choice(LOOKALIKE_FRAMES)
    return frame.format(a=a, b=b), [Planted("lookalike", a), Planted("lookalike", b)]


_SENTENCE_END = re.compile(r"(?<=[。！？!?])")


def plant(rng: random.Random, key: str, host: str) -> PlantedMessage:
    """Insert one to three personal items and one or two look-alike sentences into ``host``."""
    pieces: list[tuple[str, list[Planted]]] = [
        (p, []) for p in _SENTENCE_END.split(host.strip()) if p
    ]
    inserts: list[tuple[str, list[Planted]]] = []
    for _ in range(rng.randint(1, 3)):
        sentence, item = _sentence(rng, rng.choice(KINDS))
        inserts.append((sentence, [item]))
    for _ in range(rng.randint(1, 2)):
        sentence, looks = _lookalike_sentence(rng)
        inserts.append((sentence, looks))
    for insert in inserts:
        pieces.insert(rng.randint(0, len(pieces)), insert)
    # Offsets of every inserted sentence and item, for scoring findings by position.
    text, items, sentences = "", [], []
    for piece, planted in pieces:
        if planted:
            sentences.append((len(text), len(text) + len(piece)))
            at = 0
            for item in planted:
                found = piece.find(item.value, at)
                item.start, item.end = len(text) + found, len(text) + found + len(item.value)
                at = found + len(item.value)
                items.append(item)
        text += piece
    return PlantedMessage(key, text, items, sentences)
