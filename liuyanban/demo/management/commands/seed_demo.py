"""Load the demo world once (idempotent) and print the demo logins."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.test.utils import override_settings

from liuyanban.demo import world


class Command(BaseCommand):
    help = "载入演示数据（一个省、工作人员、市民和各状态的留言），只载入一次"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--messages", type=int, default=len(world.TARGETS), help="留言条数")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if world.already_seeded():
            self.stdout.write("演示数据已存在。")
        else:
            self.stdout.write(
                "正在载入演示数据（全国机构目录与湖南省数百条留言），首次约需一两分钟……"
            )
            # Notifications of months of simulated work are not worth an email each.
            with override_settings(
                TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
            ):
                report = world.seed(count=options["messages"])
            self.stdout.write(
                f"留言：{report.messages}，用时 {time.perf_counter() - started:.0f} 秒"
            )
        self.stdout.write(f"\n演示账号（密码均为 {world.PASSWORD}）：")
        for username, role in world.logins():
            self.stdout.write(f"  {username:<16} {role}")
        self.stdout.write("")
