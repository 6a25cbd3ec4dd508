"""Bulk onboarding: bodies, their boards and staff from an operator's CSV or XLSX file.

``import_organizations`` reads, validates every row, and only when the whole
file is valid writes it in one transaction (all or nothing). The web, the API
and the management command all call it; they only format the report. The file
format is documented in docs/directory.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models import TextChoices

from liuyanban.accounts.models import Membership, Role, User
from liuyanban.core.progress import Tracker, advance, begin
from liuyanban.taxonomy.models import Domain

from . import english
from .loading import (
    BoardSpec,
    OrgSpec,
    SyncCounts,
    chunks,
    fetch_by_code,
    join_title,
    pinyin_key,
    pinyin_parts,
    sync_boards,
    sync_organizations,
)
from .models import Board, BoardKind, Level, Organization, OrgKind, Region

ORG_SHEET = "机构"
STAFF_SHEET = "人员"
# canonical column → (Chinese header, required)
ORG_COLUMNS: dict[str, tuple[str, bool]] = {
    "code": ("机构代码", True),
    "name": ("名称", True),
    "kind": ("类别", True),
    "level": ("级别", True),
    "parent_code": ("上级代码", True),
    "region_code": ("区划代码", False),
    "short_name": ("简称", False),
    "name_en": ("英文名称", False),
    "boards": ("领导留言板", False),
    "body_board": ("部门留言板", False),
    "domains": ("职责领域", False),
    "review_before_publish": ("回复审核", False),
}
STAFF_COLUMNS: dict[str, tuple[str, bool]] = {
    "org_code": ("机构代码", True),
    "role": ("角色", True),
    "name": ("姓名", False),
    "phone": ("手机号", False),
    "email": ("邮箱", False),
    "title": ("职务", False),
}
MAX_PATH = 512
CODE_RE = re.compile(r"^[^\s/]{1,64}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
TRUE_WORDS = frozenset({"是", "true", "1", "yes", "y", "对"})
FALSE_WORDS = frozenset({"否", "false", "0", "no", "n", "不"})
LEVEL_ALIASES = {
    "省": Level.PROVINCE,
    "市": Level.PREFECTURE,
    "地市": Level.PREFECTURE,
    "县": Level.COUNTY,
    "区县": Level.COUNTY,
}
KIND_ALIASES = {"部门": OrgKind.DEPARTMENT, "单位": OrgKind.OTHER, "部委": OrgKind.MINISTRY}


# --- report -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in the file: where it is and why, in words an operator understands."""

    sheet: str
    row: int  # as a spreadsheet shows it: the header is row 1; 0 means the whole file
    column: str
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row:
            where += f" 第 {self.row} 行"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}"


@dataclass
class ImportReport:
    """The outcome of one import: errors (then nothing was written) or counts."""

    errors: list[RowError] = field(default_factory=list)
    organizations: SyncCounts = field(default_factory=SyncCounts)
    boards: SyncCounts = field(default_factory=SyncCounts)
    users: SyncCounts = field(default_factory=SyncCounts)
    memberships: SyncCounts = field(default_factory=SyncCounts)
    encoding: str = ""
    rows: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, format, emptiness)."""


# --- reading ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A data row: its spreadsheet row number and cells by canonical column."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class Table:
    """A sheet with canonical column names (``headers`` keeps the file's spelling)."""

    sheet: str
    headers: dict[str, str]
    rows: list[Row]

    def label(self, column: str, spec: dict[str, tuple[str, bool]]) -> str:
        return self.headers.get(column) or spec[column][0]


def decode_text(content: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding that read it: UTF-8 (with or without BOM), else GB18030.

    Excel on Chinese Windows saves "CSV" in GBK, a subset of GB18030, so both are
    tried; a file that is neither is refused rather than guessed.
    """
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16"), "utf-16"
    if b"\x00" in content:
        raise FileProblem("文件不是文本格式的 CSV（含有二进制内容）")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding), encoding.removesuffix("-sig")
        except UnicodeDecodeError:
            continue
    raise FileProblem("无法识别文件编码：请另存为 UTF-8 或 GB18030（GBK）编码的 CSV")


def _cell_text(value: object) -> str:
    """A spreadsheet cell as text; 110101.0 from a number-formatted column is "110101"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(content: bytes) -> tuple[list[list[str]], str]:
    text, encoding = decode_text(content)
    return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))], encoding


