"""Bulk onboarding: valid files import idempotently; any error imports nothing."""

from __future__ import annotations

import csv
import io
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from liuyanban.accounts.models import AuditAction, AuditEntry, Membership, Role, User
from liuyanban.accounts.onboarding import ImportReport, import_organizations
from liuyanban.organizations.loading import load_directory
from liuyanban.organizations.models import Board, BoardKind, Level, Organization, OrgKind
from liuyanban.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["机构代码", "名称", "类别", "级别", "上级代码", "领导留言板", "部门留言板", "职责领域"]
ORGS = [
    HEADER,
    # the child comes before its parent: the import orders by the tree
    ["hn-fr-jy", "芙蓉区教育局", "职能部门", "县级", "hn-fr", "局长:王局长", "是", "教育"],
    ["hn-fr", "芙蓉区人民政府", "政府", "县级", "hn", "区长:李区长;区委书记:", "是", ""],
    ["hn", "湖南省人民政府", "government", "province", "", "", "", "城建;transport"],
]
STAFF = [
    ["机构代码", "角色", "姓名", "手机号", "邮箱", "职务"],
    ["hn-fr-jy", "受理人员", "张三", "138 0000 0001", "", "科员"],
    ["hn-fr-jy", "officer", "张三", "13800000001", "", ""],
    ["hn-fr", "领导", "李四", "", "Li@Example.com", "区长"],
]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    buffer = StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def run(
    rows: list[list[str]],
    staff: list[list[str]] | None = None,
    *,
    dry_run: bool = False,
    actor: User | None = None,
) -> ImportReport:
    staff_content = csv_bytes(staff) if staff is not None else None
    return import_organizations(
        csv_bytes(rows),
        filename="x.csv",
        staff_content=staff_content,
        dry_run=dry_run,
        actor=actor,
    )


def errors(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]


def counts() -> tuple[int, int, int, int]:
    return (
        Organization.objects.count(),
        Board.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    )


def test_import_creates_bodies_boards_and_staff() -> None:
    report = run(ORGS, STAFF)
    assert report.ok, report.errors
    assert report.encoding == "utf-8"
    assert (report.organizations.created, report.boards.created) == (3, 5)
    assert (report.users.created, report.memberships.created) == (2, 3)
    unit = Organization.objects.get(code="hn-fr-jy")
    assert unit.path == "hn/hn-fr/hn-fr-jy/"
    assert (unit.kind, unit.level) == (OrgKind.DEPARTMENT, Level.COUNTY)
    assert list(unit.domains.values_list("code", flat=True)) == ["education"]
    assert set(Organization.objects.get(code="hn").domains.values_list("code", flat=True)) == {
        "urban",
        "transport",
    }
    head = Board.objects.get(organization=unit, kind=BoardKind.LEADER)
    assert (head.name, head.leader_title, head.leader_name) == ("芙蓉区教育局长", "局长", "王局长")
    assert Board.objects.get(organization=unit, kind=BoardKind.BODY).code == "hn-fr-jy"
    zhang = User.objects.get(phone="13800000001")
    assert not zhang.has_usable_password() and zhang.real_name == "张三"
    assert set(zhang.memberships.values_list("role", flat=True)) == {Role.CLERK, Role.OFFICER}
    assert User.objects.get(email="li@example.com").memberships.get().title == "区长"


def test_second_run_changes_nothing_and_edits_are_updates() -> None:
    run(ORGS, STAFF)
    again = run(ORGS, STAFF)
    assert again.ok
    for part in (again.organizations, again.boards, again.users, again.memberships):
        assert (part.created, part.updated) == (0, 0)
    assert (again.organizations.unchanged, again.memberships.unchanged) == (3, 3)
    edited = [row[:] for row in ORGS]
    edited[1][1] = "芙蓉区教育体育局"
    edited[1][5] = "局长:新局长"
    report = run(edited)
    assert (report.organizations.updated, report.organizations.unchanged) == (1, 2)
    assert report.boards.updated == 1
    assert Board.objects.get(leader_title="局长").leader_name == "新局长"


def test_dry_run_counts_but_writes_nothing() -> None:
    report = run(ORGS, STAFF, dry_run=True)
    assert report.ok and report.organizations.created == 3
    assert counts() == (0, 0, 0, 0)
    assert not AuditEntry.objects.exists()


