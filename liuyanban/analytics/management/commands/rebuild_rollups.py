"""``manage.py rebuild_rollups``: recompute the statistics tables from the messages and events."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from liuyanban.analytics import rebuild, rollups
from liuyanban.core.progress import is_terminal, progress
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
            help="messages whose contributions are computed at a time (the scratch tables "
            "of one batch grow with it, nothing grows with the table)",
        )

        parser.add_argument(
            "--workers",
            type=int,
            default=rollups.REBUILD_WORKERS,
            help="database connections that share the work on PostgreSQL (one per core of "
            "the database server helps; 1: all in this connection)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["catch_up"]:
            n = rollups.catch_up()
            verb = "caught up"
        else:
            n = self._rebuild(
                max(1, options["batch"]), max(1, options["workers"]), options["verbosity"]
            )
            verb = "rebuilt"
        took = time.perf_counter() - started
        self.stdout.write(f"{verb} {n} messages in {took:.1f}s")

    def _rebuild(self, batch: int, workers: int, verbosity: int) -> int:
        """Two bars on a terminal (messages, then grain steps); a line per phase and step."""
        out = self.stdout._out

        def log(line: str) -> None:
            if verbosity < 1:
                return
            if is_terminal(self.stderr._out):
                tqdm.write(line, file=out)  # above the bars, not through them
            else:
                self.stdout.write(line)

        total = Message.objects.count()
        with (
            progress(total=total, desc="contributions", unit="msg", file=self.stderr) as bar,
            progress(
                total=rebuild.step_count(), desc="grains", unit="step", file=self.stderr
            ) as steps,
        ):
            return rollups.rebuild(
                chunk=batch, progress=bar.update, steps=steps.update, log=log, workers=workers
            )