def _xlsx_sheets(content: bytes) -> dict[str, list[list[str]]]:
    from openpyxl import load_workbook  # only XLSX imports need it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged zip
        raise FileProblem(f"无法读取 XLSX 文件：{error}") from error
    sheets = {
        ws.title: [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        for ws in book.worksheets
    }
    book.close()
    return sheets


def _make_table(
    sheet: str, grid: list[list[str]], spec: dict[str, tuple[str, bool]], errors: list[RowError]
) -> Table | None:
    """Map the header row onto canonical columns; report missing, unknown and repeated ones."""
    while grid and not any(grid[-1]):
        grid.pop()
    if not grid:
        errors.append(RowError(sheet, 0, "", "文件为空"))
        return None
    aliases = {name: name for name in spec} | {label: name for name, (label, _) in spec.items()}
    headers: dict[str, str] = {}
    positions: dict[int, str] = {}
    for index, raw in enumerate(grid[0]):
        text = raw.strip()
        column = aliases.get(text) or aliases.get(text.lower())
        if not text:
            continue
        if column is None:
            errors.append(RowError(sheet, 1, text, "未知的列（可用的列见 docs/directory.md）"))
        elif column in headers:
            errors.append(RowError(sheet, 1, text, "列名重复"))
        else:
            headers[column] = text
            positions[index] = column
    for name, (label, required) in spec.items():
        if required and name not in headers:
            errors.append(RowError(sheet, 1, label, f"缺少必需的列（{label} 或 {name}）"))
    rows = []
    for number, values in enumerate(grid[1:], start=2):
        if any(v.strip() for v in values):
            cells = {positions[i]: v.strip() for i, v in enumerate(values) if i in positions}
            rows.append(Row(number, cells))
    if not rows:
        errors.append(RowError(sheet, 0, "", "文件没有数据行"))
    return Table(sheet, headers, rows)


def read_tables(
    content: bytes, filename: str, staff_content: bytes | None, errors: list[RowError]
) -> tuple[Table | None, Table | None, str]:
    """The organisation table, the staff table (if any) and how the file was read."""
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("不支持旧版 .xls 文件：请另存为 .xlsx 或 CSV")
    if not content.strip():
        raise FileProblem("文件为空")
    staff_grid: list[list[str]] | None = None
    if content.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        sheets = _xlsx_sheets(content)
        names = {n.strip().lower(): n for n in sheets}
        org_name = names.get(ORG_SHEET) or names.get("organizations") or next(iter(sheets))
        org_grid, encoding = sheets[org_name], "xlsx"
        staff_name = names.get(STAFF_SHEET) or names.get("staff")
        if staff_name is not None:
            staff_grid = sheets[staff_name]
    else:
        org_grid, encoding = _csv_rows(content)
    if staff_content is not None:
        if staff_grid is not None:
            raise FileProblem("人员既在工作簿的“人员”表中，又作为单独文件给出：只能给一处")
        staff_grid = (
            _xlsx_sheets(staff_content).popitem()[1]
            if staff_content.startswith(b"PK\x03\x04")
            else _csv_rows(staff_content)[0]
        )
    orgs = _make_table(ORG_SHEET, org_grid, ORG_COLUMNS, errors)
    staff = (
        _make_table(STAFF_SHEET, staff_grid, STAFF_COLUMNS, errors)
        if staff_grid is not None
        else None
    )
    return orgs, staff, encoding


# --- parsing cells ------------------------------------------------------------

C = TypeVar("C", bound=TextChoices)
T = TypeVar("T")


def parse_choice(value: str, choices: type[C], aliases: dict[str, C]) -> C | None:
    """A choice from its code ("county"), its label ("县级") or a common alias ("县")."""
    text = value.strip()
    for choice in choices:
        if text.lower() == choice.value or text == str(choice.label):
            return choice
    return aliases.get(text)


def choice_hint(choices: type[TextChoices]) -> str:
    return "、".join(f"{c.label}（{c.value}）" for c in choices)


def parse_bool(value: str) -> bool | None:
    """是/否, true/false, 1/0; empty is None (inherit); anything else raises ValueError."""
    text = value.strip().lower()
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"应为“是”或“否”，而不是“{value}”")


def split_items(value: str) -> list[str]:
    """Items of a list cell, separated by ; ； 、 or new lines."""
    return [item.strip() for item in re.split(r"[;；、\n]", value) if item.strip()]


