"""Store near-duplicate signatures of public messages that have none (after an import or an
upgrade), in bounded batches with progress; safe to interrupt and run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liuyanban.intelligence.duplicates import index_missing, unindexed_public


class Command(BaseCommand):
    help = "为尚无相似度签名的公开留言建立近似重复索引（分批进行，可中断后继续）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="每批条数")
        parser.add_argument("--limit", type=int, default=None, help="本次最多处理条数")

    def handle(self, *args: Any, **options: Any) -> None:
        total = unindexed_public().count()
        self.stdout.write(f"待建立索引的公开留言：{total}")
        done = 0
        for done in index_missing(batch=max(1, options["batch"]), limit=options["limit"]):
            self.stdout.write(f"  已完成 {done} / {total}")
        self.stdout.write(f"完成：本次建立 {done} 条。")
