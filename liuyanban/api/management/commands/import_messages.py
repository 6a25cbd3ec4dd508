"""Import hotline or mailbox messages from CSV/XLSX into a board (deduplicated)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liuyanban.api.importing import import_messages
from liuyanban.core.progress import progress
from liuyanban.organizations.models import Board


class Command(BaseCommand):
    help = "Import messages from FILE into --board; rows already imported are skipped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--board", required=True, help="board code")

    def handle(self, *args: Any, **options: Any) -> None:
        board = Board.objects.filter(code=options["board"]).first()
        if board is None:
            raise CommandError(f"留言板不存在：{options['board']}")
        path = Path(options["file"])
        with progress(total=None, desc="import_messages", unit="row", file=self.stderr) as bar:
            report = import_messages(path.read_bytes(), path.name, board=board, tracker=bar)
        for error in report.errors:
            self.stderr.write(str(error))
        self.stdout.write(
            f"{report.rows} 行：新增 {len(report.created)}，已导入过 {len(report.skipped)}，"
            f"有误 {len({e.row for e in report.errors})}"
        )
        if report.errors:
            raise CommandError("部分行未导入，见上方错误")
