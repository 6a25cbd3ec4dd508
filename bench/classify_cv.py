"""Cross-validate the domain classifier against the plain baseline on the real data.

Stratified 5-fold CV on ``attachment2_train.csv`` with a fixed seed (the same split
on every run); the unlabelled files are available to each fold's training, never
the fold's test rows. Prints macro-F1 mean ± sd and per-class F1 for the baseline
(char 1–3-gram TF-IDF + LinearSVC on title + body) and for the shipped model, then
single-core prediction speed.

    .venv/bin/python bench/classify_cv.py [--folds 5] [--seed 20200428]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from liuyanban.intelligence.classifier import ClassifierModel, Doc  # noqa: E402
from liuyanban.intelligence.management.commands.classify_eval import read_messages  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"
UNLABELED = ["attachment2_unlabeled.csv", "attachment3_hot.csv", "attachment4_replies.csv"]

Predictor = Callable[[list[Doc], np.ndarray, list[Doc], list[Doc]], list[str]]


def baseline(train: list[Doc], y: np.ndarray, _unlabeled: list[Doc], test: list[Doc]) -> list[str]:
    """The reference: TF-IDF char 1–3-grams of title + body, LinearSVC, labelled data only."""
    pipe = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC()
    )
    pipe.fit([d.title + " " + d.body for d in train], y)
    return [str(p) for p in pipe.predict([d.title + " " + d.body for d in test])]


def shipped(train: list[Doc], y: np.ndarray, unlabeled: list[Doc], test: list[Doc]) -> list[str]:
    """The classifier as ``classify_eval`` trains it."""
    return ClassifierModel.fit(train, list(y), unlabeled).predict_labels(test)


def cross_validate(
    name: str,
    predictor: Predictor,
    docs: list[Doc],
    y: np.ndarray,
    unlabeled: list[Doc],
    folds: int,
    seed: int,
) -> None:
    """Print macro-F1 mean ± sd over the folds and per-class F1 over the pooled predictions."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores: list[float] = []
    pooled = np.empty(len(y), dtype=object)
    started = time.perf_counter()
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        pred = predictor(
            [docs[i] for i in train_idx], y[train_idx], unlabeled, [docs[i] for i in test_idx]
        )
        pooled[test_idx] = pred
        scores.append(float(f1_score(y[test_idx], pred, average="macro")))
    elapsed = time.perf_counter() - started
    print(
        f"{name:<10} macro-F1 {np.mean(scores):.4f} ± {np.std(scores):.4f}  "
        f"folds {' '.join(f'{s:.3f}' for s in scores)}  ({elapsed:.0f} s)"
    )
    labels = sorted(set(y))
    per_class = f1_score(y, pooled, labels=labels, average=None)
    print(
        "           "
        + "  ".join(f"{lab} {f:.3f}" for lab, f in zip(labels, per_class, strict=True))
    )


def speed(docs: list[Doc], y: np.ndarray, unlabeled: list[Doc], sample: Sequence[Doc]) -> None:
    """Messages per second of ``predict`` on this process (one core for scikit-learn's SVM)."""
    model = ClassifierModel.fit(docs, list(y), unlabeled)
    model.predict(list(sample[:50]))  # warm-up
    started = time.perf_counter()
    model.predict(list(sample))
    rate = len(sample) / (time.perf_counter() - started)
    one = time.perf_counter()
    model.predict([sample[0]])
    print(
        f"predict: {rate:,.0f} messages/s in batch of {len(sample)}; "
        f"one message {1000 * (time.perf_counter() - one):.1f} ms; train {model.metrics['train_seconds']} s"
    )


def main() -> None:
    """Run the comparison."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20200428)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    docs, labels = read_messages(DATA / "attachment2_train.csv", need_labels=True)
    y = np.asarray(labels, dtype=object)
    unlabeled: list[Doc] = []
    for name in UNLABELED:
        unlabeled += read_messages(DATA / name, need_labels=False)[0]
    print(
        f"{len(docs)} labelled, {len(unlabeled)} unlabelled; {args.folds}-fold CV, seed {args.seed}"
    )
    if not args.skip_baseline:
        cross_validate("baseline", baseline, docs, y, unlabeled, args.folds, args.seed)
    cross_validate("shipped", shipped, docs, y, unlabeled, args.folds, args.seed)
    speed(docs, y, unlabeled, unlabeled[:3000])


if __name__ == "__main__":
    main()
