"""Every CSV and XLSX file the platform hands out is written here.

Spreadsheet programs run a cell that begins with ``=``, ``+``, ``-``, ``@`` (and,
depending on the program, a tab, a carriage return or ``{``) as a formula. Exported
cells hold text citizens typed, so a message body like ``=HYPERLINK(...)`` would run
on an official's computer. One module writes all tabular output so there is one
place that neutralises such cells:

* CSV: the cell gets a leading apostrophe (``'=1+1``), the usual defence; the
  apostrophe is visible, the formula never runs.
* XLSX: every text cell is written as a string (never a formula), and one that
  begins like a formula also carries Excel's "quote prefix" style, so the value
  reads exactly as typed and stays text when someone edits the cell.

Numbers stay numbers. Writers stream: CSV row by row, XLSX in xlsxwriter's
constant-memory mode, so memory stays flat however many rows there are.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

# Cells starting with these are run as formulas (or as DDE/array input) by Excel,
# LibreOffice or Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "{")
BOM = "\ufeff"  # so Excel reads UTF-8 (the Chinese) correctly
CSV_BATCH = 200  # rows per streamed chunk
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"

Row = Sequence[Any]


def is_formula_like(value: str) -> bool:
    """Whether a spreadsheet would treat this text as a formula."""
    return value.startswith(FORMULA_START)


def plain(value: Any) -> Any:
    """A cell's value before neutralising: blanks for None, local times as text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float | Decimal | str):
        return value
    return str(value)


def csv_cell(value: Any) -> Any:
    """A cell as written to CSV: formula-like text gets a leading apostrophe."""
    value = plain(value)
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose ``write`` returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(
    rows: Iterable[Row], *, header: Row | None = None, bom: bool = True, verbatim: bool = False
) -> Iterator[bytes]:
    """UTF-8 CSV (with a BOM) in chunks of ``CSV_BATCH`` rows, for streaming responses.

    ``verbatim`` keeps text exactly as given: only for data files that other programs
    read back (never for a download meant for people).
    """
    writer = csv.writer(_Echo())
    cell = plain if verbatim else csv_cell
    buffer: list[str] = [BOM] if bom else []
    if header is not None:
        buffer.append(writer.writerow([cell(c) for c in header]))
    for row in rows:
        buffer.append(writer.writerow([cell(c) for c in row]))
        if len(buffer) >= CSV_BATCH:
            yield "".join(buffer).encode()
            buffer = []
    if buffer:
        yield "".join(buffer).encode()


def csv_bytes(
    rows: Iterable[Row], *, header: Row | None = None, bom: bool = True, verbatim: bool = False
) -> bytes:
    """The whole CSV at once (for small tables)."""
    return b"".join(csv_chunks(rows, header=header, bom=bom, verbatim=verbatim))


def write_csv(
    path: str | Path,
    rows: Iterable[Row],
    *,
    header: Row | None = None,
    bom: bool = False,
    verbatim: bool = False,
) -> None:
    """Write rows to a CSV file on disk (command-line tools)."""
    with open(path, "wb") as handle:
        for chunk in csv_chunks(rows, header=header, bom=bom, verbatim=verbatim):
            handle.write(chunk)


class Sheet:
    """One worksheet: a name (at most 31 characters), a header and rows."""

    def __init__(
        self, name: str, header: Row, rows: Iterable[Row], *, first_width: int | None = None
    ) -> None:
        self.name = name[:31]
        self.header = header
        self.rows = rows
        self.first_width = first_width


def write_xlsx(target: str | IO[bytes], sheets: Iterable[Sheet]) -> int:
    """Write the sheets row by row in constant memory; returns the number of data rows."""
    import xlsxwriter

    options: dict[str, Any] = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    if not isinstance(target, str):
        options["in_memory"] = True
    book = xlsxwriter.Workbook(target, options)
    bold = book.add_format({"bold": True})
    quoted = book.add_format({"quote_prefix": True})
    count = 0
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        if sheet.first_width:
            ws.set_column(0, 0, sheet.first_width)
        for col, title in enumerate(sheet.header):
            ws.write_string(0, col, str(title), bold)
        for index, row in enumerate(sheet.rows, start=1):
            for col, raw in enumerate(row):
                _write_cell(ws, index, col, plain(raw), quoted)
            count += 1
    book.close()
    return count


def _write_cell(ws: Any, row: int, col: int, value: Any, quoted: Any) -> None:
    if isinstance(value, str):
        if value == "":
            return
        ws.write_string(row, col, value, quoted if is_formula_like(value) else None)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    else:
        ws.write_number(row, col, value)


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A small workbook in memory."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()


def xlsx_tempfile(sheets: Iterable[Sheet], prefix: str = "liuyanban-export-") -> str:
    """A temporary XLSX file; the caller opens it and removes it."""
    with tempfile.NamedTemporaryFile(prefix=prefix, suffix=".xlsx", delete=False) as handle:
        path = handle.name
    write_xlsx(path, sheets)
    return path
