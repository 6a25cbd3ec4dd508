"""The outside probe of issue 14, one test each; every one of them got through the old detector.

Also: the unit's own contact numbers stay in a published reply while the citizen's data
goes, the author's own names are masked, no corpus-specific plate prefix in production,
and a redactor that cannot be loaded is a system-check error rather than a weaker fallback.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

from liuyanban.intelligence.redaction import find_personal_data, public_reply_text, public_text
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Reply, Status
from liuyanban.lifecycle.redaction import check_redactor


def hidden(text: str, secret: str, published: str | None = None) -> bool:
    """The secret's digits and letters cannot be read in what is published."""
    published = public_text(text) if published is None else published
    keep = "".join(c for c in secret if c.isalnum())
    return keep not in "".join(c for c in published if c.isalnum())


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("我的电话139.1111.0003，请回电", "139.1111.0003"),
        ("联系方式：139 1111 0003", "139 1111 0003"),
        ("手机：139-1111-0003", "139-1111-0003"),
        ("我的手机一三九一一一一〇〇〇三", "一三九一一一一〇〇〇三"),
        ("电话幺三九幺幺幺幺零零零三", "幺三九幺幺幺幺零零零三"),
        ("电话139\u200d1111\u20600003", "139\u200d1111\u20600003"),
        ("电话\u202e30001111931\u202c谢谢", "30001111931"),
        ("座机075524360468", "075524360468"),
        ("打02127562226找我", "02127562226"),
        ("请回电0571 4506 749", "0571 4506 749"),
    ],
)
def test_numbers_the_probe_slipped_through_are_hidden(text: str, secret: str) -> None:
    assert hidden(text, secret)


def test_masks_cover_the_original_characters() -> None:
    text = "电话\u202e30001111931\u202c，邮箱ａｂｃ＠１６３.ｃｏｍ"
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == ["mobile", "email"]
    for f in findings:
        assert text[f.start : f.end] == f.text
    assert "30001111931" in findings[0].text and findings[1].text == "ａｂｃ＠１６３.ｃｏｍ"


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("联系人：郭富城", "联系人：郭某"),
        ("我叫郭富城电话13911110003", "我叫郭某电话【已隐去手机号】"),
        ("此事请联系张伟先生处理", "此事请联系张某先生处理"),
        ("情况属实。\n王小明\n2019年12月30日", "情况属实。\n王某\n2019年12月30日"),
        ("我叫张伟今天来反映", "我叫张某今天来反映"),
        ("我是居民杨洋，反映一个问题", "我是居民杨某，反映一个问题"),
    ],
)
def test_names_after_cues_are_masked(text: str, published: str) -> None:
    assert public_text(text) == published


@pytest.mark.parametrize(
    "text",
    [
        "求助人民政府帮帮我们",
        "被举报人没有参与任何工程",
        "李科长说再等等，唐先生也说等等",
        "联系人：物业公司",
        "他们的代理人由法官通道进入",
        "一家叫米汤饭的快餐店",
    ],
)
def test_words_after_cues_are_not_names(text: str) -> None:
    assert [f for f in find_personal_data(text) if f.kind == "name"] == []


@pytest.mark.parametrize(
    ("text", "published"),
    [
        (
            "我家住五一大道123号4栋2单元501室，楼下噪音扰民",
            "我家住五一大道【已隐去门牌号】，楼下噪音扰民",
        ),
        ("幸福小区3栋2单元501室楼上漏水", "幸福小区【已隐去门牌号】楼上漏水"),
        ("户籍住址为A市南阳街208号", "户籍住址为A市南阳街【已隐去门牌号】"),
    ],
)
def test_street_addresses_keep_the_road_and_lose_the_household(text: str, published: str) -> None:
    assert public_text(text) == published


