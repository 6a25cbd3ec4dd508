"""Reading an operator's CSV or XLSX file: sheets, header mapping, rows and row errors.

Every bulk import (bodies and staff, categories, messages from other channels) reads
its file here: CSV in UTF-8 (with or without BOM), UTF-16 or GB18030, or an XLSX
workbook; the header row is mapped onto canonical columns (by their Chinese label or
their code), and every problem is a ``RowError`` an operator can act on. Writing
tables out is ``core.tabular``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from django.db.models import TextChoices

# canonical column → (label in the file, required)
Columns = dict[str, tuple[str, bool]]
Grid = list[list[str]]

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an old .xls
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx
TRUE_WORDS = frozenset({"是", "true", "1", "yes", "y", "对"})
FALSE_WORDS = frozenset({"否", "false", "0", "no", "n", "不"})


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


class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, format, emptiness)."""


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
    spec: Columns
    headers: dict[str, str]
    rows: list[Row]

    def label(self, column: str) -> str:
        """The column as the file spells it (its standard label when the file lacks it)."""
        return self.headers.get(column) or self.spec[column][0]

    def error(self, row: int, column: str, message: str) -> RowError:
        return RowError(self.sheet, row, self.label(column), message)


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


def cell_text(value: object) -> str:
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


def read_csv(content: bytes) -> tuple[Grid, str]:
    """The cells of a CSV file and the encoding that read it."""
    text, encoding = decode_text(content)
    return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))], encoding


def read_xlsx(content: bytes) -> dict[str, Grid]:
    """The cells of every worksheet of an XLSX workbook, by sheet title."""
    from openpyxl import load_workbook  # only XLSX imports need it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged zip
        raise FileProblem(f"无法读取 XLSX 文件：{error}") from error
    sheets = {
        ws.title: [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        for ws in book.worksheets
    }
    book.close()
    return sheets


def check_uploaded(content: bytes) -> None:
    """Refuse an old .xls and an empty file before trying to read either."""
    if content.startswith(OLE_MAGIC):
        raise FileProblem("不支持旧版 .xls 文件：请另存为 .xlsx 或 CSV")
    if not content.strip():
        raise FileProblem("文件为空")


def is_xlsx(content: bytes, filename: str) -> bool:
    return content.startswith(ZIP_MAGIC) or filename.lower().endswith(".xlsx")


def make_table(
    sheet: str,
    grid: Grid,
    spec: Columns,
    errors: list[RowError],
    *,
    docs: str = "docs/directory.md",
) -> Table | None:
    """Map the header row onto canonical columns; report missing, unknown and repeated ones.

    ``docs`` names the page that lists the columns (shown with an unknown column).
    """
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
            errors.append(RowError(sheet, 1, text, f"未知的列（可用的列见 {docs}）"))
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
    return Table(sheet, spec, headers, rows)


# --- parsing cells ------------------------------------------------------------

C = TypeVar("C", bound=TextChoices)


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
