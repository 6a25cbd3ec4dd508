"""Regroup the published messages of a time window into hot issues and rewrite the rows."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuyanban.core.progress import progress
from liuyanban.intelligence.hot.selectors import active_issues
from liuyanban.intelligence.hot.store import rebuild


class Command(BaseCommand):
    help = "Full rebuild of the platform's hot issues from published messages (issue ids are kept)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="window (default HOT_ISSUES days, 90)"
        )
        parser.add_argument("--top", type=int, default=10, help="issues to print afterwards")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["days"] is not None and opts["days"] < 1:
            raise CommandError("--days must be at least 1")
        started = time.perf_counter()
        with progress(total=None, desc="rebuild_hot_issues", unit="group", file=self.stderr) as bar:
            result = rebuild(days=opts["days"], tracker=bar)
        self.stdout.write(
            f"{result.messages} messages, {result.groups} groups, {result.issues} hot issues, "
            f"{time.perf_counter() - started:.1f} s"
        )
        for issue in active_issues()[: opts["top"]]:
            self.stdout.write(
                f"{issue.rank or '-'}\t#{issue.pk}\t{issue.heat:.2f}\t{issue.message_count}\t"
                f"{issue.label}\t{issue.description}"
            )