def parse_boards(value: str) -> list[tuple[str, str]]:
    """ "县委书记:张三;县长:李四" → [("县委书记", "张三"), ("县长", "李四")]."""
    boards: list[tuple[str, str]] = []
    for item in split_items(value):
        title, _, name = item.replace("：", ":").partition(":")
        title, name = title.strip(), name.strip()
        if not title:
            raise ValueError(f"“{item}”缺少领导职务（格式：职务:姓名）")
        if len(title) > 50 or len(name) > 50:
            raise ValueError(f"“{item}”的职务或姓名超过 50 个字符")
        if title in {t for t, _ in boards}:
            raise ValueError(f"职务“{title}”重复")
        boards.append((title, name))
    return boards


def normalise_phone(value: str) -> str:
    """Mainland mobile numbers without spaces, dashes or the +86 prefix."""
    digits = re.sub(r"[\s\-()]", "", value)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    return digits


class DomainIndex:
    """Domains by code or by name (a name must designate one domain)."""

    def __init__(self) -> None:
        self.by_code: dict[str, str] = {}
        self.by_name: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for code, name, level in Domain.objects.values_list("code", "name", "level"):
            self.by_code[code] = code
            self.by_name[name].append((level, code))

    def resolve(self, value: str) -> str:
        """The code of the domain called ``value``; a top-level name wins over deeper ones."""
        if value in self.by_code:
            return value
        found = sorted(self.by_name.get(value, []))
        if not found:
            raise ValueError(f"没有名为“{value}”的职责领域")
        if len(found) > 1 and found[0][0] == found[1][0]:
            raise ValueError(f"职责领域“{value}”不唯一，请写它的代码")
        return found[0][1]


# --- organisation rows --------------------------------------------------------


@dataclass
class OrgRow:
    """One valid organisation row."""

    number: int
    code: str
    name: str
    kind: str
    level: str
    parent_code: str | None
    region_code: str | None
    short_name: str
    boards: list[tuple[str, str]]
    body_board: bool | None
    domains: list[str] | None
    review: bool | None
    name_en: str = ""


class Checker:
    """Collects errors while it validates the tables row by row."""

    def __init__(self, orgs: Table, staff: Table | None, errors: list[RowError]) -> None:
        self.orgs = orgs
        self.staff = staff
        self.errors = errors
        self.domains = DomainIndex() if "domains" in orgs.headers else None

    def error(self, table: Table, row: int, column: str, message: str) -> None:
        spec = ORG_COLUMNS if table.sheet == ORG_SHEET else STAFF_COLUMNS
        self.errors.append(RowError(table.sheet, row, table.label(column, spec), message))

    def org_rows(self) -> list[OrgRow]:
        """Rows whose cells are individually valid, with duplicate codes reported."""
        seen: dict[str, int] = {}
        parsed = []
        for row in self.orgs.rows:
            org = self._org_row(row)
            if org is None:
                continue
            if org.code in seen:
                self.error(
                    self.orgs,
                    row.number,
                    "code",
                    f"机构代码“{org.code}”与第 {seen[org.code]} 行重复",
                )
                continue
            seen[org.code] = row.number
            parsed.append(org)
        return parsed

    def _text(self, row: Row, column: str, limit: int, *, required: bool = False) -> str | None:
        value = row.get(column)
        if required and not value:
            self.error(self.orgs, row.number, column, "不能为空")
            return None
        if len(value) > limit:
            self.error(self.orgs, row.number, column, f"超过 {limit} 个字符")
            return None
        return value

    def _choice(self, row: Row, column: str, choices: type[C], aliases: dict[str, C]) -> C | None:
        value = parse_choice(row.get(column), choices, aliases)
        if value is None:
            shown = row.get(column) or "（空）"
            self.error(
                self.orgs, row.number, column, f"无效的值“{shown}”，可选：{choice_hint(choices)}"
            )
        return value

    def _parsed(self, row: Row, column: str, parse: Callable[[str], T]) -> tuple[bool, T | None]:
        try:
            return True, parse(row.get(column))
        except ValueError as error:
            self.error(self.orgs, row.number, column, str(error))
            return False, None

    def _org_row(self, row: Row) -> OrgRow | None:
        code = self._text(row, "code", 64, required=True)
        if code is not None and not CODE_RE.match(code):
            self.error(self.orgs, row.number, "code", "机构代码不能含空白或“/”")
            code = None
        name = self._text(row, "name", 100, required=True)
        short_name = self._text(row, "short_name", 50)
        name_en = self._text(row, "name_en", 200)
        kind = self._choice(row, "kind", OrgKind, KIND_ALIASES)
        level = self._choice(row, "level", Level, LEVEL_ALIASES)
        ok_boards, boards = self._parsed(row, "boards", parse_boards)
        ok_body, body = self._parsed(row, "body_board", parse_bool)
        ok_review, review = self._parsed(row, "review_before_publish", parse_bool)
        ok_domains, domains = self._parsed(row, "domains", self._domain_codes)
        region = row.get("region_code")
        if region and not (
            region.isdigit() and len(region) in (6, 12) and not region[6:].strip("0")
        ):
            self.error(
                self.orgs, row.number, "region_code", f"无效的区划代码“{region}”（6 或 12 位数字）"
            )
            return None
        values = (code, name, short_name, name_en, kind, level)
        if any(v is None for v in values) or not (
            ok_boards and ok_body and ok_review and ok_domains
        ):
            return None
        return OrgRow(
            row.number,
            code or "",
            name or "",
            str(kind),
            str(level),
            row.get("parent_code") or None,
            region[:6] or None,
            short_name or "",
            boards or [],
            body,
            domains,
            review,
            name_en or "",
        )

    def _domain_codes(self, value: str) -> list[str] | None:
        if self.domains is None:
            return None
        return [self.domains.resolve(item) for item in split_items(value)]


