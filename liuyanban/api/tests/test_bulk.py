"""Bulk export (CSV, XLSX) and import of messages, through HTTP and the commands."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from liuyanban.lifecycle.models import Message

HEADER = "外部编号,来源渠道,标题,内容,领域,类型,区划代码,姓名,电话\n"
GOOD = "H-1,热线,东区幸福路路灯长期不亮,幸福路从一号到九号的路灯已经三个月不亮了。,urban,投诉,990101,张三,13812345678\n"
ROWS = (
    HEADER
    + GOOD
    + "H-2,hotline,西湖路积水严重,西湖路下雨后积水严重影响出行安全。,nope,complaint,,,\n"
    + "H-1,热线,重复的一行内容,幸福路从一号到九号的路灯已经三个月不亮了。,urban,投诉,,,\n"
    + "H-3,hotline,短,太短,urban,complaint,,,\n"
)


def test_export_csv_and_xlsx(world: Any, as_: Any) -> None:
    world.message_in("closed")
    world.message_in("published")
    olga = as_("olga")
    response = olga.get("/exports/messages.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "留言编号" and len(rows) == 3
    closed = next(r for r in rows if r[7] == "已办结")
    assert closed[rows[0].index("回复单位")] == "东区住房和城乡建设局"
    assert "13812345678" not in text and "张三" not in text
    xlsx = olga.get("/exports/messages.xlsx", status="closed")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    assert len(list(book.active.iter_rows())) == 2
    assert as_("alice").get("/exports/messages.csv").status_code == 403
    assert as_(None).get("/exports/messages.csv").status_code == 401


def test_import_reports_rows_and_never_twice(world: Any, as_: Any) -> None:
    olga = as_("olga")

    def upload() -> Any:
        file = SimpleUploadedFile("hotline.csv", ROWS.encode("gb18030"), "text/csv")
        return olga.client.post(
            "/api/v1/imports/messages", {"board": "990101-head", "file": file}, headers=olga.headers
        )

    first = upload().json()
    assert len(first["created"]) == 1 and first["rows"] == 4
    errors = {(e["row"], e["column"]) for e in first["errors"]}
    assert errors == {(3, "领域"), (4, "外部编号"), (5, "标题"), (5, "内容")}
    assert all(e["message"] for e in first["errors"])
    second = upload().json()
    assert second["created"] == [] and second["skipped_rows"] == [2]
    message = Message.objects.get(source="hotline", external_id="H-1")
    assert message.status == "submitted" and message.contact.phone == "13812345678"
    forbidden = as_("uma").client.post(
        "/api/v1/imports/messages",
        {"board": "990101-head", "file": SimpleUploadedFile("x.csv", b"a")},
        headers=as_("uma").headers,
    )
    assert forbidden.status_code == 403


def test_import_bad_header(world: Any, as_: Any) -> None:
    olga = as_("olga")
    file = SimpleUploadedFile("x.csv", "编号,内容\n1,2\n".encode(), "text/csv")
    report = olga.client.post(
        "/api/v1/imports/messages", {"board": "990101-head", "file": file}, headers=olga.headers
    ).json()
    assert report["created"] == [] and any(e["row"] == 1 for e in report["errors"])


def test_commands(world: Any, tmp_path: Path) -> None:
    world.message_in("replied")
    source = tmp_path / "in.csv"
    source.write_text(HEADER + GOOD, encoding="utf-8")
    call_command("import_messages", str(source), "--board", "990101-head", stdout=io.StringIO())
    assert Message.objects.filter(source="hotline").count() == 1
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"out.{fmt}"
        call_command("export_messages", "--format", fmt, "--output", str(out), stdout=io.StringIO())
        assert out.stat().st_size > 0
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_import_command_shows_row_progress_on_a_terminal_only(world: Any, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(HEADER + GOOD, encoding="utf-8")
    quiet = io.StringIO()
    args = [str(source), "--board", "990101-head"]
    call_command("import_messages", *args, stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""
    err = _Terminal()
    call_command("import_messages", *args, stdout=io.StringIO(), stderr=err)  # all skipped now
    assert "1/1" in err.getvalue() and "row/s" in err.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_filters(world: Any, as_: Any, fmt: str) -> None:
    world.message_in("published")
    response = as_("olga").get(f"/exports/messages.{fmt}", board="990102-head")
    assert response.status_code == 200
