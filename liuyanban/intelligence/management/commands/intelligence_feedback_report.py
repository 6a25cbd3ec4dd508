"""Print what staff marked as wrong: hot issues and reply-quality scores."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from liuyanban.intelligence.selectors import feedback_report


class Command(BaseCommand):
    help = "Counts of staff marks per kind and verdict, then the marked items."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="marked items listed per kind")

    def handle(self, *args: Any, **opts: Any) -> None:
        report = feedback_report(limit=opts["limit"])
        self.stdout.write(f"marks: {report.total}")
        self.stdout.write("kind\tverdict\tcount\tlabel")
        for c in report.counts:
            self.stdout.write(f"{c.kind}\t{c.verdict}\t{c.count}\t{c.label}")
        self.stdout.write("\nhot issues marked (issue, verdict, user, when, label, note)")
        for mark in report.issue_marks:
            self.stdout.write(
                f"#{mark.issue_id}\t{mark.verdict}\t{mark.user.username}\t"
                f"{mark.created_at:%Y-%m-%d}\t{mark.snapshot.get('label', '')}\t{mark.note}"
            )
        self.stdout.write("\nreply-quality scores marked (message, verdict, user, overall, note)")
        for q in report.quality_marks:
            self.stdout.write(
                f"{q.message.tracking_number}\t{q.verdict}\t{q.user.username}\t"
                f"{q.scores.get('overall', '')}\t{q.note}"
            )
