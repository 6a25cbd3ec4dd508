"""``manage.py import_organizations``: onboard bodies, boards and staff from CSV or XLSX."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuyanban.accounts.models import User
from liuyanban.accounts.onboarding import ImportReport, import_organizations
from liuyanban.core.progress import progress


class Command(BaseCommand):
    help = (
        "从 CSV 或 XLSX 文件批量导入机构、留言板和工作人员（格式见 docs/directory.md）。"
        "文件有任何错误时什么都不导入，并逐行列出错误。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="机构表：.csv（UTF-8 或 GB18030）或 .xlsx")
        parser.add_argument(
            "--staff", type=Path, help="人员表（CSV 时使用；XLSX 可用“人员”工作表）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入")
        parser.add_argument(
            "--actor", help="操作人的用户名（记入账号审计记录；不填则记为命令行操作）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        staff: Path | None = options["staff"]
        for file in (path, staff):
            if file is not None and not file.is_file():
                raise CommandError(f"找不到文件：{file}")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"找不到用户：{options['actor']}")
        with progress(total=None, desc="import_organizations", unit="row", file=self.stderr) as bar:
            report = import_organizations(
                path.read_bytes(),
                filename=path.name,
                staff_content=staff.read_bytes() if staff else None,
                dry_run=options["dry_run"],
                actor=actor,
                tracker=bar,
            )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"发现 {len(report.errors)} 处错误，未导入任何内容。")
        self._summary(report)

    def _summary(self, report: ImportReport) -> None:
        self.stdout.write(f"读取 {report.rows} 行（{report.encoding}）")
        self.stdout.write(f"机构：{report.organizations}")
        self.stdout.write(f"留言板：{report.boards}")
        self.stdout.write(f"账号：{report.users}")
        self.stdout.write(f"岗位：{report.memberships}")
        done = "试运行，未写入" if report.dry_run else "导入完成"
        self.stdout.write(self.style.SUCCESS(done))
