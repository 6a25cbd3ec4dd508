"""Shared Chinese text machinery: normalisation and word segmentation.

One implementation serves search indexing, classification, duplicate detection,
hot-issue mining, reply-quality checks and campaign topic groups.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jieba

_WS = re.compile(r"\s+")
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def normalize(text: str) -> str:
    """Fold full-width ASCII to half-width, drop control characters, collapse white space.

    Scraped messages carry padding like "\\n\\t\\t…"; NFKC also turns "１２３" into "123"
    so that number patterns and n-grams see one form.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return _WS.sub(" ", text).strip()


def tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, initialised once and quietly."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(60)
                tok = jieba.Tokenizer()
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def segment(text: str, *, hmm: bool = False) -> list[str]:
    """Words of ``text`` (jieba default mode), without white space tokens."""
    return [w for w in tokenizer().lcut(normalize(text), HMM=hmm) if w.strip()]


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def segment_for_search(text: str) -> str:
    """Space-joined terms for a full-text index: jieba's search-mode words, then the single
    Chinese characters of longer words.

    "停车费" is indexed as "停车 车费 停车费 … 停 车 费": a two-character query finds its
    word, and a compound query such as "物业费" can match "物业收费" through its parts
    "物业" + "费" (see :func:`compound_parts`). Scheme: ``SEARCH_SCHEME``.
    """
    return search_terms(tokenizer().lcut_for_search(normalize(text), HMM=False))


def search_terms(words: list[str]) -> str:
    """The indexed form of search-mode words: the words, then the distinct single Chinese
    characters of the longer ones (SEARCH_SCHEME 2)."""
    words = [w for w in words if w.strip()]
    chars = dict.fromkeys(c for w in words if len(w) > 1 for c in w if _CJK.match(c))
    return " ".join([*words, *chars])


def compound_parts(word: str) -> list[str]:
    """The parts a compound query word may be found by: its dictionary sub-words, longest
    first from the left, and single characters where no sub-word covers it.

    "物业费" → ["物业", "费"]; "停车费" → ["停车", "费"]; a word of one or two characters,
    or one without smaller dictionary words, has no parts (it must match as itself).
    """
    if len(word) < 3 or not all(_CJK.match(c) for c in word):
        return []
    subs = {w for w in tokenizer().lcut_for_search(word, HMM=False) if 1 < len(w) < len(word)}
    if not subs:
        return []
    parts: list[str] = []
    i = 0
    while i < len(word):
        best = max((w for w in subs if word.startswith(w, i)), key=len, default=word[i])
        parts.append(best)
        i += len(best)
    return parts


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The platform's own stop list: function words, pronouns and message-board boilerplate.

    Written for this product (not copied from a published list): words that say nothing
    about what a message is about, so they must never be shown as evidence or weigh in a
    comparison of two messages.
    """
    words = """的 地 得 了 着 过 和 跟 同 是 在 我 有 也 就 都 而 及 与 或 把 被 让 给 对 向 从 到 为 以
    于 之 其 这 那 此 该 等 各 个 们 你 他 她 它 我们 你们 他们 她们 咱们 人家 本人 自己 大家 请 您
    能 会 要 想 可以 可 将 已 已经 还 又 再 并 但 却 才 只 更 最 太 很 非常 十分 特别 比较 如果 要是
    因为 所以 由于 因此 但是 而且 并且 然后 然而 虽然 不过 可是 或者 还是 以及 以便 为了 对于 关于
    根据 通过 按照 经过 一个 一些 一直 一下 一样 一起 没有 不 没 不是 不能 不会 就是 都是 也是 还有
    什么 怎么 怎样 如何 为什么 为何 哪 哪里 哪些 多少 几 吗 呢 吧 啊 呀 哦 嗯 哈 啦 嘛 么 之后 之前
    以后 以前 时候 现在 目前 今年 去年 今天 昨天 当时 其中 其他 其它 这个 那个 这些 那些 这样 那样
    这里 那里 这种 那种 进行 尊敬 领导 您好 你好 谢谢 感谢 希望 问题 情况 相关 有关 反映 请问 麻烦
    恳请 望 盼 给予 一次 多次 这次 上述 如下 所述 以上 以下 等等 之类 左右 上 下 中 里 内 外""".split()  # noqa: SIM905 - a readable block of words
    return frozenset(words)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


class Lexicon:
    """Names (regions, organisations, boards) that must come out of segmentation whole.

    They act as user-dictionary words with priority: the longest name found at a position
    is cut first and jieba segments only the text between names, so "沙市街道办事处" stays
    one word instead of "沙市 / 街道 / 办事处". The process-wide jieba dictionary is left
    unchanged (the search index depends on it staying the same in every process).
    """

    def __init__(self, names: Iterable[str]) -> None:
        by_first: dict[str, list[str]] = {}
        for name in {normalize(n) for n in names}:
            if len(name) >= 2:
                by_first.setdefault(name[0], []).append(name)
        self._by_first = {k: sorted(v, key=len, reverse=True) for k, v in by_first.items()}

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values())

    def split(self, text: str) -> list[tuple[str, bool]]:
        """``text`` as consecutive pieces, each marked True when it is a known name."""
        pieces: list[tuple[str, bool]] = []
        start = i = 0
        while i < len(text):
            name = next((n for n in self._by_first.get(text[i], ()) if text.startswith(n, i)), None)
            if name is None:
                i += 1
                continue
            if start < i:
                pieces.append((text[start:i], False))
            pieces.append((name, True))
            i = start = i + len(name)
        if start < len(text):
            pieces.append((text[start:], False))
        return pieces


def content_words(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """Segmented words minus stop words, punctuation and single characters that are not CJK.

    With a ``lexicon``, its names are kept whole (see ``Lexicon``).
    """
    stops = stopwords()
    if lexicon is None:
        words = segment(text)
    else:
        words = []
        for piece, is_name in lexicon.split(normalize(text)):
            words += [piece] if is_name else segment(piece)
    out = []
    for w in words:
        if w in stops:
            continue
        if len(w) == 1 and not _is_cjk(w):
            continue
        if all(unicodedata.category(c)[0] in "PSZ" for c in w):
            continue
        out.append(w)
    return out


def is_keyword(word: str) -> bool:
    """Worth showing as evidence: not a stop word, two or more characters, at least one
    Chinese character (no numbers, codes, stray letters or punctuation)."""
    return len(word) >= 2 and word not in stopwords() and any(_is_cjk(c) for c in word)


def keywords(text: str, lexicon: Lexicon | None = None, limit: int = 80) -> list[str]:
    """Distinct ``is_keyword`` words of ``text`` in order of first appearance, at most ``limit``."""
    out: dict[str, None] = {}
    for w in content_words(text, lexicon):
        if is_keyword(w):
            out.setdefault(w)
            if len(out) >= limit:
                break
    return list(out)