@pytest.mark.parametrize(
    "text",
    [
        "根据湘政发〔2019〕12号文件，2019年12月30日10:30在政务中心3楼301室开会",
        "罚款5000元，增长12.5%，邮编410005，第十二条，12月5号，请拨打12345",
        "小区3栋楼下的垃圾站一直没人清理",
        "客服热线：400-0745-333",
        "合同编号13812345678，20191230签订",
    ],
)
def test_look_alikes_stay(text: str) -> None:
    assert public_text(text) == text


def test_corpus_plate_prefix_is_not_a_production_rule() -> None:
    assert public_text("车牌楚A12345的车") == "车牌楚A12345的车"
    assert public_text("车牌湘A12345的车") == "车牌【已隐去车牌号】的车"
    bench = Path(settings.BASE_DIR) / "bench"
    sys.path.insert(0, str(bench))
    try:
        spec = importlib.util.spec_from_file_location("tipdm", bench / "tipdm.py")
        assert spec and spec.loader
        tipdm = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tipdm)
    finally:
        sys.path.remove(str(bench))
    found = find_personal_data("车牌楚A12345的车", plate_prefixes=tipdm.PLATE_PREFIXES)
    assert [f.kind for f in found] == ["plate"]


def test_reply_keeps_the_units_contact_and_hides_the_citizens() -> None:
    reply = (
        "刘德华您好！经查，您反映的问题已处理。我局已电话联系您（13911110003）。"
        "如有疑问，请联系东区住建局办公室，联系电话0731-88881234，或拨打12345热线。"
    )
    published = public_reply_text(reply, author_names=["刘德华"])
    assert published.startswith("刘某您好！")
    assert "13911110003" not in published
    assert "联系电话0731-88881234" in published and "12345热线" in published


def test_citizen_data_in_a_reply_is_hidden() -> None:
    published = public_reply_text("经核实，来电人王小明（身份证11010519491231002X）反映属实。")
    assert "王小明" not in published and "11010519491231002X" not in published


@pytest.mark.django_db
def test_published_reply_shows_the_units_phone_and_not_the_authors_name(world) -> None:
    m = world.message_in(Status.IN_HANDLING)
    actions.reply_final(
        actor=world.uma,
        message_id=m.pk,
        body="张三您好，经核实，路灯已于本周修复。如有疑问请联系我局，联系电话：0731-88881234。",
        resolution="solved",
    )
    reply = Reply.objects.get(message=m, kind="final")
    assert reply.public_body.startswith("张某您好")
    assert "联系电话：0731-88881234" in reply.public_body


@pytest.mark.django_db
def test_message_hides_the_authors_own_name_and_number(world) -> None:
    m = world.submit(body="张三反映：幸福路路灯坏了三个月，请回电一三八一二三四五六七八。")
    assert "张三" not in m.public_body and m.public_body.startswith("张某反映")
    assert "一三八" not in m.public_body


def test_unloadable_redactor_is_a_system_check_error() -> None:
    assert check_redactor() == []
    with override_settings(LIUYANBAN={**settings.LIUYANBAN, "REDACTOR": "no.such.module"}):
        errors = check_redactor()
        assert [e.id for e in errors] == ["lifecycle.E001"]
        assert any(e.id == "lifecycle.E001" for e in run_checks())


def test_demo_replies_keep_the_contact_the_quality_check_asks_for() -> None:
    """The reply-quality check wants a contact; redaction no longer removes the unit's."""
    import random

    from liuyanban.demo.generator import REPLY_CONTACTS, generate_message, generate_reply
    from liuyanban.intelligence.replyquality import completeness

    rng = random.Random(5)
    for template in filter(None, REPLY_CONTACTS):
        line = template.format(unit="东区住房和城乡建设局", n=1234567)
        assert public_reply_text(line) == line
    for _ in range(30):
        body = generate_reply(rng, generate_message(rng), "东区住房和城乡建设局")
        published = public_reply_text(body)
        assert "已隐去" not in published
        assert completeness(published)[1] == completeness(body)[1]
