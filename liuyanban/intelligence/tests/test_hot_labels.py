"""Hot-issue labels with real place names (the product's default): never cut inside a word."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from liuyanban.intelligence.hot import HotInput, HotIssueIndex, hot_issues
from liuyanban.intelligence.hot.datasets import TIPDM
from liuyanban.intelligence.hot.places import admin_codes, admin_names, place_names, strip_admin
from liuyanban.intelligence.hot.report import clean_title

T0 = datetime(2024, 5, 1, 9, 0)


def _issues(titles: list[str]) -> list[tuple[str, str]]:
    msgs = [
        HotInput(i, t, t + "，希望有关部门尽快处理。", T0 + timedelta(hours=i), f"u{i}")
        for i, t in enumerate(titles, 1)
    ]
    index = HotIssueIndex()
    index.rebuild(msgs)
    return [(h.place, h.description) for h in hot_issues(index, top=3)]


def test_real_region_names_are_admin_names_and_never_start_a_place() -> None:
    assert admin_codes("建议长沙市长青街违章搭建无人处理") == ["长沙市"]
    assert place_names("建议长沙市长青街违章搭建无人处理") == ["长青街"]
    assert place_names("长沙市商业步行街夜间噪音扰民") == ["商业步行街"]
    # A dataset's anonymised codes are not places of the product …
    assert admin_codes("A5区劳动东路油烟扰民") == []
    # … only through that dataset's adapter.
    with admin_names(TIPDM):
        assert admin_codes("A5区劳动东路油烟扰民") == ["A5区"]


def test_descriptions_are_cut_between_words_only() -> None:
    assert clean_title("东六路(远大路至映霞路)路面破损不堪", ["东六路"]) == "路面破损不堪"
    assert clean_title("投诉五一广场广场舞音响扰民", ["五一广场"]) == "广场舞音响扰民"
    assert clean_title("投诉长沙市开福区夜间偷排废气刺鼻", []) == "夜间偷排废气刺鼻"
    assert clean_title("求助长沙市文化馆开放时间太短", []) == "文化馆开放时间太短"


def test_hot_issue_labels_read_as_written() -> None:
    found = _issues(
        [
            "长沙市商业步行街夜间噪音扰民",
            "长沙市商业步行街商铺音响噪音扰民",
            "投诉长沙市商业步行街噪音扰民严重",
        ]
    )
    assert found[0][0] == "长沙市商业步行街"
    assert "噪音扰民" in found[0][1]
    found = _issues(
        [
            "建议长沙市长青街违章搭建无人处理",
            "长沙市长青街违章搭建严重无人管",
            "长青街违章搭建无人处理",
        ]
    )
    assert found[0][0] == "长沙市长青街"
    assert found[0][1].startswith("违章搭建")


def _words_and_places(title: str, names: list[str]) -> tuple[str, set[int]]:
    """The title without admin names, and where a description may start or end in it: at
    the edges of its places and of the removed admin names, and between jieba's words of
    the text in between."""
    from liuyanban.core.text.chinese import tokenizer

    text = strip_admin(title, "|")
    pieces = text.split("|")
    joined, cuts = "", set()
    for piece in pieces:
        spans = sorted(m.span() for n in names for m in re.finditer(re.escape(n), piece))
        pos = 0
        for a, b in [*spans, (len(piece), len(piece))]:
            if a < pos:
                continue
            for word in tokenizer().lcut(piece[pos:a], HMM=False):
                cuts.add(len(joined) + pos)
                pos += len(word)
            cuts |= {len(joined) + a, len(joined) + b}
            pos = b
        joined += piece
        cuts.add(len(joined))
    return joined, cuts


def test_descriptions_never_cut_a_word() -> None:
    """Every part of a description starts and ends where a word, a place or an admin name
    does in the title (no "议长沙市…", "投夜间…", "长舞…", "…反对在" fragments)."""
    titles = [
        "建议长沙市长青街违章搭建无人处理",
        "投诉长沙市河堤公园夜间偷排废气刺鼻",
        "长沙市体育中心广场舞音响扰民",
        "长沙市商业步行街夜间噪音扰民",
        "长沙市东六路（远大路至映霞路）路面破损",
        "长沙市中医院社区疫苗预约难",
        "坚决反对在长沙市金湖小区门口建垃圾站",
        "长沙市学院路公交站夜班公交等车时间太长",
        "长沙市人民路口违章搭建无人处理",
        "长沙市古镇景区门票价格过高",
    ]
    for title in titles:
        names = place_names(title)
        text = clean_title(title, names)
        assert len(text) >= 4, (title, text)
        plain, cuts = _words_and_places(title, names)
        for start, end in _kept_spans(plain, text.replace("，", "")):
            assert {start, end} <= cuts, (title, text, plain[start:end])


def _kept_spans(plain: str, text: str) -> list[tuple[int, int]]:
    """The runs of ``plain`` that ``text`` keeps, aligned from the right (a subsequence;
    descriptions keep the end of a title more often than its start)."""
    spans: list[tuple[int, int]] = []
    i = len(plain)
    for ch in reversed(text):
        j = plain.rindex(ch, 0, i)
        if spans and spans[-1][0] == j + 1:
            spans[-1] = (j, spans[-1][1])
        else:
            spans.append((j, j + 1))
        i = j
    # Punctuation between kept runs is no cut of a word.
    return [(a, b) for a, b in spans if plain[a:b].strip("，,。！？!?（）() ")]


def test_labels_say_place_and_problem() -> None:
    """Labels of the issue's list and of the last round: a real place, then the problem."""
    # "中医院" is an organisation jieba knows: a place, not the start of a description.
    assert place_names("长沙市中医院社区疫苗预约难") == ["中医院"]
    # A verbal noun before a suffix is what is asked for, not a name.
    assert place_names("建议在长沙市岳麓区设置医院") == []
    assert place_names("坚决反对在小区门口建设垃圾站") == []
    # … but a verb before an office's suffix names the office.
    assert place_names("长沙市区行政审批局证明材料要求不合理") == ["区行政审批局"]
    # The place goes from the description; no "坚决反对在门口" is left over.
    assert clean_title("坚决反对在长沙市金湖小区门口建垃圾站", ["金湖小区"]) == (
        "坚决反对在门口建垃圾站"
    )
    # Names that a short first part or a common ending used to break.
    assert place_names("长沙市古镇景区门票价格过高") == ["古镇景区"]
    assert place_names("长沙市青山村农村自来水经常停水") == ["青山村"]
    assert place_names("长沙市学院路公交站班次太少") == ["学院路公交站"]
    assert place_names("长沙市人民路口违章搭建") == ["人民路口"]
    assert place_names("偏远山村道路难走") == []
    assert place_names("长沙市一条公交线路班次太少") == []
    found = _issues(
        [
            "长沙市中医院社区疫苗预约难",
            "投诉长沙市中医院社区疫苗预约难",
            "长沙市妇幼保健院社区疫苗预约难",
            "建议长沙市妇幼保健院社区疫苗预约难",
        ]
    )
    assert sorted(found) == [
        ("长沙市中医院", "社区疫苗预约难"),
        ("长沙市妇幼保健院", "社区疫苗预约难"),
    ]


