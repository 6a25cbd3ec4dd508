"""The domain classifier, measured with a protocol that cannot overfit its choices.

Protocol (kind of evidence is printed with every figure):

1. ``attachment2_train.csv`` (826 labelled messages) is split once, stratified, seed
   20260430, into a **development part** (80 %, 660) and a **test part** (20 %, 166).
2. Every variant is compared by **repeated stratified 5-fold CV on the development part
   only** (``--repeats`` different split seeds, default 3: 15 folds); mean ± sd over the
   folds is printed for every variant tried, not just the best.
3. The shipped model (whatever ``classify_eval`` trains) is trained on the whole
   development part and scored **once** on the test part, with a 95 % bootstrap interval,
   next to the plain baseline on the same split. Nothing is chosen from this figure.
4. **Staff corrections**: inside the development part (the test part untouched), a model
   is trained on 40 % ("labelled at start"), predicts the next 40 % (the messages staff
   handle), and is retrained (a) on its own predictions (no one corrects anything) and (b)
   on the staff-corrected labels, as ``train_classifier`` does with confirmed messages;
   all three are scored on the remaining 20 %, over ``--repeats`` seeds.

The unlabelled files (``attachment2_unlabeled``, ``attachment3_hot``,
``attachment4_replies``; 9,943 messages, read in place) are available to every training
run, never the labels of the rows being scored.

    .venv/bin/python bench/classify_cv.py [--repeats 5] [--skip-variants] [--skip-corrections]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

from scipy import sparse  # noqa: E402
from sklearn.feature_extraction.text import (  # noqa: E402
    CountVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.naive_bayes import ComplementNB  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from liuyanban.core.text.chinese import segment  # noqa: E402
from liuyanban.intelligence.classifier import (  # noqa: E402
    ClassifierConfig,
    ClassifierModel,
    Doc,
    _Prepared,
    prepare,
)
from liuyanban.intelligence.management.commands.classify_eval import read_messages  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"
UNLABELED = ["attachment2_unlabeled.csv", "attachment3_hot.csv", "attachment4_replies.csv"]
SPLIT_SEED = 20260430

Trainer = Callable[[list[Doc], np.ndarray, list[Doc]], Callable[[list[Doc]], list[str]]]


# ---- variants --------------------------------------------------------------------------


def plain_baseline(
    docs: list[Doc], y: np.ndarray, _u: list[Doc]
) -> Callable[[list[Doc]], list[str]]:
    """Char 1–3-gram TF-IDF of title + body, LinearSVC, labelled data only."""
    pipe = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC()
    )
    pipe.fit([d.title + " " + d.body for d in docs], y)
    return lambda test: [str(p) for p in pipe.predict([d.title + " " + d.body for d in test])]


def product(config: ClassifierConfig) -> Trainer:
    """The product's ``ClassifierModel`` with ``config``."""

    def fit(
        docs: list[Doc], y: np.ndarray, unlabeled: list[Doc]
    ) -> Callable[[list[Doc]], list[str]]:
        model = ClassifierModel.fit(docs, list(y), unlabeled, config)
        return model.predict_labels

    return fit


@cache
def _words(text: str) -> str:
    return " ".join(segment(text))


def _word_block(
    labelled: list[str], everything: list[str]
) -> Callable[[list[str]], sparse.csr_matrix]:
    counts = CountVectorizer(analyzer=str.split, min_df=2, dtype=np.float64).fit(labelled)
    idf = TfidfTransformer(sublinear_tf=True).fit(counts.transform(everything))
    return lambda texts: idf.transform(counts.transform(texts)).tocsr()


