"""Shared Chinese text machinery: normalisation and word segmentation.

One implementation serves search indexing, classification, duplicate detection,
hot-issue mining, reply-quality checks and campaign topic groups.
"""

from __future__ import annotations

import re
import threading
import unicodedata
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


def segment_for_search(text: str) -> str:
    """Space-joined words for a full-text index, with jieba's search mode (sub-words too).

    "拆迁安置" is indexed as "拆迁 安置 拆迁安置" so a two-character query finds it.
    """
    words = tokenizer().lcut_for_search(normalize(text), HMM=False)
    return " ".join(w for w in words if w.strip())


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """A small built-in stop list (function words and board boilerplate)."""
    words = """的 了 和 是 在 我 有 也 就 都 而 及 与 或 着 把 被 让 给 对 向 从 到 为 以 于 之 其 这 那
    此 该 等 各 个 们 你 他 她 它 我们 你们 他们 请 您 能 会 要 可以 可 将 已 已经 还 又 再 并 但 却
    如果 因为 所以 由于 因此 但是 而且 并且 然后 一个 一些 没有 不 没 很 非常 什么 怎么 如何 为什么
    哪 哪里 多少 吗 呢 吧 啊 呀 哦 嗯 尊敬 领导 您好 你好 谢谢 感谢 希望 问题 情况 相关 有关 反映
    一下 现在 目前 今年 去年 本人 自己 大家 进行 通过 根据 关于 这个 那个 这些 那些 这样 那样""".split()  # noqa: SIM905 - a readable block of words
    return frozenset(words)


def content_words(text: str) -> list[str]:
    """Segmented words minus stop words, punctuation and single characters that are not CJK."""
    stops = stopwords()
    out = []
    for w in segment(text):
        if w in stops:
            continue
        if len(w) == 1 and not ("\u4e00" <= w <= "\u9fff"):
            continue
        if all(unicodedata.category(c)[0] in "PSZ" for c in w):
            continue
        out.append(w)
    return out
