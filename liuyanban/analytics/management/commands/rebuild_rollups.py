"""``manage.py rebuild_rollups``: recompute the statistics tables from the messages and events."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liuyanban.analytics import rollups
from liuyanban.core.progress import progress
from liuyanban.lifecycle.models import Message


class Command(BaseCommand):
    help = "Recompute every rollup row from the events (or only catch up with --catch-up)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--catch-up",
            action="store_true",
            help="Only fold messages with events after the stored cursor.",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=rollups.REBUILD_BATCH,
            help="messages read and written at a time (memory grows with it, not with the table)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["catch_up"]:
            n = rollups.catch_up()
            verb = "caught up"
        else:
            total = Message.objects.count()
            with progress(total=total, desc="rebuild_rollups", unit="msg", file=self.stderr) as bar:
                n = rollups.rebuild(chunk=max(1, options["batch"]), progress=bar.update)
            verb = "rebuilt"
        took = time.perf_counter() - started
        self.stdout.write(f"{verb} {n} messages in {took:.1f}s")