def test_onboarding_staff_records_an_audit_entry_per_change() -> None:
    """Accounts and posts are created through the accounts action, each change audited."""
    operator = UserFactory.create(username="operator")
    run(ORGS, STAFF, actor=operator)
    zhang = User.objects.get(phone="13800000001")
    li = User.objects.get(email="li@example.com")
    entries = list(AuditEntry.objects.order_by("pk"))
    assert {e.actor_id for e in entries} == {operator.pk}
    assert {e.via for e in entries} == {"导入文件 x.csv"}
    created = [e.user_id for e in entries if e.action == AuditAction.ACCOUNT_CREATED]
    assert len(created) == 2 and set(created) == {zhang.pk, li.pk}
    granted = {
        (e.user_id, e.organization.code if e.organization else "", e.role, e.title)
        for e in entries
        if e.action == AuditAction.POST_GRANTED
    }
    assert granted == {
        (m.user_id, m.organization.code, m.role, m.title)
        for m in Membership.objects.select_related("organization")
    }
    assert len(entries) == 2 + 3
    # A second run of the same file changes nothing, so it records nothing.
    run(ORGS, STAFF, actor=operator)
    assert AuditEntry.objects.count() == 5
    # A new title for a post is a change of its own; a missing real name is filled, audited.
    li.real_name = ""
    li.save(update_fields=["real_name"])
    retitled = [row[:] for row in STAFF]
    li_row = next(r for r in retitled if r[0] == "hn-fr")
    li_row[-1] = "常务副区长"
    run(ORGS, retitled)
    latest = AuditEntry.objects.filter(pk__gt=entries[-1].pk)
    assert {(e.action, e.user_id, e.actor_id) for e in latest} == {
        (AuditAction.POST_RETITLED, li.pk, None),
        (AuditAction.NAME_FILLED, li.pk, None),
    }
    assert latest.get(action=AuditAction.POST_RETITLED).title == "常务副区长"


def test_import_updates_loaded_directory_boards(tmp_path: Path) -> None:
    """Onboarding can name the leaders of boards the national loader created."""
    table = tmp_path / "t.csv"
    table.write_text("adcode,name\n430000,湖南省\n430100,长沙市\n", encoding="utf-8")
    load_directory(table)
    rows = [
        ["code", "name", "kind", "level", "parent_code", "boards", "region_code"],
        ["430100-zf", "长沙市人民政府", "政府", "地级", "430000-zf", "市长:某市长", "430100"],
    ]
    report = run(rows)
    assert report.ok, report.errors
    assert (report.boards.created, report.boards.updated) == (0, 1)
    assert Board.objects.get(code="430100-zz").leader_name == "某市长"


def test_moving_a_body_moves_its_subtree() -> None:
    run(ORGS)
    run(
        [
            ORGS[0],
            ["other", "另一省政府", "政府", "省级", "", "", "", ""],
            ["hn-fr", "芙蓉区人民政府", "政府", "县级", "other", "", "", ""],
        ]
    )
    assert Organization.objects.get(code="hn-fr-jy").path == "other/hn-fr/hn-fr-jy/"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [HEADER[:4], ["a", "甲", "政府", "县级"]],
            (1, "上级代码", "缺少必需的列（上级代码 或 parent_code）"),
        ),
        ([[*HEADER, "备注"], ORGS[3]], (1, "备注", "未知的列（可用的列见 docs/directory.md）")),
        (
            [HEADER, ORGS[3], ["x", "某", "政府", "县级", "nowhere", "", "", ""]],
            (3, "上级代码", "上级机构“nowhere”在文件和系统中都不存在"),
        ),
        (
            [HEADER, ORGS[3], ["hn", "重复", "政府", "省级", "", "", "", ""]],
            (3, "机构代码", "机构代码“hn”与第 2 行重复"),
        ),
        (
            [HEADER, ["a", "甲", "衙门", "县级", "", "", "", ""]],
            (
                2,
                "类别",
                "无效的值“衙门”，可选：平台（platform）、党委（party）、政府（government）、职能部门（department）、中央部委（ministry）、其他单位（other）",
            ),
        ),
        (
            [HEADER, ["a", "甲", "政府", "乡级", "", "", "", ""]],
            (
                2,
                "级别",
                "无效的值“乡级”，可选：中央（central）、省级（province）、地级（prefecture）、县级（county）",
            ),
        ),
        ([HEADER, ["a", "", "政府", "县级", "", "", "", ""]], (2, "名称", "不能为空")),
        (
            [HEADER, ["a b", "甲", "政府", "县级", "", "", "", ""]],
            (2, "机构代码", "机构代码不能含空白或“/”"),
        ),
        (
            [HEADER, ["a", "甲", "政府", "县级", "a", "", "", ""]],
            (2, "上级代码", "上级关系成环：a → a"),
        ),
        (
            [HEADER, ["a", "甲", "政府", "县级", "", "", "也许", ""]],
            (2, "部门留言板", "应为“是”或“否”，而不是“也许”"),
        ),
        (
            [HEADER, ["a", "甲", "政府", "县级", "", ":张三", "", ""]],
            (2, "领导留言板", "“:张三”缺少领导职务（格式：职务:姓名）"),
        ),
        (
            [HEADER, ["a", "甲", "政府", "县级", "", "", "", "外星"]],
            (2, "职责领域", "没有名为“外星”的职责领域"),
        ),
        ([HEADER], (0, "", "文件没有数据行")),
    ],
)
def test_each_broken_file_reports_where_and_imports_nothing(
    rows: list[list[str]], expected: tuple[int, str, str]
) -> None:
    report = run(rows)
    assert errors(report) == [expected]
    assert counts() == (0, 0, 0, 0)


