"""The report's tables as CSV (one table per file) and XLSX (one sheet per table)."""

from __future__ import annotations

from liuyanban.core import tabular

from .report_types import Table


def to_csv(table: Table) -> bytes:
    """One table as UTF-8 CSV with a BOM, so Excel opens the Chinese text correctly."""
    return tabular.csv_bytes(table.rows, header=table.columns)


def to_xlsx(tables: list[Table]) -> bytes:
    """Every table on its own sheet, headers in bold."""
    return tabular.xlsx_bytes(
        tabular.Sheet(t.title, t.columns, t.rows, first_width=24) for t in tables
    )
