"""``manage.py load_directory``: build or refresh the national directory of bodies and boards."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuyanban.core.progress import progress
from liuyanban.organizations.loading import load_directory


class Command(BaseCommand):
    help = (
        "从行政区划代码生成全国（或指定省份）的党委、政府、职能部门和留言板目录；"
        "可重复运行，只新建或更新有变化的记录。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="CODE",
            help="只加载这个省级区划（如 43 或 430000），可重复给出",
        )
        parser.add_argument(
            "--source",
            default="cpca",
            help="区划表：cpca（默认，随 cpca 包发布）或 adcode,name,longitude,latitude 格式的 CSV 文件",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = None if options["source"] == "cpca" else Path(options["source"])
        if source is not None and not source.is_file():
            raise CommandError(f"找不到区划表文件：{source}")
        try:
            with progress(
                total=None, desc="load_directory", unit="record", file=self.stderr
            ) as bar:
                report = load_directory(source, options["province"], tracker=bar)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"行政区划：{report.regions}")
        self.stdout.write(f"机构：{report.organizations}")
        self.stdout.write(f"留言板：{report.boards}")
        self.stdout.write(
            self.style.SUCCESS(
                f"共 {report.regions.total} 个区划、{report.organizations.total} 个机构、"
                f"{report.boards.total} 个留言板，用时 {report.seconds:.1f} 秒"
            )
        )
