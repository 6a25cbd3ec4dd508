"""Hot-issue groups hold one problem, and their labels read as written (issue 14)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from liuyanban.demo.generator import generate_message
from liuyanban.intelligence.hot import HotInput, HotIssueIndex, hot_issues
from liuyanban.intelligence.hot.index import _nested_names
from liuyanban.intelligence.hot.places import admin_codes, place_names, use_names
from liuyanban.intelligence.hot.report import clean_title

T0 = datetime(2024, 5, 1, 9, 0)
# The demo world's way of writing: one opening and closing around the problem, so two
# messages about one place share most of their words whatever the problem is.
BODY = (
    "各位领导好，我是长沙市{place}附近的居民，{place}{problem}，反映多次一直没有解决，"
    "大家意见很大。我们曾向有关部门反映过，但至今没有明显改善。希望领导督促有关单位依法处理。"
)


def _index(rows: list[tuple[str, str, str]]) -> HotIssueIndex:
    """(asking word, place, problem) rows as messages a day apart, grouped."""
    msgs = [
        HotInput(
            i,
            f"{ask}长沙市{place}{problem}",
            BODY.format(place=place, problem=problem),
            T0 + timedelta(days=i),
            f"u{i}",
        )
        for i, (ask, place, problem) in enumerate(rows, 1)
    ]
    index = HotIssueIndex()
    index.rebuild(msgs)
    return index


def _groups(index: HotIssueIndex) -> list[set[int]]:
    return sorted((set(ids) for ids in index.partition()), key=min)


def test_one_place_different_problems_are_not_merged() -> None:
    """The demo's over-merged group: 高龄补贴 with 窗口态度差, 重复提交材料, 社保转移, 退休手续."""
    index = _index(
        [
            ("", "街道办事处", "高龄补贴未按时发放"),
            ("投诉", "街道办事处", "高龄补贴未按时发放"),
            ("", "街道办事处", "窗口工作人员态度差"),
            ("建议", "街道办事处", "办事要求重复提交材料"),
            ("", "街道办事处", "社保转移接续办理慢"),
            ("咨询", "街道办事处", "退休手续办理流程不清楚"),
            ("", "街道办事处", "高龄补贴未按时发放"),
        ]
    )
    groups = _groups(index)
    assert {1, 2, 7} in groups
    assert all(len(g) == 1 for g in groups if g != {1, 2, 7})


def test_one_street_road_damage_and_illegal_building_are_two_issues() -> None:
    index = _index(
        [
            ("", "长青街", "道路破损坑洼严重"),
            ("投诉", "长青街", "人行道被占用"),
            ("建议", "长青街", "违章搭建无人处理"),
            ("", "长青街", "道路破损坑洼严重"),
            ("", "长青街", "违章搭建无人处理"),
        ]
    )
    assert _groups(index) == [{1, 4}, {2}, {3, 5}]


def test_one_problem_in_other_words_still_groups() -> None:
    """A shared problem word of the title is enough; so is a clearly alike text."""
    msgs = [
        HotInput(
            1, "魅力之城小区临街门面油烟直排扰民", "小区楼下餐馆油烟直排，居民无法开窗。", T0, "a"
        ),
        HotInput(
            2,
            "魅力之城小区一楼餐馆油烟扰民",
            "一楼餐馆油烟很大，影响居民生活。",
            T0 + timedelta(days=3),
            "b",
        ),
        HotInput(
            3,
            "魅力之城小区门面油烟太大",
            "临街门面餐馆排放油烟，严重扰民。",
            T0 + timedelta(days=5),
            "c",
        ),
    ]
    index = HotIssueIndex()
    index.rebuild(msgs)
    assert _groups(index) == [{1, 2, 3}]


def test_descriptions_keep_words_that_run_across_a_place_name() -> None:
    # "广场舞" starts inside "体育中心广场"; "道路" starts right after "长青街".
    assert clean_title("长沙市体育中心广场舞音响扰民", ["体育中心广场"]) == "广场舞音响扰民"
    assert place_names("长沙市长青街道路破损坑洼严重") == ["长青街"]
    assert clean_title("长沙市长青街道路破损坑洼严重", ["长青街"]) == "道路破损坑洼严重"
    assert clean_title("投诉长沙市河堤公园夜间偷排废气刺鼻", ["河堤公园"]) == "夜间偷排废气刺鼻"
    assert clean_title("建议长沙市长青街违章搭建无人处理", ["长青街"]) == "违章搭建无人处理"


def test_issue_labels_of_the_demo_cases() -> None:
    index = _index(
        [
            ("", "体育中心广场", "舞音响扰民"),
            ("投诉", "体育中心广场", "舞音响扰民"),
            ("建议", "长青街", "违章搭建无人处理"),
            ("", "长青街", "违章搭建无人处理"),
            ("", "长青街", "道路破损坑洼严重"),
            ("投诉", "长青街", "道路破损坑洼严重"),
            ("投诉", "河堤公园", "夜间偷排废气刺鼻"),
            ("咨询", "河堤公园", "夜间偷排废气刺鼻"),
        ]
    )
    labels = {(h.place, h.description) for h in hot_issues(index, top=10)}
    assert labels == {
        # "中心" closes a place name (体育中心, the demo's own place); 广场 then belongs
        # to 广场舞.
        ("长沙市体育中心", "广场舞音响扰民"),
        ("长沙市长青街", "违章搭建无人处理"),
        ("长沙市长青街", "道路破损坑洼严重"),
        ("长沙市河堤公园", "夜间偷排废气刺鼻"),
    }


