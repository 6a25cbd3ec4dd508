"""The statistics pages render, and the downloads carry the report's numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from liuyanban.analytics import rollups
from liuyanban.lifecycle.models import Status
from liuyanban.testing.factories import RegionFactory
from liuyanban.testing.world import World, today


@pytest.fixture
def filled(world: World) -> World:
    world.message_in(Status.CLOSED)
    world.message_in(Status.REPLIED)
    world.message_in(Status.ACCEPTED)
    world.message_in(Status.PUBLISHED, board_id=world.west_board.pk)
    rollups.rebuild()
    return world


def _query(world: World) -> str:
    year = today().year
    return f"?office={world.province.code}&start={year}-01-01&end={year}-12-31"


def test_public_stats_page(client: Client, filled: World) -> None:
    response = client.get(reverse("web:stats"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="stats-data"' in html and "echarts-5.6.0.min.js" in html
    assert "回复率" in html and "<abbr title=" in html
    assert "66.7%" in html  # 2 replied of 3 accepted
    assert "办理指数" in html


def test_report_page_for_a_scope(client: Client, filled: World) -> None:
    response = client.get(reverse("web:stats_report") + f"?office={filled.west.code}")
    assert response.status_code == 200
    assert "西区人民政府" in response.content.decode()


def test_unknown_scope_is_404(client: Client, filled: World) -> None:
    assert client.get(reverse("web:stats_report") + "?office=nope").status_code == 404


def test_glossary_defines_every_figure(client: Client, world: World) -> None:
    html = client.get(reverse("web:stats_glossary")).content.decode()
    for key in ("reply_rate", "on_time_rate", "median_final", "reopen_rate", "return_rate"):
        assert f'id="kpi-{key}"' in html
    assert "0.3×回复率" in html


def test_csv_download_has_the_numbers(client: Client, filled: World) -> None:
    url = reverse("web:stats_report_download", args=["csv"]) + _query(filled) + "&table=kpis"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    values = {row[0]: row[1:] for row in table[1:]}
    assert values["收到留言"][0] == "4"
    assert values["回复率"][:3] == ["66.7%", "2", "3"]


def test_xlsx_download_has_every_table(client: Client, filled: World) -> None:
    url = reverse("web:stats_report_download", args=["xlsx"]) + _query(filled)
    response = client.get(url)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "主要指标" in book.sheetnames and "办理指数排名" in book.sheetnames
    sheet = book["主要指标"]
    assert [sheet.cell(2, 1).value, sheet.cell(2, 2).value] == ["收到留言", "4"]


def test_pdf_download_is_printed_from_the_report_page(
    client: Client, filled: World, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("web:stats_report_download", args=["pdf"]) + _query(filled)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.get(url)
    assert waiting.status_code == 202 and "报告正在生成" in waiting.content.decode()
    # The task (inline in tests) printed it with the real Chromium.
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_dashboard_shows_the_staff_members_organisations(client: Client, filled: World) -> None:
    client.force_login(filled.olga)
    html = client.get(reverse("web:stats_dashboard")).content.decode()
    assert "东区人民政府" in html and "西区人民政府" not in html
    client.force_login(filled.ann)
    assert "示范省人民政府" in client.get(reverse("web:stats_dashboard")).content.decode()


def test_dashboard_refuses_citizens(client: Client, world: World, settings: Any) -> None:
    client.force_login(world.alice)
    assert client.get(reverse("web:stats_dashboard")).status_code == 403
    client.logout()
    assert client.get(reverse("web:stats_dashboard")).status_code == 302


def test_messages_take_their_boards_region_and_the_heat_table_shows_regions(
    client: Client, filled: World
) -> None:
    from liuyanban.lifecycle.models import Message

    regions = set(Message.objects.values_list("board__code", "region__name"))
    assert regions == {(filled.east_board.code, "东区"), (filled.west_board.code, "西区")}
    html = client.get(reverse("web:stats")).content.decode()
    heat = html.split('id="heat-h"')[1].split("</thead>")[0]
    assert "东区" in heat and "西区" in heat and "未注明" not in heat


def test_a_stated_region_is_kept(world: World) -> None:
    street = RegionFactory.create(code="990101001", name="幸福街道", parent=world.east_region)
    m = world.submit(None, region_id=street.pk)
    assert m.region_id == street.pk
