"""Personal-data detection: each kind, hard negatives, masks, redact_file, real-data targets."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from liuyanban.intelligence.redaction import (
    find_personal_data,
    id_check_digit,
    luhn_ok,
    public_text,
    redact,
    valid_id18,
)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_personal_data(text)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("我的电话13812345678，谢谢", "mobile", "13812345678"),
        ("手机：138 1234 5678", "mobile", "138 1234 5678"),
        ("联系 +86-139-0000-1111 即可", "mobile", "+86-139-0000-1111"),
        ("号码138****1234已停机", "mobile", "138****1234"),
        ("号码138xxxx1234已停机", "mobile", "138xxxx1234"),
        ("办公室0731-88881234", "landline", "0731-88881234"),
        ("打(0731)88881234没人接", "landline", "(0731)88881234"),
        ("物业电话：86661234，无人", "landline", "86661234"),
        ("身份证号11010519491231002X。", "id_card", "11010519491231002X"),
        ("旧身份证430322560101123", "id_card", "430322560101123"),
        ("身份证430322********1234", "id_card", "430322********1234"),
        ("邮箱 zhang.san@example.com", "email", "zhang.san@example.com"),
        ("卡号 6222 0212 3456 7890 128", "bank_card", "6222 0212 3456 7890 128"),
        ("车牌湘A12345的车", "plate", "湘A12345"),
        ("新能源湘A·D12345停在楼下", "plate", "湘A·D12345"),
        ("QQ：12345678", "qq", "12345678"),
        ("微信号：zhangsan_88", "wechat", "zhangsan_88"),
        ("我叫张三，家住A市", "name", "张三"),
        ("本人李四在A市工作", "name", "李四"),
        ("我是王某某，男", "name", "王某某"),
        ("联系人：赵六 电话", "name", "赵六"),
        ("投诉人：欧阳小明、刘某", "name", "欧阳小明"),
    ],
)
def test_each_kind_is_found(text: str, kind: str, value: str) -> None:
    assert (kind, value) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "2019年12月30日上午10:30，2019-12-30，20191230",
        "罚款5000元，补偿12345678元",
        "根据湘政发〔2019〕12号和长发价控（2016）680号文件",
        "请到政务中心3楼301室办理，邮编410005，时间10:30，增长12.5%，依据第十二条",
        "请拨打12345市长热线、110、12315或0731-12345",
        "订单号13812345678，快递单号SF1234567890123",
        "编号0731-88881234的合同",
        "国标GB50096-2011，规划(2016-2020)",
        "我是来投诉的，本人居住在A区，我是农民",
        "我是一名教师，本人于去年搬来",
        "李科长说再等等，唐先生也说等等",
        "身份证号1101051949123100",
        "400-888-8888是开发商客服",
    ],
)
def test_hard_negatives_survive(text: str) -> None:
    assert kinds(text) == []


def test_id_check_digit_known_value() -> None:
    assert id_check_digit("11010519491231002") == "X"
    assert not valid_id18("110105194912310021")


_regions = st.integers(110000, 659999).map(str)
_births = st.dates(
    min_value=__import__("datetime").date(1930, 1, 1),
    max_value=__import__("datetime").date(2015, 12, 31),
)


@given(_regions, _births, st.integers(0, 999))
def test_generated_valid_ids_are_found(region: str, born, seq: int) -> None:
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    number = body + id_check_digit(body)
    assert kinds(f"他的号码是{number}。") == [("id_card", number)]


@given(_regions, _births, st.integers(0, 999))
def test_wrong_check_digit_is_not_an_id_without_cue(region: str, born, seq: int) -> None:
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    wrong = "0" if id_check_digit(body) != "0" else "1"
    assert ("id_card", body + wrong) not in kinds(f"编码{body + wrong}")


def _luhn_complete(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


@given(st.from_regex(r"62[0-9]{14}", fullmatch=True))
def test_luhn_cards_are_found_and_broken_ones_are_not(prefix: str) -> None:
    card = _luhn_complete(prefix)
    assert kinds(f"转到{card}") in ([("bank_card", card)], [("id_card", card)])
    broken = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert all(k != "bank_card" for k, _ in kinds(f"转到{broken}"))


def test_redact_masks_and_keeps_offsets() -> None:
    text = "我叫张三，电话13812345678，邮箱a@b.cn"
    result = redact(text)
    assert result.public_text == "我叫张某，电话【已隐去手机号】，邮箱【已隐去电子邮箱】"
    for f in result.findings:
        assert text[f.start : f.end] == f.text
        assert f.reason and 0 < f.confidence <= 1


def test_public_text_tidies_scraped_whitespace() -> None:
    raw = "\n\t\t\t\u3000\u3000投诉内容\xa0\xa0如下\n\n\t\t电话：0731-88881234\n\t\t"
    assert public_text(raw) == "投诉内容 如下\n电话：【已隐去固定电话】"


def _write_csv(path: Path, rows: list[list[str]], bom: bool = False) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def test_redact_file_adds_public_columns(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(
        src,
        [
            ["留言编号", "留言主题", "留言详情"],
            ["1", "求助", "\t我叫张三，电话13812345678\n"],
            ["2", "路灯", "坏了"],
        ],
        bom=True,
    )
    call_command("redact_file", "--input", str(src), "--output", str(dst))
    with dst.open(encoding="utf-8", newline="") as f:
        out = list(csv.reader(f))
    assert out[0] == ["留言编号", "留言主题", "留言详情", "留言主题_public", "留言详情_public"]
    assert out[1] == [
        "1",
        "求助",
        "\t我叫张三，电话13812345678\n",
        "求助",
        "我叫张某，电话【已隐去手机号】",
    ]
    assert out[2][3:] == ["路灯", "坏了"]


def test_redact_file_rejects_missing_columns(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _write_csv(src, [["留言编号", "留言主题"], ["1", "x"]])
    with pytest.raises(CommandError, match="留言详情"):
        call_command("redact_file", "--input", str(src), "--output", str(tmp_path / "o.csv"))


def _load_bench():
    path = Path(settings.BASE_DIR) / "bench" / "redaction_eval.py"
    spec = importlib.util.spec_from_file_location("redaction_eval", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_targets_on_planted_development_messages() -> None:
    """Synthetic-planted on real text, development split (the test split is for the bench)."""
    bench = _load_bench()
    result = bench.score_planted(bench.planted_set("dev", 400), {"new": public_text})
    counts = result["counts"]["new"]
    for kind in ("mobile", "landline", "id_card", "bank_card", "email", "plate", "qq", "wechat"):
        assert counts[kind]["n"] >= 50
        assert counts[kind]["ok"] / counts[kind]["n"] >= 0.98, kind
    assert counts["name"]["ok"] / counts["name"]["n"] >= 0.95
    assert counts["lookalike"]["ok"] / counts["lookalike"]["n"] >= 0.95
