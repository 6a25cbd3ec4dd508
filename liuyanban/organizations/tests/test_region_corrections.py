"""An operator corrects dated region names (宁乡县 → 宁乡市) without losing rows, links or history."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from liuyanban.organizations.loading import load_directory
from liuyanban.organizations.models import Board, Organization, OrgKind, Region, RegionCorrection
from liuyanban.organizations.selectors import search_directory

pytestmark = pytest.mark.django_db

TABLE = """adcode,name,longitude,latitude
430000000000,湖南省,112.98,28.11
430100000000,长沙市,112.93,28.22
430102000000,芙蓉区,113.03,28.18
430124000000,宁乡县,112.55,28.25
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "divisions.csv"
    path.write_text(TABLE, encoding="utf-8")
    load_directory(path)
    return path


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "corrections.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_correction_renames_region_bodies_and_boards_and_survives_reloads(
    table: Path, tmp_path: Path
) -> None:
    gov = Organization.objects.get(code="430124-zf")
    board_ids = set(Board.objects.filter(organization__region__code="430124").values_list("pk"))
    out = StringIO()
    call_command(
        "correct_regions",
        str(_write(tmp_path, "code,name,note\n430124,宁乡市,2017 年撤县设市\n")),
        "--source",
        str(table),
        stdout=out,
    )
    assert "430124：宁乡县 → 宁乡市" in out.getvalue()
    assert Region.objects.get(code="430124").name == "宁乡市"
    gov.refresh_from_db()  # the same row: messages and history stay linked
    assert gov.name == "宁乡市人民政府"
    assert (
        set(Board.objects.filter(organization__region__code="430124").values_list("pk"))
        == board_ids
    )
    assert Board.objects.filter(name="宁乡市长").exists()
    correction = RegionCorrection.objects.get(code="430124")
    assert (correction.former_name, correction.name) == ("宁乡县", "宁乡市")

    # The dated code table is loaded again: the correction holds.
    again = load_directory(table)
    assert again.regions.updated == 0 and Region.objects.get(code="430124").name == "宁乡市"
    # The former name still finds the region's bodies.
    found = {getattr(x, "code", "") for x in search_directory("宁乡县")}
    assert "430124-zf" in found


def test_bad_file_changes_nothing(table: Path, tmp_path: Path) -> None:
    bad = _write(tmp_path, "code,name\n430124,宁乡市\n999999,不存在\n12,短\n")
    with pytest.raises(CommandError) as info:
        call_command("correct_regions", str(bad), "--source", str(table))
    assert "999999 不在目录中" in str(info.value) and "第 4 行" in str(info.value)
    assert Region.objects.get(code="430124").name == "宁乡县"
    assert not RegionCorrection.objects.exists()


def test_central_page_lists_ministry_boards_and_is_linked(client: Client, table: Path) -> None:
    directory = client.get("/directory/").content.decode()
    assert "中央国家机关留言板" in directory
    central = Organization.objects.get(parent__isnull=True)
    response = client.get(reverse("web:organization", args=[central.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "暂无留言板" not in page
    ministry_board = Board.objects.filter(
        organization__parent=central, organization__kind=OrgKind.MINISTRY
    ).first()
    assert ministry_board is not None and ministry_board.name in page