def test_a_description_is_never_a_lone_connective() -> None:
    """Two roads and "至" between them leave nothing of a problem: the title stays whole."""
    msgs = [
        HotInput(1, "劳动东路至芙蓉路", "劳动东路至芙蓉路路段夜间施工噪音扰民。", T0, "a"),
        HotInput(2, "劳动东路至芙蓉路", "劳动东路至芙蓉路路段施工噪音，夜间无法入睡。", T0, "b"),
    ]
    index = HotIssueIndex()
    index.rebuild(msgs)
    (issue,) = hot_issues(index)
    assert issue.description == "劳动东路至芙蓉路"


def test_the_platforms_own_names() -> None:
    """Regions of the deployment (not in cpca's table) are admin names, never places."""
    try:
        use_names(regions=["示范省", "东区"], names=["东区住房和城乡建设局"])
        assert admin_codes("示范省东区幸福小区停车难") == ["示范省", "东区"]
        assert place_names("示范省东区幸福小区停车难") == ["幸福小区"]
    finally:
        use_names()
    assert admin_codes("示范省东区幸福小区停车难") == []


def test_demo_world_messages_group_by_problem() -> None:
    """400 messages of the demo's own generator (seed_demo writes the same kind): the groups
    hold one problem each for at least nine in ten grouped messages (0.805 before the
    "same problem" rule, 27 groups mixing problems; 0.939 and 9 after it; 0.928 of 290
    grouped messages and 9 groups once problem-less messages no longer group; 0.978 of 275
    and 5 groups now that a broad word qualified otherwise is not shared). No group holds
    two problems that share only such a word (时间, 材料, 补贴): docs/hot-issues.md."""
    rng = random.Random(7)
    made = [generate_message(rng, city="长沙市") for _ in range(400)]
    msgs = [
        HotInput(i, g.title, g.body, T0 + timedelta(hours=20 * i), f"u{i % 37}")
        for i, g in enumerate(made)
    ]
    index = HotIssueIndex()
    index.rebuild(msgs)
    grouped = same = 0
    for ids in index.partition():
        if len(ids) < 2:
            continue
        problems = Counter(made[i].problem for i in ids)
        grouped += len(ids)
        same += problems.most_common(1)[0][1]
        if "高龄补贴未按时发放" in problems:
            assert (
                not {
                    "窗口工作人员态度差",
                    "办事要求重复提交材料",
                    "社保转移接续办理慢",
                    "退休手续迟迟办不下来",
                }
                & problems.keys()
            )
        for pair in (
            {"公交班次太少等车时间长", "红绿灯时间设置不合理"},
            {"办事要求重复提交材料", "证明材料要求不合理"},
            {"高龄补贴未按时发放", "残疾人补贴咨询"},
        ):
            assert not pair <= problems.keys(), problems
        # Messages that name no place and no problem ("我们小区相关问题咨询") join nothing.
        assert not {"相关问题咨询", "希望有关部门关注", "政策落实情况咨询"} & problems.keys()
    assert grouped > 200
    assert same / grouped >= 0.95


def test_a_clause_is_never_a_place() -> None:
    """A verb, adverb or pronoun before a suffix makes a clause: "大量油烟排入小区" is no
    place, "占用劳动东路" names 劳动东路; a road named by a verb stays whole."""
    assert place_names("经营餐馆导致大量油烟排入小区大堂门口") == []
    assert place_names("开发商占用劳动东路施工") == ["劳动东路"]
    assert place_names("孩子不能上小区对面的学校") == []
    assert place_names("长沙市解放路路灯不亮") == ["解放路"]
    assert place_names("长沙市涉外商务学院") == ["涉外商务学院"]
    # A bare suffix may begin the next name; a suffix that starts a word ends none.
    assert place_names("长沙市街道社保所灵活就业人员参保咨询") == ["街道社保所"]
    assert place_names("长沙市公安局局长") == ["公安局"]


def _msgs(rows: list[tuple[str, str]]) -> list[HotInput]:
    return [
        HotInput(i, title, body, T0 + timedelta(days=i), f"u{i}")
        for i, (title, body) in enumerate(rows, 1)
    ]


def test_one_estate_named_with_and_without_its_brand_is_one_issue() -> None:
    """ "万科魅力之城小区" ends with "魅力之城小区": the two groups bridge on the same problem."""
    index = HotIssueIndex()
    index.rebuild(
        _msgs(
            [
                (
                    "万科魅力之城小区底层餐馆油烟扰民",
                    "万科魅力之城小区底层餐馆油烟直排，扰民严重。",
                ),
                ("万科魅力之城小区门面油烟扰民", "万科魅力之城小区门面油烟很大，无法开窗。"),
                (
                    "魅力之城小区餐馆油烟扰民",
                    "魅力之城小区一楼餐馆油烟扰民，万科魅力之城小区业主。",
                ),
                ("魅力之城小区楼板开裂", "魅力之城小区多户楼板开裂，质量堪忧。"),
            ]
        )
    )
    assert _groups(index) == [{1, 2, 3}, {4}]


