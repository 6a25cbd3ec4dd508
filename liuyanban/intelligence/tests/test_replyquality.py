"""Reply quality: perfunctory replies flagged, specific ones not, agreement with labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from liuyanban.intelligence.management.commands.reply_quality_eval import (
    agreement,
    choose_cut,
    evaluate,
    split_labels,
    working_days,
)
from liuyanban.intelligence.replyquality import score_reply, strip_boilerplate, timeliness

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "tipdm2020c"

TITLE = "A5区幸福里小区临街餐馆油烟噪音扰民"
BODY = "我是A5区幸福里小区居民，楼下三家餐馆营业到凌晨，油烟直排进小区，噪音很大，请管一管。"
GENERIC = "您好，您的留言已收悉，我们将转有关部门处理。感谢您的关注。"
GOOD = (
    "网友您好！经A5区城管执法局现场核查，幸福里小区临街3家餐馆未安装油烟净化设施，"
    "夜间经营噪音超标。依据《中华人民共和国大气污染防治法》第八十一条，执法人员已于5月10日"
    "责令其在15日内整改，并处罚款2000元。下一步将每周复查。如有疑问请联系执法中队王队长，"
    "电话0731-12345678。"
)


def test_generic_reply_is_perfunctory_and_lists_what_is_missing() -> None:
    q = score_reply(TITLE, BODY, GENERIC, 3, 15)
    assert q.perfunctory
    assert q.relevance < 0.2
    assert q.overall <= 0.3
    assert "未说明办理依据" in q.missing
    assert "未提供联系方式" in q.missing


def test_specific_reply_is_not_perfunctory_and_scores_high() -> None:
    q = score_reply(TITLE, BODY, GOOD, 5, 15)
    assert not q.perfunctory
    assert q.relevance >= 0.8
    assert q.completeness == 1.0
    assert q.missing == []
    assert q.interpretability > 0.5
    assert q.overall > 0.8


def test_a_specific_reply_to_another_message_is_not_relevant() -> None:
    q = score_reply("B市和平路路灯不亮", "B市和平路路灯坏了半年，晚上出行不安全。", GOOD, 5, 15)
    assert q.relevance < 0.3


def test_missing_basis_and_contact_are_named() -> None:
    reply = "经A5区城管执法局现场核查，幸福里小区临街餐馆油烟扰民属实，已责令5月底前整改。"
    q = score_reply(TITLE, BODY, reply, 5, 15)
    assert not q.perfunctory
    assert q.missing == ["未说明办理依据", "未提供联系方式"]


def test_timeliness_and_late_replies() -> None:
    assert timeliness(None, 15) is None
    assert timeliness(10, 15) == 1.0
    assert timeliness(30, 15) == 0.0
    q = score_reply(TITLE, BODY, GOOD, 25, 15)
    assert "未在办理时限内答复" in q.missing
    assert q.overall < score_reply(TITLE, BODY, GOOD, 5, 15).overall


def test_boilerplate_is_stripped() -> None:
    assert (
        strip_boilerplate("网友“UU008”您好！您的留言已收悉。现将有关情况回复如下：已修复。")
        == "已修复。"
    )


def test_working_days_skip_weekends_and_holidays() -> None:
    from datetime import datetime

    # Friday 2019-09-27 to Tuesday 2019-10-08: Sunday 09-29 is a make-up working day,
    # Monday 09-30 works, 10-01..10-07 is the National Day holiday, 10-08 works.
    assert working_days(datetime(2019, 9, 27, 10), datetime(2019, 10, 8, 10)) == 3


@pytest.mark.slow
def test_agreement_with_labels_on_real_replies(capsys: pytest.CaptureFixture[str]) -> None:
    results, share, scored = evaluate(DATA / "attachment4_replies.csv", DATA / "annotations")
    by_name = {a.name.split(" vs ")[0]: a for a in results}
    assert len(scored) == 2816
    # Measured: AUC 0.96 / 0.86 / 0.69, Spearman 0.60 on our labels, kappa 0.69 (perfunctory).
    assert (by_name["syucryingstar 可解释性"].auc or 0) >= 0.9
    assert (by_name["rollbear 可解释性"].auc or 0) >= 0.8
    assert (by_name["rollbear 完整性"].auc or 0) >= 0.6
    assert by_name["ours quality(1-3)"].spearman >= 0.5
    assert (by_name["ours perfunctory"].kappa or 0) >= 0.6
    assert 0.05 <= share <= 0.3
    call_command("reply_quality_eval", input=DATA / "attachment4_replies.csv")
    assert "perfunctory share" in capsys.readouterr().out


def test_kappa_threshold_is_chosen_on_the_development_half_only() -> None:
    labels = {i: int(i % 3 == 0) for i in range(200)}
    dev, test = split_labels(labels)
    assert set(dev).isdisjoint(test) and len(dev) + len(test) == 200
    assert split_labels(labels) == (dev, test)  # a fixed split
    assert abs(sum(dev.values()) - sum(test.values())) <= 1  # stratified
    # Scores separate the classes at 0.3 on the development half; the test half is
    # shifted so that a cut fitted on it would be 0.7.
    scores = {i: (0.4 if y else 0.2) for i, y in dev.items()}
    scores |= {i: (0.8 if y else 0.6) for i, y in test.items()}
    assert choose_cut(scores, dev) == pytest.approx(0.3)
    result = agreement("shifted", scores, labels)
    assert result.cut == pytest.approx(0.3) and result.n_dev == len(dev) and result.n == len(test)
    assert result.kappa == 0.0  # the development cut calls every test reply 1
    assert result.auc == 1.0


def test_working_days_are_the_platform_count_on_the_official_calendar() -> None:
    """One count: the evaluation agrees with ``lifecycle.workdays`` day by day (no overrides)."""
    from datetime import date, datetime, timedelta

    from liuyanban.lifecycle.workdays import official_is_workday, working_days_between

    start = date(2019, 9, 20)
    for n in range(0, 40, 3):
        end = start + timedelta(days=n)
        expected = working_days_between(start, end, workday=official_is_workday)
        assert (
            working_days(datetime(2019, 9, 20, 9), datetime.combine(end, datetime.min.time()))
            == expected
        )
    assert working_days(datetime(2019, 10, 8), datetime(2019, 9, 27)) == 0
