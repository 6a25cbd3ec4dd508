"""``manage.py redact_file --input IN.csv --output OUT.csv``: publishable text for a CSV.

Streams row by row so a file of any size fits in memory; other columns and their
order are kept; ``留言主题_public`` and ``留言详情_public`` are appended, holding
exactly what the platform publishes (``redaction.public_text``). Written through
``core.tabular`` verbatim: the output is a data file for other tools (evaluation,
re-import), so every cell must stay byte-for-byte what the input held.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liuyanban.core import tabular
from liuyanban.intelligence.redaction import public_text

SOURCE_COLUMNS = ("留言主题", "留言详情")


class Command(BaseCommand):
    """Write a copy of a message CSV with the published (redacted) subject and body."""

    help = "Add 留言主题_public and 留言详情_public (redacted, as published) to a CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path)
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        src: Path = options["input"]
        dst: Path = options["output"]
        if not src.is_file():
            raise CommandError(f"input file not found: {src}")
        csv.field_size_limit(sys.maxsize)
        # utf-8-sig drops a BOM if there is one; spreadsheet exports often add it.
        with src.open(encoding="utf-8-sig", newline="") as fin:
            reader = csv.reader(fin)
            header = next(reader, None)
            if header is None:
                raise CommandError("input file is empty (no header row)")
            missing = [c for c in SOURCE_COLUMNS if c not in header]
            if missing:
                raise CommandError(
                    f"missing column(s): {', '.join(missing)}; found: {', '.join(header)}"
                )
            rows = self._write(reader, header, dst)
        self.stdout.write(f"{rows} rows written to {dst}")

    def _write(self, reader: Any, header: list[str], dst: Path) -> int:
        """Copy rows, appending the public text of each source column; returns the row count."""
        positions = [header.index(c) for c in SOURCE_COLUMNS]
        count = 0

        def rows() -> Iterator[list[str]]:
            nonlocal count
            for row in reader:
                cells = row + [""] * (len(header) - len(row))
                yield [*row, *(public_text(cells[i]) for i in positions)]
                count += 1

        header_out = [*header, *(f"{c}_public" for c in SOURCE_COLUMNS)]
        tabular.write_csv(dst, rows(), header=header_out, verbatim=True)
        return count
