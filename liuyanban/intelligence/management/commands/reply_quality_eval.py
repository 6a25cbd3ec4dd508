"""Score the replies of a CSV and print agreement with the hand labels (no database)."""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import chinese_calendar
from django.core.management.base import BaseCommand
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from liuyanban.intelligence.hot.csvio import parse_time
from liuyanban.intelligence.replyquality import ReplyQuality, score_reply

LABELS = Path(__file__).resolve().parents[2] / "eval" / "reply_labels.json"
DEADLINE_WORKING_DAYS = 15  # the platform's default for a final reply (PRODUCT.md)


@dataclass(frozen=True)
class Agreement:
    """Agreement of one score with one label column."""

    name: str
    n: int
    spearman: float
    auc: float | None
    kappa: float | None


def working_days(start: datetime, end: datetime) -> int | None:
    """Working days after ``start`` up to ``end`` (None when the calendar does not know)."""
    if end < start:
        return 0
    try:
        days = chinese_calendar.get_workdays(start.date(), end.date())
    except NotImplementedError:
        return None
    return max(len(days) - (1 if chinese_calendar.is_workday(start.date()) else 0), 0)


def score_file(path: Path) -> dict[int, ReplyQuality]:
    """Scores of every reply in a challenge-style CSV, by message id."""
    out: dict[int, ReplyQuality] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                days = working_days(parse_time(row["留言时间"]), parse_time(row["答复时间"]))
            except ValueError:
                days = None
            out[int(row["留言编号"])] = score_reply(
                row["留言主题"], row["留言详情"], row["答复意见"], days, DEADLINE_WORKING_DAYS
            )
    return out


def read_label_csv(path: Path, column: str) -> dict[int, int]:
    """One 0/1 label column of an annotation CSV, by message id."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {
            int(r["留言编号"]): int(r[column])
            for r in csv.DictReader(fh)
            if r.get(column, "").strip()
        }


def agreement(name: str, scores: dict[int, float], labels: dict[int, int], cut: float) -> Agreement:
    """Spearman, ROC AUC (binary labels) and Cohen's kappa of ``score >= cut``."""
    ids = [i for i in labels if i in scores]
    y = [labels[i] for i in ids]
    s = [scores[i] for i in ids]
    rho = float(spearmanr(s, y).statistic) if len(set(y)) > 1 else 0.0
    binary = set(y) <= {0, 1} and len(set(y)) == 2
    auc = float(roc_auc_score(y, s)) if binary else None
    kappa = float(cohen_kappa_score(y, [int(v >= cut) for v in s])) if binary else None
    return Agreement(name, len(ids), rho, auc, kappa)


def evaluate(
    path: Path, annotations: Path
) -> tuple[list[Agreement], float, dict[int, ReplyQuality]]:
    """All agreements and the share flagged perfunctory."""
    scored = score_file(path)
    interp = {i: q.interpretability for i, q in scored.items()}
    comp = {i: q.completeness for i, q in scored.items()}
    overall = {i: q.overall for i, q in scored.items()}
    sy = read_label_csv(
        annotations / "attachment4_interpretability_labels_syucryingstar.csv", "可解释性"
    )
    rb = annotations / "attachment4_completeness_interpretability_labels_rollbear.csv"
    mine = json.loads(LABELS.read_text(encoding="utf-8"))["labels"]
    mine_scores = {int(r["id"]): int(r["quality"]) for r in mine}
    mine_perf = {int(r["id"]): int(r["perfunctory"]) for r in mine}
    results = [
        agreement("syucryingstar 可解释性 vs interpretability", interp, sy, 0.15),
        agreement(
            "rollbear 可解释性 vs interpretability", interp, read_label_csv(rb, "可解释性指标"), 0.5
        ),
        agreement("rollbear 完整性 vs completeness", comp, read_label_csv(rb, "完整性指标"), 0.5),
        agreement("ours quality(1-3) vs overall", overall, mine_scores, 0.5),
        agreement(
            "ours perfunctory vs flag",
            {i: float(q.perfunctory) for i, q in scored.items()},
            mine_perf,
            0.5,
        ),
    ]
    share = sum(q.perfunctory for q in scored.values()) / max(len(scored), 1)
    return results, share, scored


class Command(BaseCommand):
    help = "Score replies of a CSV (留言…, 答复意见, 答复时间) and compare with hand labels."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--input", required=True, type=Path)
        parser.add_argument(
            "--annotations",
            type=Path,
            default=None,
            help="folder of label CSVs (default: next to input)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["input"]
        annotations = opts["annotations"] or path.parent / "annotations"
        results, share, scored = evaluate(path, annotations)
        self.stdout.write(f"{len(scored)} replies scored ({date.today():%Y-%m-%d})")
        self.stdout.write("label set\tn\tspearman\tauc\tkappa")
        for a in results:
            auc = f"{a.auc:.3f}" if a.auc is not None else "-"
            kappa = f"{a.kappa:.3f}" if a.kappa is not None else "-"
            self.stdout.write(f"{a.name}\t{a.n}\t{a.spearman:.3f}\t{auc}\t{kappa}")
        self.stdout.write(f"perfunctory share: {share:.3f}")