def test_a_nested_name_bridges_only_when_distinctive() -> None:
    """The shorter name must be a place on its own (three characters before its suffix) and
    not the tail of several names seen ("职业技术学院" ends many colleges' names)."""
    never: Callable[[str], bool] = lambda name: False  # noqa: E731
    assert _nested_names({"万科魅力之城小区"}, {"魅力之城小区"}, {"魅力之城小区"}, never)
    assert not _nested_names({"涉外经济学院"}, {"经济学院"}, {"经济学院"}, never)
    assert not _nested_names({"魅力之城小区"}, {"魅力之城小区"}, {"魅力之城小区"}, never)
    assert not _nested_names(
        {"机电职业技术学院"}, {"职业技术学院"}, {"职业技术学院"}, lambda n: n == "职业技术学院"
    )
    assert not _nested_names({"万科魅力之城小区"}, {"魅力之城小区"}, {"劳动东路"}, never)


def test_a_message_that_names_no_place_and_no_problem_joins_nothing() -> None:
    index = _index([("", "我们小区", "相关问题咨询"), ("", "我们小区", "相关问题咨询")])
    assert _groups(index) == [{1}, {2}]


def test_one_template_two_problems_at_one_place_are_two_issues() -> None:
    """The demo's 涉企检查过多 and 企业贷款难融资贵 at 科技初创公司: one body template, no
    problem word in common, so alike texts do not make them one issue."""
    index = _index(
        [
            ("", "科技初创公司", "涉企检查过多"),
            ("求助", "科技初创公司", "企业贷款难融资贵"),
            ("建议", "科技初创公司", "涉企检查过多"),
            ("", "科技初创公司", "企业贷款难融资贵"),
        ]
    )
    assert _groups(index) == [{1, 3}, {2, 4}]


def test_descriptions_read_as_written() -> None:
    # A place after 至 is where something should go; a bare 问题 after a noun is the problem;
    # a question stays a question; a connective left by a removed place goes.
    assert clean_title("强烈建议将地铁7号线南延至长沙市生态动物园", ["生态动物园"]) == (
        "将地铁7号线南延至生态动物园"
    )
    assert (
        clean_title("长沙市润万滨江天著毛坯房有严重质量问题", [])
        == "润万滨江天著毛坯房有严重质量问题"
    )
    assert clean_title("绿地海外滩小区距高铁只有30米，合理吗？", ["绿地海外滩小区"]) == (
        "距高铁只有30米，合理吗"
    )
    assert clean_title("对东六路（远大路至映霞路）段道路路基改造的建议", ["东六路"]) == (
        "道路路基改造"
    )


def test_one_broad_word_qualified_otherwise_is_no_shared_problem() -> None:
    """The demo's last mixed groups shared one broad noun that the titles qualify otherwise
    (高龄补贴 / 残疾人补贴, 等车时间 / 红绿灯时间, 提交材料 / 证明材料): two issues each. A
    word qualified by two verbs (偷排废气 / 排放废气) or left bare on one side stays shared."""
    index = _index(
        [
            ("", "敬老院", "高龄补贴迟迟不发"),
            ("咨询", "敬老院", "残疾人补贴怎么申领"),
            ("", "敬老院", "高龄补贴迟迟不发"),
            ("", "客运站", "夜班公交等车时间太长"),
            ("投诉", "客运站", "红绿灯时间太短"),
            ("", "客运站", "红绿灯时间太短"),
            ("", "政务大厦", "办证要求反复提交材料"),
            ("建议", "政务大厦", "证明材料要求太多"),
            ("", "政务大厦", "办证要求反复提交材料"),
            ("", "城北化肥厂", "夜间偷排废气"),
            ("投诉", "城北化肥厂", "白天排放废气"),
            ("", "城北化肥厂", "废气味道刺鼻"),
        ]
    )
    assert _groups(index) == [{1, 3}, {2}, {4}, {5, 6}, {7, 9}, {8}, {10, 11, 12}]


def test_a_message_without_a_place_joins_no_group_that_qualifies_its_words_otherwise() -> None:
    """ "社区高龄补贴未按时发放" names no place (社区 alone is none): only its text links it to
    a village's group, and that group's 种粮补贴 is another allowance, however alike the
    rest of the words ("未按时发放")."""
    body = "补贴未按时发放，反映多次一直没有解决，希望尽快发放。"
    index = HotIssueIndex()
    index.rebuild(
        _msgs(
            [
                ("长沙市青山村种粮补贴未按时发放", body),
                ("长沙市社区高龄补贴未按时发放", body),
                ("长沙市街道高龄补贴未按时发放", body),
            ]
        )
    )
    assert _groups(index) == [{1}, {2, 3}]