def char_plus_words(nb_weight: float) -> Trainer:
    """The product's char blocks (no self-training) plus jieba word blocks for title and body;
    LinearSVC, optionally mixed with Complement NB like the product does."""

    def fit(
        docs: list[Doc], y: np.ndarray, unlabeled: list[Doc]
    ) -> Callable[[list[Doc]], list[str]]:
        cfg = ClassifierConfig(self_training_rounds=0, nb_weight=0.0)
        chars = ClassifierModel.fit(docs, list(y), unlabeled, cfg)
        assert chars._features is not None

        def words(ds: list[Doc]) -> tuple[list[str], list[str]]:
            return (
                [_words(prepare(d.title)) for d in ds],
                [_words(prepare(d.body)[: cfg.max_body_chars]) for d in ds],
            )

        (lt, lb), (ut, ub) = words(docs), words(unlabeled)
        title, body = _word_block(lt, lt + ut), _word_block(lb, lb + ub)

        def x(ds: list[Doc]) -> sparse.csr_matrix:
            t, b = words(ds)
            assert chars._features is not None
            c = chars._features.transform(_Prepared.of(ds, cfg.max_body_chars))
            return sparse.hstack([c, title(t), body(b)]).tocsr()

        xtr = x(docs)
        svm = LinearSVC().fit(xtr, y)
        nb = ComplementNB(alpha=0.1).fit(xtr, y)

        def predict(test: list[Doc]) -> list[str]:
            xt = x(test)
            s = svm.decision_function(xt)
            s = (s - s.mean(1, keepdims=True)) / s.std()
            if nb_weight:
                n = nb.predict_log_proba(xt)
                s = s + nb_weight * (n - n.mean(1, keepdims=True)) / n.std()
            return [str(svm.classes_[i]) for i in s.argmax(1)]

        return predict

    return fit


def nb_alone(
    docs: list[Doc], y: np.ndarray, unlabeled: list[Doc]
) -> Callable[[list[Doc]], list[str]]:
    """Complement NB alone on the product's char blocks."""
    model = ClassifierModel.fit(docs, list(y), unlabeled, ClassifierConfig(self_training_rounds=0))
    assert model._features is not None and model._nb is not None
    features, nb = model._features, model._nb
    return lambda test: [str(p) for p in nb.predict(features.transform(_Prepared.of(test, 1500)))]


SHIPPED = ClassifierConfig()
# Most informative first (a run cut short still answers the main question).
VARIANTS: list[tuple[str, Trainer]] = [
    ("plain char 1–3 SVM, title+body, labelled only (baseline)", plain_baseline),
    ("char blocks, SVM self-trained + CNB mix (shipped)", product(SHIPPED)),
    ("char blocks, SVM + CNB mix", product(ClassifierConfig(self_training_rounds=0))),
    ("char + jieba word blocks, SVM + CNB mix", char_plus_words(0.5)),
    (
        "char blocks (title 1–4, body 1–3), SVM",
        product(ClassifierConfig(self_training_rounds=0, nb_weight=0.0)),
    ),
    ("char + jieba word blocks, SVM", char_plus_words(0.0)),
    ("char blocks, Complement NB alone", nb_alone),
    ("char blocks, SVM self-trained", product(ClassifierConfig(nb_weight=0.0))),
]


# ---- protocol ----------------------------------------------------------------------------


def macro(truth: np.ndarray, predicted: list[str]) -> float:
    return float(f1_score(truth, predicted, average="macro"))


def bootstrap(truth: np.ndarray, predicted: list[str], rounds: int = 1000) -> tuple[float, float]:
    rng = np.random.default_rng(SPLIT_SEED)
    pred = np.asarray(predicted, dtype=object)
    values = []
    for _ in range(rounds):
        idx = rng.integers(0, len(truth), len(truth))
        values.append(macro(truth[idx], list(pred[idx])))
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def repeated_cv(
    trainer: Trainer, docs: list[Doc], y: np.ndarray, unlabeled: list[Doc], repeats: int
) -> list[float]:
    scores = []
    for seed in range(1, repeats + 1):
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(docs, y):
            predict = trainer([docs[i] for i in tr], y[tr], unlabeled)
            scores.append(macro(y[te], predict([docs[i] for i in te])))
    return scores


