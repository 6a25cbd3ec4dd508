"""Personal names: after a cue, before a contact number, on a signature line, or known.

A candidate is a surname from a list of common surnames (single and compound) plus one
or two given characters. It is accepted after a self-introduction or role cue (我叫, 姓名,
联系人, 举报人 … strong; 本人, 我是, 当事人 … weak), right before a phone or ID number,
alone on a signature line, before 先生/女士 as a full name, or when it is one of the
author's own names (real name, and a nickname that looks like a name) passed in by the
caller. Titles (李科长, 唐先生), places (华悦城小区) and ordinary words (本人居住…,
我是农民) are not names. Officials named in running prose are out of scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from .base import Finding

# Common surnames. Rare ones are left out on purpose: a rare surname such as 崇 would turn
# "我是崇源堂大药房" into a false name; after a strong cue (我叫, 姓名：) any surname passes.
SURNAMES_1 = frozenset(
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
SURNAMES_2 = frozenset(
    {
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
)
# Words that, right after a surname, show that this is not a name ("我是王者…").
_NOT_GIVEN = frozenset(
    "的了在是和与及或等被把对从向为以于着过也都就还又很更最不没今去昨前后本该此近多次几"
)
# A last character that makes the "name" a place or business (华悦城, 利聚网, 南六县).
_PLACE_SUFFIX = frozenset("城苑园网县区市村镇路街店厂局院校司楼")
# Titles are not given names: "李科长", "唐先生" name a role, not a person.
TITLES = (
    "先生",
    "女士",
    "小姐",
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
    "总",
    "警官",
    "干部",
)
STRONG_CUES = (
    "我的名字叫",
    "我的名字是",
    "我的名字",
    "我叫",
    "本人叫",
    "本人名叫",
    "本人姓名",
    "姓名",
    "名字",
    "联系人",
    "举报人",
    "投诉人",
    "报告人",
    "反映人",
    "留言人",
    "来信人",
    "来电人",
    "申请人",
    "求助人",
    "代理人",
    "签名",
    "署名",
    "落款",
)
WEAK_CUES = (
    "叫",
    "居民",
    "村民",
    "市民",
    "职工",
    "公民",
    "本人是",
    "本人",
    "我是",
    "当事人",
    "受害人",
    "户主",
    "业主",
    "家属",
    "父亲",
    "母亲",
    "儿子",
    "女儿",
    "妻子",
    "丈夫",
)
# Role nouns: weaker than a self-introduction ("业主公摊", "居民应享" are not names).
ROLE_CUES = frozenset({"居民", "村民", "市民", "职工", "公民", "业主", "户主", "家属"})
# Cues that, in a staff reply, still point at the citizen (联系人 there is the unit's).
REPLY_CUES = frozenset(
    {
        "举报人",
        "投诉人",
        "反映人",
        "留言人",
        "来信人",
        "来电人",
        "申请人",
        "求助人",
        "当事人",
        "网友",
        "业主",
        "户主",
        "家属",
    }
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
    "!",
    "！",
    "身份证",
    "电话",
    "手机",
    "联系",
    "微信",
    "QQ",
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
    "想",
    "要",
    "的",
    "了",
    "您好",
    "你好",
    "先生",
    "女士",
    "，",
    "\u3000",
    "\u00a0",
)
_CUE_RE = re.compile(
    "("
    + "|".join(
        sorted((re.escape(c) for c in STRONG_CUES + WEAK_CUES + ("网友",)), key=len, reverse=True)
    )
    + r")[：:\s\u3000\u00a0是为]{0,3}(?:姓名[：:\s]{0,2})?"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BEFORE_CALLED = set("我他她名人子女亲爸妈婆公爷奶哥姐弟妹友个位夫妻儿，,：:；。！ \u3000\n")
_BEFORE_FULL_NAME = set('的是叫与和对给向请位名找问称及系谢、，。：:；（(“"')


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


def surname_length(text: str, i: int, *, any_surname: bool = False) -> int:
    """Length of the surname starting at ``i`` (2 for 欧阳, 1 for 王), 0 when there is none."""
    if text[i : i + 2] in SURNAMES_2:
        return 2
    if i < len(text) and (text[i] in SURNAMES_1 or (any_surname and _CJK.match(text[i]))):
        return 1
    return 0


def name_at(text: str, i: int, *, strict: bool = True, strong: bool = False) -> int | None:
    """End of a personal name starting at ``i`` (surname + 1–2 characters), or None.

    ``strict`` (after weak cues such as 本人/我是) rejects candidates that jieba knows as
    ordinary words ("本人居住在…", "我是农民"); ``strong`` (after 我叫/姓名/联系人) accepts
    any surname and a place-like last character when the name clearly ends there.
    """
    surname_len = surname_length(text, i, any_surname=strong)
    if not surname_len:
        return None
    for given in (2, 1):
        end = i + surname_len + given
        part = text[i + surname_len : end]
        if len(part) != given or not all(_CJK.match(c) for c in part):
            continue
        if part[0] in _NOT_GIVEN or text.startswith(TITLES, i + surname_len):
            return None
        # After a strong cue a name may run straight into the next word: "我叫张伟今天来…".
        run_on = (
            strong
            and (text[i : i + 2] in SURNAMES_2 or text[i] in SURNAMES_1)
            and _is_common_word(text[end : end + 2])
            and not _is_common_word(text[i : i + surname_len + 1])
            and not (given == 2 and _is_common_word(part))
        )
        if not (_ends_name(text, end) or run_on) or (part[-1] in _PLACE_SUFFIX and not strong):
            continue
        if given == 2 and part[1] in "于在是为与及等想要家的了" and _ends_name(text, end - 1):
            continue
        # "李鸣联系方式": the last character belongs to a following word (联系), not the name.
        if given == 2 and any(len(w) > 1 and text.startswith(w, end - 1) for w in _NAME_FOLLOW):
            continue
        listed = text[i : i + surname_len] in SURNAMES_2 or text[i] in SURNAMES_1
        if (strict or not listed) and _is_common_word(text[i:end]):
            return None
        # An unlisted "surname" needs a candidate with no word inside: "求助人民政府",
        # "举报人没有参与" are not names.
        if not listed and any(_is_common_word(text[k : k + 2]) for k in range(i, end - 1)):
            return None
        # "本人居住…": surname and first given character make a word. A full three-character
        # name closed by punctuation ("本人单子梅，") is still a name.
        closed = given == 2 and end < len(text) and text[end] in "，。、；,;！!（("
        if strict and not closed and _is_common_word(text[i : i + surname_len + 1]):
            return None
        if not listed and given == 1:
            return None  # an unlisted surname needs a full three-character name
        return end
    return None


def _closed_at(text: str, end: int) -> bool:
    """The name is followed by punctuation, a space, a digit or the end of the text."""
    return end == len(text) or text[end] in "，。、；,;（(：:！!" or text[end].isspace()


def _name_list(text: str, end: int) -> Iterator[tuple[int, int]]:
    """Further names in a "、" list after a cue: "投诉人：蒋某、陈某、李某"."""
    while end < len(text) and text[end] == "、":
        nxt = name_at(text, end + 1)
        if nxt is None:
            return
        yield end + 1, nxt
        end = nxt


def cue_names(text: str, *, reply: bool = False) -> Iterator[Finding]:
    """Names after a self-introduction or role cue (in a reply: only citizens' roles)."""
    for m in _CUE_RE.finditer(text):
        cue = m.group(1)
        if reply and cue not in REPLY_CUES:
            continue
        # "叫" names someone only after a person ("我叫", "一个叫", "儿子叫"), not in
        # "一家叫米汤饭的店", "应该叫金属棍".
        if cue == "叫" and m.start() > 0 and text[m.start() - 1] not in _BEFORE_CALLED:
            continue
        strong = cue in STRONG_CUES
        # "居民区", "居民楼": the cue and the next character make a word, not a cue and a name.
        if m.end() < len(text) and _is_common_word(cue + text[m.end()]):
            continue
        end = name_at(text, m.end(), strict=not strong, strong=strong)
        if end is None:
            continue
        # After a role noun (业主, 居民) the "given name" must not be a word: "代业主向市政…".
        given = text[m.end() + surname_length(text, m.end()) : end]
        if cue in ROLE_CUES and len(given) == 2 and _is_common_word(given):
            continue
        if cue in ROLE_CUES and len(given) == 1 and not _closed_at(text, end):
            continue
        conf = 0.9 if strong else 0.8
        yield Finding("name", m.end(), end, text[m.end() : end], f"“{cue}”之后的人名", conf)
        for start, stop in _name_list(text, end):
            yield Finding("name", start, stop, text[start:stop], f"“{cue}”之后并列的人名", conf)


def names_before_numbers(text: str, numbers: Iterable[Finding]) -> Iterator[Finding]:
    """ "杨某兰 0731-…" in contact lists: a name directly before a phone or ID number."""
    for f in numbers:
        if f.kind not in ("mobile", "landline", "id_card", "wechat", "qq"):
            continue
        j = f.start
        while j > 0 and text[j - 1] in " \t\u00a0\u3000：:（(，,":
            j -= 1
        # "张伟电话：139…": skip the cue word between the name and the number.
        for cue in (
            "联系电话",
            "电话",
            "手机号",
            "手机",
            "联系方式",
            "身份证号",
            "身份证",
            "微信",
            "QQ",
        ):
            if text.endswith(cue, 0, j):
                j -= len(cue)
                break
        for size in (3, 2, 4):
            i = j - size
            if i < 0 or not all(_CJK.match(c) for c in text[i:j]):
                continue
            if i > 0 and _CJK.match(text[i - 1]) and text[i - 1] not in _BEFORE_FULL_NAME:
                continue
            if name_at(text[:j] + "，", i) == j:
                yield Finding("name", i, j, text[i:j], "紧挨在电话/证件号前的人名", 0.8)
                break


_TITLE_AFTER = re.compile(r"先生|女士|小姐")


def titled_names(text: str) -> Iterator[Finding]:
    """A full name before 先生/女士: "张伟先生" (a bare "张先生" is already anonymous)."""
    for m in _TITLE_AFTER.finditer(text):
        j = m.start()
        for size in (3, 2, 4):
            i = j - size
            if i < 0 or not all(_CJK.match(c) for c in text[i:j]):
                continue
            if i > 0 and _CJK.match(text[i - 1]) and text[i - 1] not in _BEFORE_FULL_NAME:
                continue
            s_len = surname_length(text, i)
            if not s_len or size - s_len not in (1, 2) or text[i + s_len] in _NOT_GIVEN:
                continue
            if _is_common_word(text[i:j]) or (
                size - s_len == 2 and _is_common_word(text[i + s_len : j])
            ):
                continue
            yield Finding("name", i, j, text[i:j], "“先生/女士”之前的全名", 0.75)
            break


_SIGN_LINE = re.compile(
    r"(?:^|\n)[ \t\u3000]*(?:此致敬礼|此致|敬礼)?[ \t\u3000：:，,]*([\u4e00-\u9fff]{2,4})[ \t\u3000]*(?=\n|$|\d{4}[年.\-/])"
)


# Lines of a letter's closing that look like a surname plus a character.
_CLOSINGS = frozenset(
    {"此致", "敬礼", "致敬", "谢谢", "感谢", "您好", "你好", "盼复", "急盼", "特此"}
)


def signature_names(text: str) -> Iterator[Finding]:
    """A name alone on a line (the signature at the end of a letter)."""
    for m in _SIGN_LINE.finditer(text):
        if m.group(1) in _CLOSINGS:
            continue
        start = m.start(1)
        end = name_at(m.group(1) + "，", 0, strict=True)
        if end is None or end != len(m.group(1)):
            continue
        yield Finding("name", start, start + end, m.group(1), "单独成行的署名", 0.75)


_SALUTATION = re.compile(
    r"(?:^|\n)[ \t\u3000]*(?:尊敬的)?(?:网友)?[“\"]?([\u4e00-\u9fff]{2,4})[”\"]?"
    r"(?:先生|女士|同志)?[，,：:！! ]*您好"
)


def salutation_names(text: str) -> Iterator[Finding]:
    """The citizen greeted at the top of a reply: "刘德华您好", "网友张伟：您好"."""
    for m in _SALUTATION.finditer(text):
        candidate = m.group(1)
        end = name_at(candidate + "，", 0, strict=False)
        if end != len(candidate) or _is_common_word(candidate):
            continue
        yield Finding("name", m.start(1), m.end(1), candidate, "回复开头称呼的人名", 0.8)


def looks_like_name(name: str) -> bool:
    """Whether a nickname reads as a personal name (and so must not be published)."""
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name)) and bool(surname_length(name, 0))


def known_names(text: str, names: Iterable[str]) -> Iterator[Finding]:
    """Every occurrence of the author's own names."""
    for name in {n.strip() for n in names if n and len(n.strip()) >= 2}:
        for m in re.finditer(re.escape(name), text):
            yield Finding("name", m.start(), m.end(), name, "留言人本人的姓名或昵称", 0.99)


def surname_of(name: str) -> str:
    """The surname kept in the mask (张三 → 张, 欧阳小明 → 欧阳)."""
    return name[:2] if name[:2] in SURNAMES_2 else name[:1]
