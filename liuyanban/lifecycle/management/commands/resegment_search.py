"""Re-segment the search text of public messages after the indexing scheme changed.

Bounded batches, one transaction each, with progress; resume an interrupted run with
``--after`` set to the last id printed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liuyanban.lifecycle.models import PUBLIC_STATUSES, Message
from liuyanban.lifecycle.search import resegment


class Command(BaseCommand):
    help = "按当前分词方案重新切分公开留言的检索文本（分批进行，显示进度，可续跑）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="每批条数")
        parser.add_argument("--after", type=int, default=0, help="从该编号之后继续")

    def handle(self, *args: Any, **options: Any) -> None:
        after = max(0, options["after"])
        total = Message.objects.filter(status__in=PUBLIC_STATUSES, pk__gt=after).count()
        self.stdout.write(f"待处理的公开留言：{total}")
        done = 0
        for done, last in resegment(batch=max(1, options["batch"]), after=after):
            self.stdout.write(f"  已完成 {done} / {total}（至编号 {last}）")
        self.stdout.write(f"完成：共处理 {done} 条。")
