"""Run the background-work sweeper once (also scheduled every minute by run_scheduler)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liuyanban.core import sweeper


class Command(BaseCommand):
    help = "巡检后台任务：把缺失的分析、统计、Webhook 投递和中断的任务重新放入队列"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计缺失数量，不补做")

    def handle(self, *args: Any, **options: Any) -> None:
        found = sweeper.counts() if options["dry_run"] else sweeper.sweep()
        for name, n in found.items():
            self.stdout.write(f"{name}: {n}")
