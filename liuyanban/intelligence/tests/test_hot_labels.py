"""Hot-issue labels with real place names (the product's default): never cut inside a word."""

from __future__ import annotations

from datetime import datetime, timedelta

from liuyanban.intelligence.hot import HotInput, HotIssueIndex, hot_issues
from liuyanban.intelligence.hot.datasets import TIPDM
from liuyanban.intelligence.hot.places import admin_codes, admin_names, place_names
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
