"""Run the deadline job once, or every N seconds with --loop (a simple scheduler)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liuyanban.supervision.jobs import run_deadline_job


class Command(BaseCommand):
    help = "发送临期预警、催办和黄/红牌督办（可重复运行，每项只记录一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, help="按该日期计算（YYYY-MM-DD）")
        parser.add_argument(
            "--loop", type=int, default=0, help="每隔多少秒运行一次；0 表示只运行一次"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = run_deadline_job(options["date"])
            self.stdout.write(f"deadline job: {report.created or 'nothing new'}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
