"""Train the domain classifier from scratch on one CSV and score it on another.

    manage.py classify_eval --train TRAIN.csv --test TEST.csv [--unlabeled FILE.csv ...]
        [--taxonomy TAXONOMY.csv | --no-taxonomy]

Files are UTF-8 CSV with the text in 留言主题/留言详情 and the label in 一级标签 (or
一级分类); other columns are ignored. The last line of stdout is one JSON object with
macro_f1, accuracy, per_class_f1, n_train, n_test, train_seconds, predict_per_second
(and n_unlabeled, n_taxonomy_docs, model_version).

Like ``train_classifier``, the model learns from the platform's taxonomy: the names of
the domains below each top-level domain whose name is one of the training labels (e.g.
after ``manage.py import_taxonomy 附件1.csv``), or from ``--taxonomy``: a category file
in the format ``import_taxonomy`` reads (一级分类, 二级分类, 三级分类), used instead of
the database. With neither (or with ``--no-taxonomy``) it trains on the files alone; it
reads no other data.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from sklearn.metrics import accuracy_score, f1_score

from liuyanban.core.sheets import FileProblem, RowError
from liuyanban.intelligence.classifier import ClassifierModel, Doc, TaxonomyPaths
from liuyanban.taxonomy.importing import read_paths
from liuyanban.taxonomy.selectors import names_below_top_level

TITLE = "留言主题"
BODY = "留言详情"
LABEL_COLUMNS = ("一级标签", "一级分类")

# Scraped message bodies can exceed the csv module's default 128 KiB field limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def read_messages(path: Path, *, need_labels: bool) -> tuple[list[Doc], list[str]]:
    """Documents and labels ("" where absent) of a challenge-style CSV.

    Raises ``CommandError`` with a readable message for a missing file, bad encoding,
    missing text columns, or (when ``need_labels``) a missing or empty label column.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
            header = set(rows[0].keys()) if rows else set()
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise CommandError(f"{path}: is a directory, expected a CSV file") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise CommandError(f"{path}: not a readable CSV file ({exc})") from exc
    if not rows:
        raise CommandError(f"{path}: no data rows")
    missing = [c for c in (TITLE, BODY) if c not in header]
    if missing:
        raise CommandError(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(sorted(header))}"
        )
    label_col = next((c for c in LABEL_COLUMNS if c in header), None)
    labels = [(r.get(label_col) or "").strip() if label_col else "" for r in rows]
    if need_labels:
        _check_labels(path, label_col, labels)
    docs = [Doc(r.get(TITLE) or "", r.get(BODY) or "") for r in rows]
    return docs, labels


def _check_labels(path: Path, label_col: str | None, labels: list[str]) -> None:
    if label_col is None:
        raise CommandError(f"{path}: no label column ({' or '.join(LABEL_COLUMNS)})")
    empty = sum(1 for lab in labels if not lab)
    if empty == len(labels):
        raise CommandError(f"{path}: the label column {label_col} is empty")
    if empty:
        raise CommandError(f"{path}: {empty} of {len(labels)} rows have no label in {label_col}")


class Command(BaseCommand):
    """Evaluate the domain classifier on a labelled test CSV (no database)."""

    help = __doc__ or ""
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--train", type=Path, required=True, help="labelled training CSV")
        parser.add_argument("--test", type=Path, required=True, help="labelled test CSV")
        parser.add_argument(
            "--unlabeled", type=Path, nargs="*", default=[], help="CSV files of unlabelled messages"
        )
        names = parser.add_mutually_exclusive_group()
        names.add_argument(
            "--taxonomy",
            type=Path,
            help="category CSV (一级分类, 二级分类, 三级分类) to learn names from, "
            "instead of the platform's taxonomy",
        )
        names.add_argument(
            "--no-taxonomy",
            action="store_true",
            help="do not learn from the names in the platform's taxonomy",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        train_docs, train_labels = read_messages(options["train"], need_labels=True)
        test_docs, test_labels = read_messages(options["test"], need_labels=True)
        unlabeled: list[Doc] = []
        for path in options["unlabeled"]:
            unlabeled += read_messages(path, need_labels=False)[0]
        if len(set(train_labels)) < 2:
            raise CommandError(f"{options['train']}: needs at least two different labels")

        if options["no_taxonomy"]:
            taxonomy: TaxonomyPaths = {}
        elif options["taxonomy"] is not None:
            taxonomy = taxonomy_file(options["taxonomy"])
        else:
            taxonomy = self._taxonomy()
        model = ClassifierModel.fit(train_docs, train_labels, unlabeled, taxonomy=taxonomy)
        started = time.perf_counter()
        predicted = model.predict_labels(test_docs)
        predict_seconds = time.perf_counter() - started

        result = evaluation(test_labels, predicted)
        result.update(
            n_train=len(train_docs),
            n_test=len(test_docs),
            n_unlabeled=len(unlabeled),
            n_taxonomy_docs=model.metrics["n_taxonomy_docs"],
            train_seconds=model.metrics["train_seconds"],
            predict_per_second=round(len(test_docs) / max(predict_seconds, 1e-9), 1),
            model_version=model.version,
        )
        self.stderr.write(
            f"macro-F1 {result['macro_f1']:.4f}, accuracy {result['accuracy']:.4f} "
            f"on {len(test_docs)} messages ({len(train_docs)} labelled, {len(unlabeled)} unlabelled, "
            f"{model.metrics['n_taxonomy_docs']} taxonomy names)"
        )
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _taxonomy(self) -> TaxonomyPaths:
        """The platform's taxonomy keyed by top-level name; empty when there is no database."""
        try:
            return names_below_top_level("name")
        except DatabaseError as exc:
            self.stderr.write(f"taxonomy not read from the database ({exc}); training without it")
            return {}


def taxonomy_file(path: Path) -> TaxonomyPaths:
    """The leaf paths below each first-level name of a category CSV (``import_taxonomy``'s
    format); any problem in the file is a ``CommandError``."""
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise CommandError(f"{path}: is a directory, expected a CSV file") from exc
    errors: list[RowError] = []
    try:
        paths = read_paths(content, errors)
    except FileProblem as exc:
        raise CommandError(f"{path}: {exc}") from exc
    if errors:
        shown = "; ".join(str(e) for e in errors[:3])
        raise CommandError(f"{path}: {len(errors)} problem(s) in the category file: {shown}")
    out: dict[str, list[tuple[str, ...]]] = {}
    for names in paths:
        if len(names) > 1:
            out.setdefault(names[0], []).append(tuple(names[1:]))
    return out


def evaluation(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    """Macro-F1, accuracy and per-class F1 (over labels in truth or predictions)."""
    labels = sorted(set(truth) | set(predicted))
    per_class = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    return {
        "macro_f1": round(
            float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4
        ),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "per_class_f1": {lab: round(float(f), 4) for lab, f in zip(labels, per_class, strict=True)},
    }