def test_cycle_in_file_reports_every_member() -> None:
    rows = [
        HEADER,
        ["a", "甲", "政府", "县级", "b", "", "", ""],
        ["b", "乙", "政府", "县级", "a", "", "", ""],
        ORGS[3],
    ]
    report = run(rows)
    assert errors(report) == [
        (2, "上级代码", "上级关系成环：a → b → a"),
        (3, "上级代码", "上级关系成环：b → a → b"),
    ]
    assert Organization.objects.count() == 0


def test_cycle_through_existing_bodies_is_refused() -> None:
    run(ORGS)
    report = run([HEADER, ["hn", "湖南省人民政府", "政府", "省级", "hn-fr-jy", "", "", ""]])
    assert errors(report) == [(2, "上级代码", "上级关系成环：hn → hn-fr-jy → hn-fr → hn")]
    assert Organization.objects.get(code="hn").parent is None


def test_one_bad_row_among_good_ones_imports_nothing() -> None:
    rows = [*ORGS, ["bad", "坏", "政府", "县级", "hn", "", "", "外星"]]
    report = run(rows, STAFF)
    assert [e.row for e in report.errors] == [5]
    assert counts() == (0, 0, 0, 0)


def test_staff_errors_report_row_and_column() -> None:
    staff = [
        STAFF[0],
        ["hn-fr", "受理人员", "甲", "12345", "", ""],
        ["hn-fr", "厨师", "乙", "13800000002", "", ""],
        ["nowhere", "clerk", "丙", "13800000003", "", ""],
        ["hn-fr", "clerk", "丁", "", "", ""],
        ["hn-fr", "clerk", "戊", "", "not-an-email", ""],
        ["hn-fr", "admin", "己", "13800000004", "", ""],
    ]
    report = run(ORGS, staff)
    got = [(e.sheet, e.row, e.column) for e in report.errors]
    assert got == [
        ("人员", 2, "手机号"),
        ("人员", 3, "角色"),
        ("人员", 4, "机构代码"),
        ("人员", 5, "手机号"),
        ("人员", 6, "邮箱"),
        ("人员", 7, "角色"),
    ]
    assert "在文件和系统中都不存在" in report.errors[2].message
    assert counts() == (0, 0, 0, 0)


def test_contact_belonging_to_two_accounts_is_refused() -> None:
    UserFactory.create(username="a", phone="13800000009")
    UserFactory.create(username="b", email="b@example.com")
    report = run(ORGS, [STAFF[0], ["hn", "clerk", "甲", "13800000009", "b@example.com", ""]])
    assert errors(report) == [(2, "邮箱", "手机号和邮箱属于系统中两个不同的账号")]


def test_existing_account_gets_membership_not_a_new_account() -> None:
    user = UserFactory.create(username="wang", phone="13800000001", real_name="")
    report = run(ORGS, STAFF[:2])
    assert (report.users.created, report.users.updated) == (0, 1)
    user.refresh_from_db()
    assert user.real_name == "张三" and user.memberships.count() == 1


def test_gb18030_file_is_read_and_undecodable_one_refused() -> None:
    report = import_organizations(csv_bytes(ORGS, "gb18030"), filename="x.csv")
    assert report.ok and report.encoding == "gb18030"
    broken = csv_bytes(ORGS) + b"\x81\x20\xff\n"
    report = import_organizations(broken, filename="y.csv")
    assert errors(report) == [
        (0, "", "无法识别文件编码：请另存为 UTF-8 或 GB18030（GBK）编码的 CSV")
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空"),
        (b"  \n", "文件为空"),
        (b"\xd0\xcf\x11\xe0rest", "不支持旧版 .xls 文件：请另存为 .xlsx 或 CSV"),
    ],
)
def test_unreadable_files(content: bytes, message: str) -> None:
    assert errors(import_organizations(content, filename="f.csv")) == [(0, "", message)]


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_staff_sheet_and_numeric_cells() -> None:
    orgs: list[list[object]] = [
        ["code", "name", "kind", "level", "parent_code", "review_before_publish"],
        [430000, "湖南省人民政府", "政府", "省级", None, True],
        ["430100", "长沙市人民政府", "政府", "地级", 430000.0, None],
    ]
    staff: list[list[object]] = [["org_code", "role", "phone"], [430100, "clerk", 13800000005]]
    report = import_organizations(xlsx_bytes({"机构": orgs, "人员": staff}), filename="f.xlsx")
    assert report.ok, report.errors
    assert report.encoding == "xlsx"
    assert Organization.objects.get(code="430100").path == "430000/430100/"
    assert Organization.objects.get(code="430000").review_before_publish is True
    assert Organization.objects.get(code="430100").requires_reply_review()
    assert Membership.objects.get().user.phone == "13800000005"


