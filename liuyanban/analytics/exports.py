"""The report's tables as CSV (one table per file) and XLSX (one sheet per table)."""

from __future__ import annotations

import csv
import io

import xlsxwriter

from .reports import Table


def to_csv(table: Table) -> bytes:
    """One table as UTF-8 CSV with a BOM, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows(["" if c is None else c for c in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables: list[Table]) -> bytes:
    """Every table on its own sheet, headers in bold."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    for table in tables:
        sheet = book.add_worksheet(table.title[:31])
        sheet.write_row(0, 0, table.columns, bold)
        for i, row in enumerate(table.rows, start=1):
            sheet.write_row(i, 0, ["" if c is None else c for c in row])
        sheet.set_column(0, 0, 24)
    book.close()
    return buffer.getvalue()
