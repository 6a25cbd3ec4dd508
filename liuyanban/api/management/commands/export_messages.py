"""Export messages with replies and ratings to a CSV or XLSX file."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liuyanban.api.exporting import ExportFilters, filtered, stream_csv, write_xlsx
from liuyanban.core.progress import progress
from liuyanban.lifecycle.models import Message


class Command(BaseCommand):
    help = "Export messages (public wording, final reply, ratings; no contact data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", required=True, help="file to write")
        parser.add_argument("--board", default="", help="board code")
        parser.add_argument("--domain", default="", help="domain code")
        parser.add_argument("--kind", default="", help="kind code")
        parser.add_argument("--status", default="")
        parser.add_argument("--since", type=date.fromisoformat, help="submitted on or after")
        parser.add_argument("--until", type=date.fromisoformat, help="submitted on or before")

    def handle(self, *args: Any, **options: Any) -> None:
        filters = ExportFilters(
            board=options["board"],
            domain=options["domain"],
            kind=options["kind"],
            status=options["status"],
            since=options["since"],
            until=options["until"],
        )
        qs = filtered(Message.objects.all(), filters)
        with progress(
            total=qs.count(), desc="export_messages", unit="msg", file=self.stderr
        ) as bar:
            if options["format"] == "xlsx":
                count = write_xlsx(qs, options["output"], on_batch=bar.update)
                self.stdout.write(f"{count} messages → {options['output']}")
                return
            with open(options["output"], "wb") as out:
                for chunk in stream_csv(qs, on_batch=bar.update):
                    out.write(chunk)
        self.stdout.write(f"CSV → {options['output']}")