def test_xlsx_errors_name_the_sheet() -> None:
    orgs: list[list[object]] = [
        ["code", "name", "kind", "level", "parent_code"],
        ["a", "甲", "政府", "县级", "zz"],
    ]
    report = import_organizations(xlsx_bytes({"Sheet1": orgs}), filename="f.xlsx")
    assert [str(e) for e in report.errors] == [
        "机构 第 2 行“parent_code”列：上级机构“zz”在文件和系统中都不存在"
    ]


def test_command_formats_report(tmp_path: Path) -> None:
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes(ORGS))
    out = StringIO()
    call_command("import_organizations", str(path), stdout=out)
    assert "机构：新建 3，更新 0，未变 0" in out.getvalue()
    path.write_bytes(csv_bytes([*ORGS, ["x", "某", "政府", "县级", "nowhere", "", "", ""]]))
    err = StringIO()
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_organizations", str(path), stderr=err)
    assert "第 5 行“上级代码”列" in err.getvalue()


def county_file() -> list[list[str]]:
    """Provinces, cities and the 2,978 counties of cn-admin-divisions as import rows."""
    data = Path(settings.BASE_DIR).parent / "shared" / "data" / "cn-admin-divisions"

    def read(name: str) -> list[dict[str, str]]:
        with (data / name).open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    rows = [["code", "name", "kind", "level", "parent_code", "boards"]]
    for p in read("provinces.csv"):
        rows.append([f"{p['code']}-zf", f"{p['name']}人民政府", "政府", "省级", "", ""])
    cities = set()
    for c in read("cities.csv"):
        if c["name"] in ("市辖区", "县") or c["name"].endswith("直辖县级行政区划"):
            continue  # groups, not cities: their counties hang under the province
        cities.add(c["code"])
        rows.append(
            [
                f"{c['code']}-zf",
                f"{c['name']}人民政府",
                "政府",
                "地级",
                f"{c['provinceCode']}-zf",
                "",
            ]
        )
    for a in read("areas.csv"):
        parent = a["cityCode"] if a["cityCode"] in cities else a["provinceCode"]
        head = "区长" if a["name"].endswith("区") else "县长"
        rows.append(
            [f"{a['code']}-zf", f"{a['name']}人民政府", "政府", "县级", f"{parent}-zf", f"{head}:"]
        )
    return rows


@pytest.mark.slow
def test_all_counties_import_then_nothing_changes() -> None:
    rows = county_file()
    # 31 provinces + 333 cities (342 minus 9 groups such as 市辖区) + 2,978 counties
    assert len(rows) - 1 == 31 + 333 + 2978
    report = run(rows)
    assert report.ok, report.errors[:5]
    assert report.organizations.created == len(rows) - 1
    assert report.boards.created == 2978
    assert Organization.objects.filter(level=Level.COUNTY).count() == 2978
    assert Organization.objects.get(code="110101-zf").path == "11-zf/110101-zf/"
    again = run(rows)
    assert again.ok
    assert (again.organizations.created, again.organizations.updated) == (0, 0)
    assert (again.boards.created, again.boards.updated) == (0, 0)


def test_command_records_the_named_actor(tmp_path: Path) -> None:
    operator = UserFactory.create(username="operator")
    orgs, staff = tmp_path / "orgs.csv", tmp_path / "staff.csv"
    orgs.write_bytes(csv_bytes(ORGS))
    staff.write_bytes(csv_bytes(STAFF))
    with pytest.raises(CommandError, match="找不到用户"):
        call_command("import_organizations", str(orgs), "--staff", str(staff), "--actor", "nobody")
    assert counts() == (0, 0, 1, 0)
    call_command(
        "import_organizations",
        str(orgs),
        "--staff",
        str(staff),
        "--actor",
        "operator",
        stdout=StringIO(),
    )
    assert AuditEntry.objects.count() == 5
    assert set(AuditEntry.objects.values_list("actor_id", "via").distinct()) == {
        (operator.pk, "导入文件 orgs.csv")
    }
