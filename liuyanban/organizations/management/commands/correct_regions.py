"""``manage.py correct_regions FILE``: correct region names from an operator's file, keeping history."""

from __future__ import annotations

import csv
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuyanban.organizations.renaming import CorrectionError, correct_region_names


class Command(BaseCommand):
    help = (
        "按运营方提供的 CSV（列：code,name[,note]）更正行政区划名称（如 宁乡县 → 宁乡市），"
        "并据此更新该区划的机构和留言板名称；编号不变，留言和历史记录保持关联，原名称保留备查。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV 文件：code,name[,note]")
        parser.add_argument(
            "--source",
            default="cpca",
            help="目录所用的区划表：cpca（默认）或 load_directory 用过的 CSV 文件",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        source = None if options["source"] == "cpca" else Path(options["source"])
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except UnicodeDecodeError as error:
            raise CommandError("文件不是 UTF-8 编码的 CSV") from error
        try:
            result = correct_region_names(rows, source=source)
        except CorrectionError as error:
            raise CommandError("\n".join(error.problems)) from error
        for code, old, new in result.renamed:
            self.stdout.write(f"{code}：{old} → {new}")
        self.stdout.write(
            self.style.SUCCESS(
                f"更正 {len(result.renamed)} 个区划；机构：{result.report.organizations}；"
                f"留言板：{result.report.boards}"
            )
        )
