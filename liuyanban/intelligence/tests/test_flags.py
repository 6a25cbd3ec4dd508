"""Abuse/sensitive flags: normalisation, offsets, whole-word Latin entries, custom lists."""

from __future__ import annotations

from liuyanban.intelligence.flags import DEFAULT_WORDLISTS, find_flags


def test_spaced_and_fullwidth_insults_are_caught_with_original_offsets() -> None:
    text = "你这个傻 逼，还有ＳＢ"
    flags = find_flags(text)
    assert [(f.word, text[f.start : f.end]) for f in flags] == [("傻逼", "傻 逼"), ("sb", "ＳＢ")]
    assert {f.category for f in flags} == {"侮辱谩骂"}


def test_latin_entries_match_whole_words_only() -> None:
    assert find_flags("这个usb接口坏了") == []


def test_threat_with_symbols_between_characters() -> None:
    (flag,) = find_flags("再不处理我就弄*死*你")
    assert flag.category == "人身威胁"
    assert flag.word == "弄死你"


def test_overlapping_words_from_custom_lists() -> None:
    lists = {"a": ["他妈", "他妈的"], "b": ["妈的"]}
    got = {(f.category, f.word, f.start, f.end) for f in find_flags("真他妈的", lists)}
    assert got == {("a", "他妈", 1, 3), ("a", "他妈的", 1, 4), ("b", "妈的", 2, 4)}


def test_clean_text_and_empty_lists() -> None:
    assert find_flags("小区门口路灯坏了，请尽快维修。") == []
    assert find_flags("傻逼", {}) == []
    assert find_flags("", DEFAULT_WORDLISTS) == []


def test_a_few_thousand_words_stay_fast() -> None:
    words = [f"词{i}号" for i in range(3000)] + ["拉横幅"]
    text = "群众准备拉 横幅。" * 200
    flags = find_flags(text, {"群体性事件": words})
    assert len(flags) == 200


def test_words_that_fold_to_one_key_are_all_reported() -> None:
    """Two list entries (or two categories) with the same normalised form share one key."""
    lists = {"a": ["傻B", "傻b"], "b": ["傻 b"]}
    got = {(f.category, f.word, f.start, f.end) for f in find_flags("你这个傻b", lists)}
    assert got == {("a", "傻B", 3, 5), ("a", "傻b", 3, 5), ("b", "傻 b", 3, 5)}


def test_a_list_of_only_punctuation_finds_nothing() -> None:
    assert find_flags("……！！", {"a": ["……", "！"]}) == []