@dataclass
class Tree:
    """Existing bodies the file refers to, and the effective parent of every code."""

    paths: dict[str, str]
    parent: dict[str, str | None]


def _existing_tree(rows: Sequence[OrgRow]) -> Tree:
    """Paths of the file's codes and parents in the database; parents from the file win."""
    codes = {r.code for r in rows} | {r.parent_code for r in rows if r.parent_code}
    paths = {c: o.path for c, o in fetch_by_code(Organization, codes).items()}
    parent: dict[str, str | None] = {}
    for path in paths.values():
        parts = path.strip("/").split("/")
        for index, code in enumerate(parts):
            parent.setdefault(code, parts[index - 1] if index else None)
    parent.update({r.code: r.parent_code for r in rows})
    return Tree(paths, parent)


def check_tree(checker: Checker, rows: list[OrgRow]) -> None:
    """Unknown parents, cycles (also through existing bodies) and over-long paths."""
    tree = _existing_tree(rows)
    in_file = {r.code: r for r in rows}
    for row in rows:
        if row.parent_code and row.parent_code not in in_file and row.parent_code not in tree.paths:
            checker.error(
                checker.orgs,
                row.number,
                "parent_code",
                f"上级机构“{row.parent_code}”在文件和系统中都不存在",
            )
    depth_ok: dict[str, int] = {}
    for row in rows:
        chain: list[str] = []
        node: str | None = row.code
        while node is not None and node not in depth_ok and node not in chain:
            chain.append(node)
            node = tree.parent.get(node)
        if node is not None and node in chain:
            cycle = chain[chain.index(node) :]
            if row.code in cycle and cycle[0] == row.code:
                loop = " → ".join([*cycle, node])
                checker.error(checker.orgs, row.number, "parent_code", f"上级关系成环：{loop}")
            continue
        length = depth_ok.get(node, 0) if node is not None else 0
        for code in reversed(chain):
            length += len(code) + 1
            depth_ok[code] = length
        if depth_ok[row.code] > MAX_PATH:
            checker.error(
                checker.orgs, row.number, "parent_code", f"层级过深：路径超过 {MAX_PATH} 个字符"
            )


def check_regions(checker: Checker, rows: list[OrgRow]) -> None:
    """Region codes must name regions that are loaded (manage.py load_directory)."""
    wanted = {r.region_code for r in rows if r.region_code}
    known = set(fetch_by_code(Region, wanted))
    for row in rows:
        if row.region_code and row.region_code not in known:
            checker.error(
                checker.orgs,
                row.number,
                "region_code",
                f"区划代码“{row.region_code}”不存在（先运行 load_directory）",
            )


# --- staff rows ---------------------------------------------------------------


