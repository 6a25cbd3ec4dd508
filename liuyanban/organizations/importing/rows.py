"""The organisation rows of an onboarding file, validated: every problem a ``RowError``."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import TextChoices

from liuyanban.core.sheets import (
    Columns,
    Row,
    RowError,
    Table,
    choice_hint,
    parse_bool,
    parse_choice,
    split_items,
)
from liuyanban.taxonomy.models import Domain

from ..loading.sync import fetch_by_code
from ..models import Level, Organization, OrgKind, Region

ORG_SHEET = "机构"
# canonical column → (Chinese header, required)
ORG_COLUMNS: Columns = {
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
MAX_PATH = 512
CODE_RE = re.compile(r"^[^\s/]{1,64}$")
LEVEL_ALIASES = {
    "省": Level.PROVINCE,
    "市": Level.PREFECTURE,
    "地市": Level.PREFECTURE,
    "县": Level.COUNTY,
    "区县": Level.COUNTY,
}
KIND_ALIASES = {"部门": OrgKind.DEPARTMENT, "单位": OrgKind.OTHER, "部委": OrgKind.MINISTRY}

C = TypeVar("C", bound=TextChoices)
T = TypeVar("T")


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

    def __init__(self, orgs: Table, errors: list[RowError]) -> None:
        self.orgs = orgs
        self.errors = errors
        self.domains = DomainIndex() if "domains" in orgs.headers else None

    def error(self, table: Table, row: int, column: str, message: str) -> None:
        self.errors.append(table.error(row, column, message))

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


def check_organizations(orgs: Table, errors: list[RowError]) -> list[OrgRow]:
    """The valid organisation rows; every problem (cells, duplicates, tree, regions) in ``errors``."""
    checker = Checker(orgs, errors)
    parsed = checker.org_rows()
    check_tree(checker, parsed)
    check_regions(checker, parsed)
    return parsed