def test_vague_people_never_label_an_issue() -> None:
    """ "长沙市居民", "城东幼儿园老人": residents say nothing, and a school's issue is about
    its pupils, parents or teachers, not whoever the body mentions."""
    msgs = [
        HotInput(
            i,
            "长沙市城东幼儿园食堂饭菜质量差",
            "我是附近的居民，老人和孩子深受其害，希望有关部门尽快处理。",
            T0 + timedelta(days=i),
            f"u{i}",
        )
        for i in (1, 2)
    ]
    index = HotIssueIndex()
    index.rebuild(msgs)
    (issue,) = hot_issues(index)
    assert issue.place == "长沙市城东幼儿园"


def test_a_place_never_starts_inside_a_word_nor_leaves_a_dangling_word() -> None:
    # "就读" is one word: the school's name starts after it, and the description keeps it.
    assert place_names("业主有房却不能就读仰天湖小学") == ["仰天湖小学"]
    assert clean_title("业主有房却不能就读仰天湖小学", ["仰天湖小学"]) == "业主有房却不能就读"
    # A place after 在 that ends the title stays; in mid-title it goes with nothing dangling.
    assert clean_title("坚决反对在金湖小区", ["金湖小区"]) == "坚决反对在金湖小区"
    assert clean_title("坚决反对在金湖小区门口设置医院", ["金湖小区"]) == ("坚决反对在门口设置医院")
    # A shorter name inside a place that stays is not cut out of it.
    assert clean_title("建议地铁南延至生态动物园", ["生态动物园", "动物园"]) == (
        "地铁南延至生态动物园"
    )
