"""``manage.py import_taxonomy``: a three-level category tree from CSV into the domains."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuyanban.taxonomy.importing import import_taxonomy


class Command(BaseCommand):
    help = "导入三级分类（列：一级分类,二级分类,三级分类）为职责领域；可重复运行。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="CSV 文件（UTF-8 或 GB18030）")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        report = import_taxonomy(path.read_bytes())
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"发现 {len(report.errors)} 处错误，未导入任何内容。")
        created = "，".join(f"{level} 级 {n}" for level, n in report.created.items())
        self.stdout.write(self.style.SUCCESS(f"新建：{created}；已存在 {report.unchanged}"))
