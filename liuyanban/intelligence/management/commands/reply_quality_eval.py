"""Score the replies of a CSV and print agreement with the hand labels (no database).

Each 0/1 label set is split in two (stratified, fixed seed): the threshold that turns a
score into 0/1 is chosen on the development half, and every figure is reported on the
test half.
"""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, roc_auc_score
from sklearn.model_selection import train_test_split

from liuyanban.intelligence.hot.csvio import parse_time
from liuyanban.intelligence.replyquality import ReplyQuality, score_reply
from liuyanban.lifecycle.workdays import official_is_workday, working_days_between

LABELS = Path(__file__).resolve().parents[2] / "eval" / "reply_labels.json"
DEADLINE_WORKING_DAYS = 15  # the platform's default for a final reply (PRODUCT.md)


SPLIT_SEED = 20260430
TEST_SHARE = 0.5


@dataclass(frozen=True)
class Agreement:
    """Agreement of one score with one label column, on the test part of the labels.

    ``cut`` turns the score into 0/1 for Cohen's kappa; it is chosen on the development
    part (``n_dev`` labels) and then applied once to the test part (``n``), so kappa is
    not fitted to the labels it is reported on. Spearman and AUC need no threshold.
    """

    name: str
    n: int
    spearman: float
    auc: float | None
    kappa: float | None
    cut: float | None = None
    n_dev: int = 0
    # 95 % bootstrap interval of kappa on the test part (small test parts vary a lot).
    kappa_ci: tuple[float, float] | None = None


def working_days(start: datetime, end: datetime) -> int:
    """Working days after ``start`` up to ``end`` on the official calendar (0 if reversed).

    The platform's one working-day count (``lifecycle.workdays``), on the State
    Council's calendar alone: these replies predate any override an operator made.
    """
    return max(working_days_between(start.date(), end.date(), workday=official_is_workday), 0)


def score_file(path: Path) -> dict[int, ReplyQuality]:
    """Scores of every reply in a challenge-style CSV, by message id."""
    out: dict[int, ReplyQuality] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            days: int | None
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


def split_labels(labels: dict[int, int]) -> tuple[dict[int, int], dict[int, int]]:
    """Development and test parts of a label set: stratified, fixed seed, by message id."""
    ids = sorted(labels)
    y = [labels[i] for i in ids]
    stratify = y if min(Counter(y).values()) >= 2 else None
    dev, test = train_test_split(
        ids, test_size=TEST_SHARE, random_state=SPLIT_SEED, stratify=stratify
    )
    return {i: labels[i] for i in dev}, {i: labels[i] for i in test}


def choose_cut(scores: dict[int, float], labels: dict[int, int]) -> float:
    """The threshold with the best Cohen's kappa on ``labels`` (the development part).

    Candidates are the midpoints between consecutive distinct scores; ties go to the cut
    nearest 0.5, the neutral choice.
    """
    values = sorted({scores[i] for i in labels if i in scores})
    if len(values) < 2:
        return 0.5
    ids = [i for i in labels if i in scores]
    y = [labels[i] for i in ids]
    best = (-2.0, 0.0, 0.5)
    for low, high in pairwise(values):
        cut = (low + high) / 2
        kappa = float(cohen_kappa_score(y, [int(scores[i] >= cut) for i in ids]))
        best = max(best, (round(kappa, 6), -abs(cut - 0.5), cut))
    return best[2]


def agreement(
    name: str, scores: dict[int, float], labels: dict[int, int], cut: float | None = None
) -> Agreement:
    """Spearman, ROC AUC and Cohen's kappa on the test part of binary ``labels``.

    Without a fixed ``cut`` the labels are split: the cut is chosen on the development
    part and everything is reported on the test part. Non-binary labels get Spearman on
    all of them.
    """
    binary = set(labels.values()) == {0, 1}
    dev: dict[int, int] = {}
    if binary and cut is None:
        dev, labels = split_labels(labels)
        cut = choose_cut(scores, dev)
    ids = [i for i in labels if i in scores]
    y = [labels[i] for i in ids]
    s = [scores[i] for i in ids]
    rho = float(spearmanr(s, y).statistic) if len(set(y)) > 1 and len(set(s)) > 1 else 0.0
    binary = binary and len(set(y)) == 2
    auc = float(roc_auc_score(y, s)) if binary else None
    kappa: float | None = None
    ci: tuple[float, float] | None = None
    if binary and cut is not None:
        called = [int(v >= cut) for v in s]
        kappa = float(cohen_kappa_score(y, called))
        ci = _kappa_interval(y, called)
    return Agreement(name, len(ids), rho, auc, kappa, cut if binary else None, len(dev), ci)


def _kappa_interval(y: list[int], predicted: list[int], rounds: int = 1000) -> tuple[float, float]:
    """Percentile bootstrap (fixed seed) of Cohen's kappa."""
    rng = np.random.default_rng(SPLIT_SEED)
    truth, guess = np.asarray(y), np.asarray(predicted)
    values = []
    for _ in range(rounds):
        idx = rng.integers(0, len(truth), len(truth))
        if len(set(truth[idx])) > 1:
            values.append(float(cohen_kappa_score(truth[idx], guess[idx])))
    low, high = np.percentile(values, [2.5, 97.5]) if values else (0.0, 0.0)
    return float(low), float(high)


def evaluate(
    path: Path, annotations: Path
) -> tuple[list[Agreement], float, dict[int, ReplyQuality]]:
    """All agreements (thresholds from development parts) and the share flagged perfunctory."""
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
        agreement("syucryingstar 可解释性 vs interpretability", interp, sy),
        agreement(
            "rollbear 可解释性 vs interpretability", interp, read_label_csv(rb, "可解释性指标")
        ),
        agreement("rollbear 完整性 vs completeness", comp, read_label_csv(rb, "完整性指标")),
        agreement("ours quality(1-3) vs overall", overall, mine_scores),
        # The flag is already 0/1: nothing to choose, all 60 labels are the test.
        agreement(
            "ours perfunctory vs flag",
            {i: float(q.perfunctory) for i, q in scored.items()},
            mine_perf,
            cut=0.5,
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
        self.stdout.write(
            "Thresholds are chosen on a development half of each 0/1 label set (best kappa);"
            " every figure is on the other half, scored once."
        )
        self.stdout.write("label set\tn dev\tcut\tn test\tspearman\tauc\tkappa (95% CI)")
        for a in results:
            auc = f"{a.auc:.3f}" if a.auc is not None else "-"
            kappa = f"{a.kappa:.3f}" if a.kappa is not None else "-"
            if a.kappa_ci is not None:
                kappa += f" ({a.kappa_ci[0]:.2f}–{a.kappa_ci[1]:.2f})"
            cut = f"{a.cut:.3f}" if a.cut is not None else "-"
            self.stdout.write(
                f"{a.name}\t{a.n_dev}\t{cut}\t{a.n}\t{a.spearman:.3f}\t{auc}\t{kappa}"
            )
        self.stdout.write(f"perfunctory share: {share:.3f}")
