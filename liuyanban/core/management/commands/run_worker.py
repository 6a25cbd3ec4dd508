"""One task worker for whichever queue the settings configure (database or Redis).

The supervisor configuration and the systemd units start ``manage.py run_worker``
so they need not know the backend: ``db_worker`` for the database queue, django-rq's
``rqworker`` (with django-tasks-rq's job class) when ``REDIS_URL`` makes Redis the queue.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules

from liuyanban.intelligence.text import tokenizer


class Command(BaseCommand):
    help = "运行一个后台任务进程（数据库队列或 Redis 队列，按设置而定）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default=None, help="进程名称（日志与监控中显示）")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = settings.TASKS["default"]["BACKEND"]
        if backend == "django_tasks_rq.RQBackend":
            # RQ forks a child for every job. Import the task modules (scikit-learn,
            # jieba, ...) and load the segmenter's dictionary once here, so each child
            # inherits them instead of spending seconds on them per job.
            autodiscover_modules("tasks")
            tokenizer()
            queues = settings.TASKS["default"].get("QUEUES", ["default"])
            extra = {"name": options["name"]} if options["name"] else {}
            call_command(
                "rqworker",
                *queues,
                job_class="django_tasks_rq.backend.Job",
                with_scheduler=True,
                **extra,
            )
        else:
            extra = {"worker_id": options["name"]} if options["name"] else {}
            call_command("db_worker", **extra)
