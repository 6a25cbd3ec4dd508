"""Hot issues: place extraction, incremental grouping, heat index, the challenge example."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from liuyanban.intelligence.hot import HotInput, HotIssueIndex, heat, hot_issues
from liuyanban.intelligence.hot.csvio import read_messages
from liuyanban.intelligence.hot.datasets import TIPDM
from liuyanban.intelligence.hot.evaluate import load_labels, score_groups, summary
from liuyanban.intelligence.hot.places import admin_codes, admin_names, place_names, populations
from liuyanban.intelligence.hot.report import clean_title

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "tipdm2020c"
T0 = datetime(2024, 5, 1, 9, 0)


@pytest.fixture(autouse=True)
def tipdm_codes() -> Iterator[None]:
    """These examples write places as the TipDM corpus does (A市, A5区): its adapter."""
    with admin_names(TIPDM):
        yield


def msg(
    i: int, title: str, body: str = "", days: float = 0, author: str = "", likes: int = 0
) -> HotInput:
    return HotInput(i, title, body, T0 + timedelta(days=days), author or f"u{i}", likes, 0)


def test_places_are_found_after_admin_codes() -> None:
    text = "A5区劳动东路幸福里小区一楼的夜宵摊油烟扰民"
    assert admin_codes(text) == ["A5区"]
    assert place_names(text) == ["劳动东路", "幸福里小区"]


def test_place_names_of_schools_villages_and_populations() -> None:
    assert place_names("B市涉外商务学院强制学生实习") == ["涉外商务学院"]
    assert place_names("A7县春华镇金鼎村村民反映") == ["春华镇", "金鼎村"]
    assert populations("学校强制学生实习，家长反对") == ["学生", "家长"]


def test_title_cleaning_keeps_the_problem() -> None:
    assert clean_title("投诉A5区幸福里小区油烟扰民的问题", ["幸福里小区"]) == "油烟扰民"


ESTATE = [
    "A5区幸福里小区临街餐馆油烟扰民",
    "幸福里小区楼下烧烤店油烟噪音扰民到凌晨",
    "A5区幸福里小区底层餐馆油烟直排，噪音扰民",
]
SCHOOL = [
    "B市涉外商务学院强制学生去工厂实习",
    "B市涉外商务学院组织学生外出实习打工",
    "B市涉外商务学院变相强制学生实习",
]


def _sample() -> list[HotInput]:
    out = [msg(i, t, t + "，希望尽快处理。", days=i) for i, t in enumerate(ESTATE, 1)]
    out += [msg(10 + i, t, t + "，学生苦不堪言。", days=i) for i, t in enumerate(SCHOOL, 1)]
    out.append(msg(20, "A5区幸福里小区楼板开裂", "幸福里小区多户楼板墙面开裂，质量堪忧。", days=2))
    out.append(msg(21, "A3区和平路路灯不亮", "和平路路灯坏了半年。", days=3))
    return out


def test_rebuild_groups_same_place_and_problem_only() -> None:
    index = HotIssueIndex()
    index.rebuild(_sample())
    groups = {frozenset(ids) for ids in index.partition()}
    assert frozenset({1, 2, 3}) in groups
    assert frozenset({11, 12, 13}) in groups
    assert frozenset({20}) in groups  # same estate, other problem


def test_add_is_incremental_and_respects_the_time_window() -> None:
    index = HotIssueIndex(window_days=30)
    first = index.add(msg(1, ESTATE[0], ESTATE[0]))
    assert index.add(msg(2, ESTATE[1], ESTATE[1], days=5)) == first
    late = index.add(msg(3, ESTATE[2], ESTATE[2], days=200))
    assert late != first
    assert len(index.groups) == 2


def test_heat_prefers_people_over_repeat_posts_and_recent_bursts() -> None:
    many_people = [msg(i, "x", days=i) for i in range(6)]
    one_person = [msg(i, "x", days=i, author="same") for i in range(6)]
    assert (
        heat(many_people, T0 + timedelta(days=6)).score
        > heat(one_person, T0 + timedelta(days=6)).score
    )
    slow = [msg(i, "x", days=100 * i) for i in range(6)]
    now = T0 + timedelta(days=500)
    assert heat(slow, now).score < heat([msg(i, "x", days=495 + i) for i in range(6)], now).score
    liked = [msg(0, "x", likes=500), msg(1, "x")]
    assert heat(liked, T0).engagement > heat([msg(0, "x"), msg(1, "x")], T0).engagement


def test_hot_issues_rank_and_describe() -> None:
    index = HotIssueIndex()
    index.rebuild(_sample())
    issues = hot_issues(index, top=5)
    assert [len(i.members) for i in issues] == [3, 3]
    places = {i.place for i in issues}
    assert "A5区幸福里小区" in places
    assert "B市涉外商务学院学生" in places
    assert all(i.description and "幸福里" not in i.description for i in issues)


@pytest.mark.slow
def test_worked_example_of_the_challenge(tmp_path: Path) -> None:
    """Each of the challenge's two worked examples comes out as exactly one group: all of
    its labelled messages (the originals and the file's renamed copies) and nothing else.

    The estate example names its place three ways (万科魅力之城小区, 魅力之城小区, and only
    "魅力之城" in some titles); a repeat of one complaint is the same problem even when the
    group's core has moved on (docs/hot-issues.md).
    """
    msgs = list(read_messages(DATA / "attachment3_hot.csv"))
    index = HotIssueIndex()
    index.rebuild(msgs)
    labels = dict(load_labels())
    for name in (
        "worked example 1: estate, street-front eateries, fumes and noise",
        "worked example 2: college forces students into internships",
    ):
        labelled = labels[name]
        groups = {index.group_of[i] for i in labelled}
        assert len(groups) == 1, (name, [sorted(m.id for m in index.members(g)) for g in groups])
        assert {m.id for m in index.members(groups.pop())} == labelled, name
    assert index.group_of[360104] != index.group_of[360110]
    totals = summary(score_groups(index.partition(), load_labels()))
    # Measured 0.85 / 0.86 on 18 labelled groups; floors leave room for small tuning.
    assert totals["precision"] >= 0.8
    assert totals["coverage"] >= 0.8
    call_command(
        "hot_issues",
        input=DATA / "attachment3_hot.csv",
        top=5,
        output_dir=tmp_path,
        dataset="tipdm",
    )
    table = (tmp_path / "热点问题表.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table[0].startswith("热度排名,问题ID,热度指数,时间范围,地点/人群,问题描述")
    assert len(table) == 6
    assert any("魅力之城" in row for row in table)