def corrections(docs: list[Doc], y: np.ndarray, unlabeled: list[Doc], repeats: int) -> None:
    """Before/after retraining with staff corrections, scored on a part nobody trained on."""
    rows: dict[str, list[float]] = {"before": [], "own": [], "corrected": []}
    fixed = []
    for seed in range(1, repeats + 1):
        idx = np.arange(len(y))
        start, rest = train_test_split(idx, train_size=0.4, stratify=y, random_state=seed)
        handled, scored = train_test_split(
            rest, train_size=2 / 3, stratify=y[rest], random_state=seed
        )
        truth = y[scored]
        base = ClassifierModel.fit([docs[i] for i in start], list(y[start]), unlabeled)
        guessed = np.asarray(base.predict_labels([docs[i] for i in handled]), dtype=object)
        fixed.append(float(np.mean(guessed != y[handled])))
        rows["before"].append(macro(truth, base.predict_labels([docs[i] for i in scored])))
        for name, labels in (("own", guessed), ("corrected", y[handled])):
            both = np.concatenate([start, handled])
            model = ClassifierModel.fit(
                [docs[i] for i in both], list(np.concatenate([y[start], labels])), unlabeled
            )
            rows[name].append(macro(truth, model.predict_labels([docs[i] for i in scored])))
    print(
        f"\nStaff corrections (held-out inside the development part; {repeats} seeds; "
        f"start 40 % = {len(start)}, handled 40 % = {len(handled)}, scored 20 % = {len(scored)};"
        f" staff corrected {np.mean(fixed):.1%} of the handled messages)"
    )
    for name, label in (
        ("before", "trained on the start set only"),
        ("own", "retrained with its own predictions for the handled messages (no corrections)"),
        ("corrected", "retrained with the staff-corrected labels (what train_classifier does)"),
    ):
        print(f"  {label:<78} {np.mean(rows[name]):.4f} ± {np.std(rows[name]):.4f}")
    gain = np.asarray(rows["corrected"]) - np.asarray(rows["own"])
    print(
        f"  gain from the corrections themselves (corrected − own), paired: {gain.mean():+.4f} ± {gain.std():.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-variants", action="store_true")
    parser.add_argument("--skip-test", action="store_true")
    parser.add_argument("--skip-corrections", action="store_true")
    args = parser.parse_args()
    docs, labels = read_messages(DATA / "attachment2_train.csv", need_labels=True)
    y = np.asarray(labels, dtype=object)
    unlabeled: list[Doc] = []
    for name in UNLABELED:
        unlabeled += read_messages(DATA / name, need_labels=False)[0]
    dev, test = train_test_split(
        np.arange(len(y)), test_size=0.2, stratify=y, random_state=SPLIT_SEED
    )
    dev_docs, dev_y = [docs[i] for i in dev], y[dev]
    print(
        f"{len(docs)} labelled ({len(dev)} development, {len(test)} test), "
        f"{len(unlabeled)} unlabelled"
    )
    if not args.skip_variants:
        print(
            f"\nVariants: repeated stratified 5-fold CV on the development part "
            f"({args.repeats} split seeds, {5 * args.repeats} folds; cross-validated, macro-F1 mean ± sd)"
        )
        for name, trainer in VARIANTS:
            started = time.perf_counter()
            scores = repeated_cv(trainer, dev_docs, dev_y, unlabeled, args.repeats)
            print(
                f"  {name:<58} {np.mean(scores):.4f} ± {np.std(scores):.4f}"
                f"  ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    if not args.skip_test:
        test_part(docs, y, dev, test, unlabeled)
    if not args.skip_corrections:
        corrections(dev_docs, dev_y, unlabeled, min(args.repeats, 3))


def test_part(
    docs: list[Doc], y: np.ndarray, dev: np.ndarray, test: np.ndarray, unlabeled: list[Doc]
) -> None:
    """The baseline and the shipped model trained on the development part, scored once."""
    dev_docs, dev_y = [docs[i] for i in dev], y[dev]
    print("\nTest part, scored once (held-out; trained on the whole development part):")
    test_docs, test_y = [docs[i] for i in test], y[test]
    for name, trainer in (VARIANTS[0], ("shipped (classify_eval's model)", product(SHIPPED))):
        predicted = trainer(dev_docs, dev_y, unlabeled)(test_docs)
        low, high = bootstrap(test_y, predicted)
        print(
            f"  {name:<58} macro-F1 {macro(test_y, predicted):.4f} (95 % bootstrap {low:.3f}–{high:.3f})"
        )
    model = ClassifierModel.fit(dev_docs, list(dev_y), unlabeled)
    proba = model.predict_proba(test_docs)
    confident = proba.max(axis=1)
    right = np.asarray(model.classes_, dtype=object)[proba.argmax(axis=1)] == test_y
    bins = np.minimum((confident * 10).astype(int), 9)
    ece = sum(
        abs(confident[bins == b].mean() - right[bins == b].mean()) * np.mean(bins == b)
        for b in range(10)
        if np.any(bins == b)
    )
    print(
        f"  shipped confidence: mean {confident.mean():.3f} vs accuracy {right.mean():.3f}; "
        f"expected calibration error {ece:.3f} (10 bins)"
    )


if __name__ == "__main__":
    main()
