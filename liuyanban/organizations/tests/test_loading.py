"""The national directory: built from division codes, idempotent, correctly shaped."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from liuyanban.accounts.models import User
from liuyanban.core.text.pinyin import pinyin_key
from liuyanban.organizations.loading import load_directory
from liuyanban.organizations.loading.divisions import Division
from liuyanban.organizations.loading.plan import join_title, region_style
from liuyanban.organizations.loading.sync import OrgSpec, sync_organizations
from liuyanban.organizations.models import (
    Board,
    BoardKind,
    Level,
    Organization,
    OrgKind,
    Region,
    UnitTemplate,
)
from liuyanban.testing.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

# A tiny code table with the awkward cases: a municipality (districts under the
# province), 市辖区 and 省直辖 placeholders, an autonomous region, 盟 and 地区.
TABLE = """adcode,name,longitude,latitude
110000000000,北京市,116.4,39.9
110100000000,市辖区,116.4,39.9
110101000000,东城区,116.41,39.92
410000000000,河南省,113.7,34.7
419000000000,省直辖县级行政区划,,
419001000000,济源市,112.6,35.0
430000000000,湖南省,112.98,28.11
430100000000,长沙市,112.93,28.22
430101000000,市辖区,,
430102000000,芙蓉区,113.03,28.18
430181000000,浏阳市,113.64,28.16
150000000000,内蒙古自治区,111.7,40.8
152200000000,兴安盟,122.0,46.0
152223000000,扎赉特旗,122.9,46.7
810000000000,香港特别行政区,114.1,22.2
"""


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "divisions.csv"
    path.write_text(TABLE, encoding="utf-8")
    return path


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def test_table_builds_tree_with_placeholders_skipped(table: Path) -> None:
    report = load_directory(table)
    assert report.regions.created == 11  # 15 rows - 3 placeholders - 香港
    assert not Region.objects.filter(name__in=["市辖区", "省直辖县级行政区划"]).exists()
    assert not Region.objects.filter(code="810000").exists()
    assert Region.objects.get(code="110101").parent == Region.objects.get(code="110000")
    assert Region.objects.get(code="419001").parent == Region.objects.get(code="410000")
    assert Region.objects.get(code="430102").parent == Region.objects.get(code="430100")
    changsha = Region.objects.get(code="430100")
    assert (changsha.level, changsha.longitude, changsha.pinyin) == (
        Level.PREFECTURE,
        112.93,
        "changshashi css",
    )


def test_bodies_hang_under_their_counterparts(table: Path) -> None:
    load_directory(table)
    assert org("430100-zf").parent == org("430000-zf")
    assert org("430100-dw").parent == org("430000-dw")
    assert org("430102-zf").path == "CN/430000-zf/430100-zf/430102-zf/"
    assert org("110101-zf").path == "CN/110000-zf/110101-zf/"
    assert org("419001-dw").parent == org("410000-dw")
    assert org("430000-zf").parent == org("CN")
    assert org("CN").kind == OrgKind.PLATFORM and org("CN").level == Level.CENTRAL
    ministry = org("mohurd")
    assert (ministry.parent, ministry.kind, ministry.name) == (
        org("CN"),
        OrgKind.MINISTRY,
        "住房和城乡建设部",
    )
    assert set(ministry.domains.values_list("code", flat=True)) == {"urban", "housing"}
    assert Board.objects.get(code="mohurd").kind == BoardKind.BODY


def test_names_follow_level_and_region_kind(table: Path) -> None:
    load_directory(table)
    names = dict(Organization.objects.values_list("code", "name"))
    assert names["430000-dw"] == "中共湖南省委"
    assert names["430000-zf"] == "湖南省人民政府"
    assert names["150000-dw"] == "中共内蒙古自治区委员会"
    assert names["152200-zf"] == "兴安盟行政公署"
    assert names["430000-zf-zhujian"] == "湖南省住房和城乡建设厅"
    assert names["430100-zf-zhujian"] == "长沙市住房和城乡建设局"
    assert names["430000-zf-weijian"] == "湖南省卫生健康委员会"
    assert names["110000-zf-gongan"] == "北京市公安局"  # municipalities use 局, not 厅
    boards = dict(Board.objects.values_list("code", "name"))
    assert boards["430000-sj"] == "湖南省委书记"
    assert boards["430000-zz"] == "湖南省长"
    assert boards["150000-zz"] == "内蒙古自治区主席"
    assert boards["110000-zz"] == "北京市长"
    assert boards["430181-zz"] == "浏阳市长"
    assert boards["152223-zz"] == "扎赉特旗长"
    assert boards["430102-zf"] == "芙蓉区人民政府"


def test_units_come_from_active_templates_with_domains(table: Path) -> None:
    UnitTemplate.objects.filter(code="xinfang").update(is_active=False)
    load_directory(table)
    active = UnitTemplate.objects.filter(is_active=True).count()
    units = Organization.objects.filter(parent__code="430100-zf", kind=OrgKind.DEPARTMENT)
    assert units.count() == active
    assert not units.filter(code="430100-zf-xinfang").exists()
    unit = units.get(code="430100-zf-jiaotong")
    assert unit.region == Region.objects.get(code="430100")
    assert unit.level == Level.PREFECTURE
    assert list(unit.domains.values_list("code", flat=True)) == ["transport"]
    assert unit.pinyin == "changshashijiaotongyunshuju cssjtysj"


def test_boards_belong_to_party_and_government(table: Path) -> None:
    load_directory(table)
    secretary = Board.objects.get(code="430100-sj")
    head = Board.objects.get(code="430100-zz")
    assert (secretary.organization.code, secretary.leader_title, secretary.kind) == (
        "430100-dw",
        "市委书记",
        BoardKind.LEADER,
    )
    assert (head.organization.code, head.leader_title) == ("430100-zf", "市长")
    assert secretary.pinyin == "changshashiweishuji csswsj"


def test_second_run_changes_nothing(table: Path) -> None:
    first = load_directory(table)
    second = load_directory(table)
    assert (second.regions.created, second.regions.updated) == (0, 0)
    assert (second.organizations.created, second.organizations.updated) == (0, 0)
    assert (second.boards.created, second.boards.updated) == (0, 0)
    assert second.organizations.unchanged == first.organizations.created


def test_renamed_region_updates_names_but_keeps_admin_edits(table: Path, tmp_path: Path) -> None:
    load_directory(table)
    Board.objects.filter(code="430181-zz").update(leader_name="某某")
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(TABLE.replace("浏阳市", "浏阳新市"), encoding="utf-8")
    report = load_directory(renamed)
    assert report.regions.updated == 1
    assert org("430181-zf").name == "浏阳新市人民政府"
    assert org("430181-zf").short_name == "浏阳新市"
    assert org("430181-zf-jiaoyu").name == "浏阳新市教育局"
    board = Board.objects.get(code="430181-zz")
    assert (board.name, board.leader_name) == ("浏阳新市长", "某某")


def test_province_filter_and_unknown_province(table: Path) -> None:
    load_directory(table, ["430000"])
    assert set(Region.objects.values_list("code", flat=True)) == {
        "430000",
        "430100",
        "430102",
        "430181",
    }
    with pytest.raises(ValueError, match="99"):
        load_directory(table, ["99"])


def test_one_province_from_cpca() -> None:
    """The real code table cpca ships: 湖南 has 14 prefectures and about 120 counties."""
    report = load_directory(provinces=["43"])
    governments = Organization.objects.filter(kind=OrgKind.GOVERNMENT)
    assert governments.filter(level=Level.PROVINCE).count() == 1
    assert governments.filter(level=Level.PREFECTURE).count() == 14
    assert 110 < governments.filter(level=Level.COUNTY).count() < 130
    assert report.regions.created == Region.objects.count()
    # every region has its two bodies and three boards
    assert Organization.objects.filter(kind=OrgKind.PARTY).count() == Region.objects.count()
    assert Board.objects.filter(kind=BoardKind.LEADER).count() == 2 * Region.objects.count()
    for unit in Organization.objects.filter(kind=OrgKind.DEPARTMENT)[:50]:
        assert unit.path == unit.parent.path + unit.code + "/"  # type: ignore[union-attr]
    again = load_directory(provinces=["43"])
    assert again.organizations.created == again.organizations.updated == 0


class _Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_command_prints_counts_and_time(table: Path) -> None:
    out, err = StringIO(), _Terminal()
    call_command(
        "load_directory", "--source", str(table), "--province", "11", stdout=out, stderr=err
    )
    assert "record/s" in err.getvalue()  # progress bar on a terminal
    assert "共 2 个区划、" in out.getvalue()  # 北京市 and 东城区
    assert "秒" in out.getvalue()
    with pytest.raises(CommandError, match="找不到"):
        call_command("load_directory", "--source", "/nonexistent.csv")


def test_moving_a_body_repairs_paths_below() -> None:
    sync_organizations(
        [
            OrgSpec("a", "甲", OrgKind.GOVERNMENT, Level.PROVINCE, None),
            OrgSpec("b", "乙", OrgKind.GOVERNMENT, Level.PROVINCE, None),
            OrgSpec("c", "丙", OrgKind.DEPARTMENT, Level.PROVINCE, "a"),
        ]
    )
    OrganizationFactory.create(code="d", parent=org("c"))
    report = sync_organizations([OrgSpec("c", "丙", OrgKind.DEPARTMENT, Level.PROVINCE, "b")])
    assert report.updated == 1
    assert org("c").path == "b/c/"
    assert org("d").path == "b/c/d/"


def test_region_styles_and_titles() -> None:
    assert region_style(Division("542500", "阿里地区", None, None)).party == "中共阿里地委"
    assert join_title("阿里地区", "地委书记") == "阿里地委书记"
    assert region_style(Division("433100", "湘西土家族苗族自治州", None, None)).head == "州长"
    assert region_style(Division("429021", "神农架林区", None, None)).head == "区长"
    assert pinyin_key("长沙", "市") == "changshashi css"


def test_admin_lists_and_searches_by_pinyin_initials(table: Path, client: Client) -> None:
    load_directory(table)
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    found = client.get("/admin/organizations/organization/", {"q": "csszfhcxjsj"})
    assert found.status_code == 200
    assert "长沙市住房和城乡建设局" in found.content.decode()
    for url in (
        f"/admin/organizations/organization/{org('430100-zf').pk}/change/",
        "/admin/organizations/board/?kind=leader",
        "/admin/organizations/region/?q=changsha",
        "/admin/organizations/unittemplate/",
        "/admin/taxonomy/domain/",
        "/admin/taxonomy/kind/",
    ):
        assert client.get(url).status_code == 200, url
