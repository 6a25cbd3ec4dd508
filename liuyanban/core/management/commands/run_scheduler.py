"""Enqueue the periodic tasks when due (a minimal scheduler for the task worker)."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from liuyanban.core.schedule import schedule

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "按计划把定时任务（超期预警、Webhook 重试、热点刷新、模型重训）放入任务队列"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="每项任务各放入一次后退出（供 cron 使用）"
        )
        parser.add_argument("--tick", type=int, default=30, help="检查间隔（秒）")

    def handle(self, *args: Any, **options: Any) -> None:
        last: dict[str, float] = {}
        while True:
            now = time.monotonic()
            for item in schedule():
                if options["once"] or now - last.get(item.name, -1e18) >= item.every:
                    try:
                        item.task()
                        last[item.name] = now
                        self.stdout.write(f"queued: {item.name}")
                    except Exception:  # a broken queue must not stop the other tasks
                        logger.exception("could not queue %s", item.name)
            if options["once"]:
                return
            time.sleep(options["tick"])
            # A long-running command must drop a dead connection itself (a request does it
            # in Django's request cycle): else one terminated connection fails every tick.
            close_old_connections()
