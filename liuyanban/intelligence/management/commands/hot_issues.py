"""Print (and optionally write) the hot-issue tables for a CSV of messages."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from liuyanban.intelligence.hot import HotIssueIndex, hot_issues
from liuyanban.intelligence.hot.csvio import (
    DETAIL_HEADER,
    ISSUE_HEADER,
    detail_rows,
    issue_rows,
    read_messages,
    write_csv,
)
from liuyanban.intelligence.hot.datasets import ADAPTERS
from liuyanban.intelligence.hot.evaluate import load_labels, score_groups, summary
from liuyanban.intelligence.hot.places import admin_names


class Command(BaseCommand):
    help = "Group messages of a CSV into hot issues and print the top ones (no database)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--input", required=True, type=Path)
        parser.add_argument("--top", type=int, default=5)
        parser.add_argument("--output-dir", type=Path, default=None)
        parser.add_argument("--evaluate", action="store_true", help="score against hot_labels.json")
        parser.add_argument(
            "--dataset",
            choices=sorted(ADAPTERS),
            default="real",
            help="how the file writes places: real names (default) or a dataset's codes (tipdm)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        with admin_names(ADAPTERS[opts["dataset"]]):
            self._run(**opts)

    def _run(self, **opts: Any) -> None:
        started = time.perf_counter()
        msgs = list(read_messages(opts["input"]))
        index = HotIssueIndex()
        index.rebuild(msgs)
        issues = hot_issues(index, top=opts["top"])
        self.stdout.write(
            f"{len(msgs)} messages, {len(index.groups)} groups, {time.perf_counter() - started:.1f} s\n"
        )
        self._table("热点问题表", ISSUE_HEADER, issue_rows(issues))
        self._table("热点问题留言明细表", DETAIL_HEADER, detail_rows(issues, body_chars=30))
        if opts["output_dir"]:
            out: Path = opts["output_dir"]
            out.mkdir(parents=True, exist_ok=True)
            write_csv(out / "热点问题表.csv", ISSUE_HEADER, issue_rows(issues))
            write_csv(
                out / "热点问题留言明细表.csv", DETAIL_HEADER, detail_rows(issues, body_chars=None)
            )
            self.stdout.write(f"written to {out}")
        if opts["evaluate"]:
            self._evaluate(index)

    def _table(self, title: str, header: list[str], rows: list[list[str]]) -> None:
        self.stdout.write(f"\n{title}")
        self.stdout.write("\t".join(header))
        for row in rows:
            self.stdout.write("\t".join(row))

    def _evaluate(self, index: HotIssueIndex) -> None:
        scores = score_groups(index.partition(), load_labels())
        self.stdout.write("\nlabelled group\tsize\tfound\toverlap\tprecision\tcoverage")
        for s in scores:
            self.stdout.write(
                f"{s.name}\t{s.size}\t{s.found_size}\t{s.overlap}\t{s.precision:.2f}\t{s.coverage:.2f}"
            )
        total = summary(scores)
        self.stdout.write(
            f"groups={total['groups']:.0f} precision={total['precision']:.3f} "
            f"coverage={total['coverage']:.3f} coverage_micro={total['coverage_micro']:.3f}"
        )
