"""Train a classifier from the platform's confirmed messages; promote it only if not worse."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liuyanban.core.progress import progress
from liuyanban.intelligence.training import train


class Command(BaseCommand):
    help = "用已确认领域（或类型）的留言训练分类模型；在留出集上不劣于当前模型时才启用"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--target", choices=["domain", "kind"], default="domain")
        parser.add_argument("--min-samples", type=int, default=30)
        parser.add_argument("--force", action="store_true", help="无论得分都启用新模型")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with progress(total=None, desc="train_classifier", unit="msg", file=self.stderr) as bar:
                report = train(
                    options["target"],
                    min_samples=options["min_samples"],
                    force=options["force"],
                    tracker=bar,
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        previous = "—" if report.previous_f1 is None else f"{report.previous_f1:.3f}"
        self.stdout.write(
            f"{report.version}: 训练 {report.n_train} 条，留出 {report.n_holdout} 条，"
            f"macro-F1 {report.macro_f1:.3f}（当前模型 {previous}）→ {'已启用' if report.promoted else '未启用'}"
        )