@dataclass
class StaffRow:
    """One valid staff row."""

    number: int
    org_code: str
    role: str
    name: str
    phone: str
    email: str
    title: str

    @property
    def person(self) -> str:
        return self.phone or self.email


def _staff_row(checker: Checker, table: Table, row: Row) -> StaffRow | None:
    ok = True
    phone = normalise_phone(row.get("phone"))
    email = row.get("email").lower()
    role = parse_choice(row.get("role"), Role, {})
    if role is None or role == Role.ADMIN:
        shown = row.get("role") or "（空）"
        hint = choice_hint(Role).replace(f"、{Role.ADMIN.label}（{Role.ADMIN.value}）", "")
        checker.error(table, row.number, "role", f"无效的角色“{shown}”，可选：{hint}")
        ok = False
    if not row.get("org_code"):
        checker.error(table, row.number, "org_code", "不能为空")
        ok = False
    if not phone and not email:
        checker.error(table, row.number, "phone", "手机号和邮箱至少填一项")
        ok = False
    if phone and not PHONE_RE.match(phone):
        checker.error(table, row.number, "phone", f"无效的手机号“{row.get('phone')}”")
        ok = False
    if email:
        try:
            validate_email(email)
        except ValidationError:
            checker.error(table, row.number, "email", f"无效的邮箱“{row.get('email')}”")
            ok = False
    for column in ("name", "title"):
        if len(row.get(column)) > 50:
            checker.error(table, row.number, column, "超过 50 个字符")
            ok = False
    if not ok:
        return None
    return StaffRow(
        row.number, row.get("org_code"), str(role), row.get("name"), phone, email, row.get("title")
    )


def check_staff(checker: Checker, org_codes: set[str]) -> list[StaffRow]:
    """Valid staff rows; unknown bodies, repeated rows and contradictory contacts are errors."""
    table = checker.staff
    if table is None:
        return []
    rows = [s for s in (_staff_row(checker, table, r) for r in table.rows) if s is not None]
    known = org_codes | set(fetch_by_code(Organization, {s.org_code for s in rows} - org_codes))
    seen: dict[tuple[str, str, str], int] = {}
    email_of: dict[str, tuple[str, int]] = {}
    phone_of: dict[str, tuple[str, int]] = {}
    for staff in rows:
        if staff.org_code not in known:
            checker.error(
                table, staff.number, "org_code", f"机构“{staff.org_code}”在文件和系统中都不存在"
            )
        key = (staff.org_code, staff.person, staff.role)
        if key in seen:
            checker.error(
                table,
                staff.number,
                "phone",
                f"与第 {seen[key]} 行重复（同一机构、同一人、同一角色）",
            )
        seen.setdefault(key, staff.number)
        _check_contact(checker, table, staff, email_of, phone_of)
    return rows


def _check_contact(
    checker: Checker,
    table: Table,
    staff: StaffRow,
    email_of: dict[str, tuple[str, int]],
    phone_of: dict[str, tuple[str, int]],
) -> None:
    """One phone goes with one email across the file, and the other way round."""
    if staff.phone and staff.email:
        other = email_of.setdefault(staff.phone, (staff.email, staff.number))
        if other[0] != staff.email:
            checker.error(
                table, staff.number, "email", f"同一手机号在第 {other[1]} 行填了另一个邮箱"
            )
        other = phone_of.setdefault(staff.email, (staff.phone, staff.number))
        if other[0] != staff.phone:
            checker.error(
                table, staff.number, "phone", f"同一邮箱在第 {other[1]} 行填了另一个手机号"
            )


def _find_users(rows: Sequence[StaffRow]) -> tuple[dict[str, User], dict[str, User]]:
    phones = sorted({s.phone for s in rows if s.phone})
    emails = sorted({s.email for s in rows if s.email})
    by_phone: dict[str, User] = {}
    by_email: dict[str, User] = {}
    for part in chunks(phones):
        by_phone.update({u.phone: u for u in User.objects.filter(phone__in=part)})
    for part in chunks(emails):
        by_email.update({u.email.lower(): u for u in User.objects.filter(email__in=part)})
    return by_phone, by_email


def check_accounts(checker: Checker, rows: Sequence[StaffRow]) -> None:
    """A phone and an email of one row must not belong to two different accounts."""
    if checker.staff is None:
        return
    by_phone, by_email = _find_users(rows)
    for staff in rows:
        a, b = by_phone.get(staff.phone), by_email.get(staff.email)
        if a is not None and b is not None and a.pk != b.pk:
            checker.error(
                checker.staff, staff.number, "email", "手机号和邮箱属于系统中两个不同的账号"
            )


# --- writing ------------------------------------------------------------------


def org_specs(rows: Sequence[OrgRow], headers: dict[str, str]) -> list[OrgSpec]:
    """Specs owning exactly the columns the file has."""
    owned = {"name", "kind", "level", "pinyin"}
    owned |= {
        column for column in ("short_name", "name_en", "review_before_publish") if column in headers
    }
    if "region_code" in headers:
        owned.add("region")
    return [
        OrgSpec(
            r.code,
            r.name,
            r.kind,
            r.level,
            r.parent_code,
            region_code=r.region_code,
            short_name=r.short_name,
            pinyin=pinyin_key(r.name),
            review_before_publish=r.review,
            domain_codes=tuple(r.domains or ()),
            exact_domains=r.domains is not None,
            owned=frozenset(owned),
            name_en=r.name_en,
        )
        for r in rows
    ]


def _free_codes(candidates: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """Make new board codes unique against the database and each other (-2, -3 …)."""
    result: dict[tuple[str, str], str] = {}
    pending = dict(candidates)
    attempt = 1
    while pending:
        wanted = {
            key: (base if attempt == 1 else f"{base}-{attempt}") for key, base in pending.items()
        }
        taken = set(fetch_by_code(Board, wanted.values())) | set(result.values())
        for key, code in wanted.items():
            if code not in taken and code not in {c for k, c in wanted.items() if k < key}:
                result[key] = code
                del pending[key]
        attempt += 1
    return result


def board_specs(rows: Sequence[OrgRow]) -> list[BoardSpec]:
    """Leader boards matched by (body, title); a body board when asked for."""
    codes = [r.code for r in rows]
    existing: dict[tuple[str, str], Board] = {}
    for part in chunks(codes):
        for board in Board.objects.filter(organization__code__in=part).select_related(
            "organization"
        ):
            title = board.leader_title if board.kind == BoardKind.LEADER else ""
            existing.setdefault((board.organization.code, title), board)
    specs: list[BoardSpec] = []
    fresh: dict[tuple[str, str], BoardSpec] = {}
    for row in rows:
        place = row.short_name or row.name
        wanted = [(t, n) for t, n in row.boards] + ([("", "")] if row.body_board else [])
        for order, (title, leader) in enumerate(wanted):
            found = existing.get((row.code, title))
            if found is not None:
                owned = frozenset({"leader_name"}) if title else frozenset()
                specs.append(
                    BoardSpec(
                        found.code,
                        found.name,
                        found.kind,
                        row.code,
                        found.leader_title,
                        leader if title else found.leader_name,
                        found.pinyin,
                        found.sort_order,
                        owned,
                    )
                )
                continue
            name = join_title(place, title) if title else row.name
            kind = BoardKind.LEADER if title else BoardKind.BODY
            name_en = english.leader_title(title, place) if title else row.name_en
            fresh[(row.code, title)] = BoardSpec(
                "", name, kind, row.code, title, leader, pinyin_key(name), order, name_en=name_en
            )
    bases = {
        key: (f"{key[0]}-{pinyin_parts(key[1])[1][:10]}" if key[1] else key[0]) for key in fresh
    }
    for key, code in _free_codes(bases).items():
        spec = fresh[key]
        specs.append(
            BoardSpec(
                code,
                spec.name,
                spec.kind,
                spec.org_code,
                spec.leader_title,
                spec.leader_name,
                spec.pinyin,
                spec.sort_order,
                name_en=spec.name_en,
            )
        )
    return specs


def _username(staff: StaffRow, taken: set[str]) -> str:
    """The login name of a new account: its phone or email, made unique if needed."""
    base = staff.person[:140]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def sync_staff(rows: Sequence[StaffRow], report: ImportReport) -> None:
    """Accounts (unusable password until they set one) and their memberships."""
    by_phone, by_email = _find_users(rows)
    users: dict[str, User] = {}
    new: list[User] = []
    filled: list[User] = []
    taken = set(
        User.objects.filter(username__in=[s.person[:140] for s in rows]).values_list(
            "username", flat=True
        )
    )
    for staff in rows:
        if staff.person in users:
            continue
        user = by_phone.get(staff.phone) or by_email.get(staff.email)
        if user is None:
            user = User(
                username=_username(staff, taken),
                phone=staff.phone,
                email=staff.email,
                real_name=staff.name,
            )
            user.set_unusable_password()
            new.append(user)
        elif staff.name and not user.real_name:
            user.real_name = staff.name  # fill a gap, never overwrite what the person set
            filled.append(user)
        users[staff.person] = user
    User.objects.bulk_create(new, batch_size=500)
    User.objects.bulk_update(filled, ["real_name"], batch_size=500)
    report.users = SyncCounts(len(new), len(filled), len(users) - len(new) - len(filled))
    _sync_memberships(rows, users, report)


def _sync_memberships(
    rows: Sequence[StaffRow], users: dict[str, User], report: ImportReport
) -> None:
    org_ids = {c: o.pk for c, o in fetch_by_code(Organization, {s.org_code for s in rows}).items()}
    existing: dict[tuple[int, int, str], Membership] = {}
    user_ids = sorted({u.pk for u in users.values()})
    for part in chunks(user_ids):
        for m in Membership.objects.filter(user_id__in=part):
            existing[(m.user_id, m.organization_id, m.role)] = m
    new, changed, counts = [], [], report.memberships
    for staff in rows:
        key = (users[staff.person].pk, org_ids[staff.org_code], staff.role)
        membership = existing.get(key)
        if membership is None:
            new.append(
                Membership(user_id=key[0], organization_id=key[1], role=key[2], title=staff.title)
            )
        elif membership.title != staff.title:
            membership.title = staff.title
            changed.append(membership)
        else:
            counts.unchanged += 1
    Membership.objects.bulk_create(new, batch_size=500)
    Membership.objects.bulk_update(changed, ["title"], batch_size=500)
    counts.created, counts.updated = len(new), len(changed)


# --- entry point --------------------------------------------------------------


def _validate(
    orgs: Table, staff: Table | None, errors: list[RowError]
) -> tuple[list[OrgRow], list[StaffRow]]:
    checker = Checker(orgs, staff, errors)
    rows = checker.org_rows()
    check_tree(checker, rows)
    check_regions(checker, rows)
    staff_rows = check_staff(checker, {r.code for r in rows})
    if not errors:
        check_accounts(checker, staff_rows)
    return rows, staff_rows


def _write(
    orgs: Table,
    rows: list[OrgRow],
    staff_rows: list[StaffRow],
    report: ImportReport,
    tracker: Tracker | None,
) -> None:
    report.organizations = sync_organizations(org_specs(rows, orgs.headers))
    advance(tracker, len(rows))
    report.boards = sync_boards(board_specs(rows))
    advance(tracker, len(rows))
    sync_staff(staff_rows, report)
    advance(tracker, len(staff_rows))


def import_organizations(
    content: bytes,
    *,
    filename: str = "",
    staff_content: bytes | None = None,
    dry_run: bool = False,
    tracker: Tracker | None = None,
) -> ImportReport:
    """Import a CSV or XLSX file of bodies (and staff): everything or, on any error, nothing.

    A dry run does the whole import inside a transaction it then rolls back, so its
    counts are exactly what a real run would do. ``tracker`` (a progress bar) counts
    rows: checked, then written (bodies, their boards, staff).
    """
    report = ImportReport(dry_run=dry_run)
    try:
        orgs, staff, report.encoding = read_tables(content, filename, staff_content, report.errors)
    except FileProblem as problem:
        report.errors.append(RowError(ORG_SHEET, 0, "", str(problem)))
        return report
    if orgs is None or report.errors:
        report.errors.sort()
        return report
    report.rows = len(orgs.rows) + (len(staff.rows) if staff else 0)
    rows, staff_rows = _validate(orgs, staff, report.errors)
    if report.errors:
        report.errors.sort()
        return report
    begin(tracker, report.rows + 2 * len(rows) + len(staff_rows))
    advance(tracker, report.rows)
    try:
        with transaction.atomic():
            _write(orgs, rows, staff_rows, report, tracker)
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as error:  # a concurrent edit; the transaction rolled back
        report.errors.append(RowError(ORG_SHEET, 0, "", f"写入数据库失败，未导入任何内容：{error}"))
    return report


def iter_errors(report: ImportReport) -> Iterator[str]:
    """The report's errors as lines, in file order."""
    for error in report.errors:
        yield str(error)
