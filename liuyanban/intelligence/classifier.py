"""Domain classifier for incoming messages (一级分类: 城乡建设, 交通运输 …).

Pure Python on top of scikit-learn; it needs no database, so the wiring to Django
models lives elsewhere and unit tests can use a fake.

Method (see ``docs/classifier.md`` for the measurements behind each choice):

* Text is normalised (``text.normalize``) and anonymised place codes and digits are
  masked ("A3区" → "X区", "2019" → "0"), so the model learns "区" rather than one district.
* Title and body are vectorised separately with character n-gram TF-IDF (1–4-grams
  for the short title, 1–3 for the body): a word in the title says more than the same
  word in a long body, and characters need no segmenter for the many domain compounds
  jieba does not know.
* A third block holds jieba words (default mode, no HMM) of title + body, TF-IDF the
  same way (version 4): whole words next to the character n-grams, which still cover the
  compounds jieba does not know.
* The vocabulary comes from the labelled messages only (n-grams or words seen in at least
  two of them: a strong regulariser with < 1,000 labels) plus every n-gram and word of
  the operator's taxonomy names, but the IDF weights come from every text including the
  unlabelled ones, which estimates them far better.
* The operator's taxonomy, when given, adds one labelled pseudo-document per leaf name
  below each label ("安全生产 事故处理" → 城乡建设) to every SVM fit and to the NB below
  (``taxonomy_docs``; the names come from the platform's domains, never from a file here).
* A linear SVM is trained, then refined by class-balanced self-training: the most
  confidently predicted unlabelled messages of each class (in proportion to the
  labelled class shares, so the big classes do not swallow the small ones) are added
  with a lower weight, over a few rounds.
* A Complement Naive Bayes on the same features (labelled messages and taxonomy
  documents, no pseudo-labels) is mixed
  into the SVM scores: both are centred per message and the NB log-probabilities are
  rescaled to the SVM's spread (a scale fixed at training time), then added with a
  weight. NB is strong with few labels and errs differently from the SVM.
* Confidence is a softmax over the mixed scores with one temperature fitted on
  out-of-fold scores of the labelled set, so it behaves like a probability.
"""

from __future__ import annotations

import pickle
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from liuyanban.core.text.chinese import normalize, segment

MODEL_VERSION = "char-word-tfidf-svm-selftrain-cnb-taxonomy/4"
# Files of these versions predict with the same code (version 2 had no taxonomy documents,
# which only matter in training; versions 2 and 3 have no word block, see ``_Features``).
_LOADABLE_VERSIONS = frozenset(
    {MODEL_VERSION, "char-tfidf-svm-selftrain-cnb-taxonomy/3", "char-tfidf-svm-selftrain-cnb/2"}
)

# Names that say nothing about their branch of a taxonomy.
_GENERIC_NAMES = frozenset({"其他", "其它", "其他问题"})

# Anonymised place codes in the source ("A市", "A3区", "B2县") and any digit run.
_PLACE_CODE = re.compile(r"[A-Za-z]\d*(?=[省市区县镇乡村])")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Doc:
    """One message as the classifier sees it: its subject line and its text."""

    title: str
    body: str


@dataclass(frozen=True)
class Prediction:
    """A predicted label and its calibrated probability."""

    label: str
    confidence: float


@dataclass(frozen=True)
class ClassifierConfig:
    """Hyper-parameters. Most defaults were picked by cross-validation on the whole labelled
    file (optimistic); ``bench/classify_cv.py`` re-checks them against the alternatives on a
    development part only and scores them once on a test part (docs/classifier.md)."""

    ngram_max: int = 3
    title_ngram_max: int = 4
    min_df: int = 2
    title_weight: float = 1.0
    svm_c: float = 1.0
    self_training_rounds: int = 3
    # Share of the unlabelled messages pseudo-labelled by the last round.
    self_training_fraction: float = 0.3
    pseudo_label_weight: float = 0.5
    # Long bodies are cut: the first part carries the topic and it bounds latency.
    max_body_chars: int = 1500
    # Complement Naive Bayes mixed into the SVM scores (weight 0 turns it off).
    nb_alpha: float = 0.1
    nb_weight: float = 0.5
    calibration_folds: int = 5
    seed: int = 0
    # Taxonomy pseudo-documents (one per leaf name below a label, see ``taxonomy_docs``):
    # their sample weight in the SVM fits (0 keeps them out of the SVM) and whether the
    # Complement NB learns from them. Used only when ``fit`` is given a taxonomy.
    taxonomy_svm_weight: float = 1.0
    taxonomy_in_nb: bool = True
    # Admit every n-gram (and word) of the taxonomy's names, all branches, to the vocabulary.
    taxonomy_in_vocabulary: bool = True
    # Weight of a third feature block, jieba words (default mode, no HMM) of title + body
    # (0 leaves it out: versions 2 and 3). Version 4 = this block + the two taxonomy options
    # above, the round-5 candidate that passed the rule of bench/classify_cv.py with the
    # largest gain (docs/classifier.md, round 5).
    word_block_weight: float = 1.0
    # A second Complement NB on the same jieba words, mixed into the scores like the
    # character NB (0 turns it off). Round 5 candidate ``tvs1_wordnb``, not adopted (a
    # smaller gain than the word block); reachable from code only.
    word_nb_weight: float = 0.0


def prepare(text: str) -> str:
    """Normalised text with place codes and digits masked (the classifier's input form)."""
    return _DIGITS.sub("0", _PLACE_CODE.sub("X", normalize(text)))


def word_text(title: str, body: str) -> str:
    """Space-joined jieba words (default mode, no HMM) of a prepared title and body; tokens
    without a letter, digit or CJK character are dropped."""
    return " ".join(
        w for w in segment(title + "\n" + body, hmm=False) if any(ch.isalnum() for ch in w)
    )


@dataclass
class _Prepared:
    """Prepared titles and bodies of a batch of documents (their words segmented once, when
    first asked for)."""

    titles: list[str]
    bodies: list[str]
    _words: list[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, docs: Sequence[Doc], max_body_chars: int) -> _Prepared:
        return cls(
            titles=[prepare(d.title) for d in docs],
            bodies=[prepare(d.body)[:max_body_chars] for d in docs],
        )

    def take(self, idx: Sequence[int] | np.ndarray) -> _Prepared:
        words = None if self._words is None else [self._words[i] for i in idx]
        return _Prepared([self.titles[i] for i in idx], [self.bodies[i] for i in idx], words)

    def __add__(self, other: _Prepared) -> _Prepared:
        words = None if self._words is None or other._words is None else self._words + other._words
        return _Prepared(self.titles + other.titles, self.bodies + other.bodies, words)

    def __len__(self) -> int:
        return len(self.titles)

    def words(self) -> list[str]:
        if self._words is None:
            self._words = [word_text(t, b) for t, b in zip(self.titles, self.bodies, strict=True)]
        return self._words


class _FieldVectorizer:
    """Character n-gram TF-IDF for one field: vocabulary from labelled, IDF from all text."""

    def __init__(self, ngram_max: int, min_df: int) -> None:
        self.counts = CountVectorizer(
            analyzer="char", ngram_range=(1, ngram_max), min_df=min_df, dtype=np.float64
        )
        self.tfidf = TfidfTransformer(sublinear_tf=True)

    def fit(
        self, labelled: list[str], all_texts: list[str], vocabulary_extra: Sequence[str] = ()
    ) -> _FieldVectorizer:
        """``vocabulary_extra`` (the taxonomy's names) adds every one of its n-grams to the
        vocabulary, however rare in the labelled messages."""
        self.counts.fit(labelled)
        if vocabulary_extra:
            extra = CountVectorizer(analyzer="char", ngram_range=self.counts.ngram_range)
            merged = set(self.counts.vocabulary_) | set(extra.fit(vocabulary_extra).vocabulary_)
            self.counts = CountVectorizer(
                analyzer="char",
                ngram_range=self.counts.ngram_range,
                vocabulary=sorted(merged),
                dtype=np.float64,
            ).fit(labelled)
        self.tfidf.fit(self.counts.transform(all_texts))
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return self.tfidf.transform(self.counts.transform(texts)).tocsr()


class _WordVectorizer:
    """Word TF-IDF of title + body: vocabulary from labelled (plus the taxonomy's words when
    asked), IDF from all text, sublinear tf, l2."""

    def __init__(self, min_df: int) -> None:
        self.min_df = min_df
        self.counts = self._counter(min_df=min_df)
        self.tfidf = TfidfTransformer(sublinear_tf=True)

    @staticmethod
    def _counter(**kwargs: Any) -> CountVectorizer:
        return CountVectorizer(
            tokenizer=str.split, token_pattern=None, lowercase=False, dtype=np.float64, **kwargs
        )

    def fit(
        self, labelled: list[str], all_texts: list[str], vocabulary_extra: Sequence[str] = ()
    ) -> _WordVectorizer:
        try:
            self.counts.fit(labelled)
        except ValueError:  # no word in min_df messages (a tiny training set): an empty block
            self.counts = self._counter(vocabulary=["\x00"]).fit(labelled)
        if vocabulary_extra:
            merged = set(self.counts.vocabulary_) | set(
                self._counter().fit(vocabulary_extra).vocabulary_
            )
            self.counts = self._counter(vocabulary=sorted(merged)).fit(labelled)
        self.tfidf.fit(self.counts.transform(all_texts))
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return self.tfidf.transform(self.counts.transform(texts)).tocsr()


class _Features:
    """Title and body vectorisers side by side, the title block scaled by its weight."""

    def __init__(self, config: ClassifierConfig) -> None:
        self.config = config
        self.title = _FieldVectorizer(config.title_ngram_max, config.min_df)
        self.body = _FieldVectorizer(config.ngram_max, config.min_df)
        self.words = _WordVectorizer(config.min_df) if config.word_block_weight else None

    def fit(
        self, labelled: _Prepared, everything: _Prepared, vocabulary_extra: _Prepared | None = None
    ) -> _Features:
        extra = vocabulary_extra or _Prepared([], [])
        self.title.fit(labelled.titles, everything.titles, extra.titles)
        self.body.fit(labelled.bodies, everything.bodies, extra.bodies)
        if self.words is not None:
            self.words.fit(labelled.words(), everything.words(), extra.words())
        return self

    def transform(self, docs: _Prepared) -> sparse.csr_matrix:
        title = self.title.transform(docs.titles) * self.config.title_weight
        blocks = [title, self.body.transform(docs.bodies)]
        # getattr: version 2 and 3 files were pickled before the word block existed.
        words = getattr(self, "words", None)
        if words is not None:
            blocks.append(words.transform(docs.words()) * self.config.word_block_weight)
        return sparse.hstack(blocks).tocsr()


def _fit_svm(
    rows: tuple[sparse.csr_matrix, np.ndarray, np.ndarray | None], config: ClassifierConfig
) -> LinearSVC:
    """A LinearSVC on (features, labels, sample weights or None)."""
    x, y, weights = rows
    svm = LinearSVC(C=config.svm_c, random_state=config.seed)
    svm.fit(x, y, sample_weight=weights)
    return svm


def _scores(svm: LinearSVC, x: sparse.csr_matrix) -> np.ndarray:
    """Decision scores as an (n, classes) array, also for a two-class model."""
    s = np.asarray(svm.decision_function(x))
    return np.column_stack([-s, s]) if s.ndim == 1 else s


def _centred(scores: np.ndarray) -> np.ndarray:
    return np.asarray(scores - scores.mean(axis=1, keepdims=True))


def _nb_scale(svm_scores: np.ndarray, nb_log_proba: np.ndarray) -> float:
    """Factor that gives the centred NB log-probabilities the spread of the centred SVM scores."""
    spread = float(_centred(nb_log_proba).std())
    return float(_centred(svm_scores).std()) / spread if spread > 0 else 0.0


def _mix(
    svm_scores: np.ndarray, nb_log_proba: np.ndarray | None, scale: float, weight: float
) -> np.ndarray:
    """SVM scores plus ``weight`` × rescaled NB log-probabilities, both centred per row."""
    if nb_log_proba is None or weight == 0:
        return svm_scores
    return _centred(svm_scores) + weight * scale * _centred(nb_log_proba)


def _fit_nb(x: sparse.csr_matrix, y: np.ndarray, config: ClassifierConfig) -> ComplementNB | None:
    if config.nb_weight == 0:
        return None
    return ComplementNB(alpha=config.nb_alpha).fit(x, y)


def _nb_log_proba(nb: ComplementNB | None, x: sparse.csr_matrix) -> np.ndarray | None:
    return None if nb is None else np.asarray(nb.predict_log_proba(x))


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _pick_pseudo_labels(
    scores: np.ndarray, classes: np.ndarray, priors: np.ndarray, budget: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and labels of the most confident unlabelled rows, ``budget`` split by class prior.

    Confidence is the margin between the best and second-best class score; choosing per
    class keeps the pseudo-labelled set as balanced as the labelled one.
    """
    ordered = np.sort(scores, axis=1)
    margin = ordered[:, -1] - ordered[:, -2]
    predicted = scores.argmax(axis=1)
    chosen: list[np.ndarray] = []
    for ci in range(len(classes)):
        candidates = np.flatnonzero(predicted == ci)
        quota = int(budget * priors[ci])
        chosen.append(candidates[np.argsort(-margin[candidates], kind="stable")][:quota])
    idx = np.concatenate(chosen) if chosen else np.array([], dtype=int)
    return idx, classes[predicted[idx]]


TaxonomyPaths = Mapping[str, Sequence[Sequence[str]]]


def taxonomy_docs(taxonomy: TaxonomyPaths, labels: Sequence[str]) -> tuple[list[Doc], list[str]]:
    """One labelled pseudo-document per leaf of the taxonomy below each of ``labels``.

    ``taxonomy`` maps a label to the name paths of its leaves (second level down, e.g.
    ``("安全生产", "事故处理")``). The document's title is the leaf's name (its parent's
    when the leaf is a generic "其他") and its body the path's informative names, so
    "事故处理" teaches the model 城乡建设 with the weight of a title. Labels absent from ``labels`` are
    ignored: the model cannot predict them.
    """
    docs: list[Doc] = []
    doc_labels: list[str] = []
    wanted = set(labels)
    for label, paths in taxonomy.items():
        if label not in wanted:
            continue
        for path in paths:
            names = [n.strip() for n in path if n and n.strip()]
            informative = list(dict.fromkeys(n for n in names if n not in _GENERIC_NAMES))
            if not informative:
                continue
            docs.append(Doc(informative[-1], " ".join(informative)))
            doc_labels.append(label)
    return docs, doc_labels


@dataclass(frozen=True)
class _Extra:
    """Rows added to every SVM fit (taxonomy pseudo-documents) and to the NB's."""

    x: sparse.csr_matrix
    y: np.ndarray
    svm_weight: float
    in_nb: bool

    def svm_rows(
        self, x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray | None
    ) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray | None]:
        if self.svm_weight <= 0 or not len(self.y):
            return x, y, w
        base = np.ones(len(y)) if w is None else w
        return (
            sparse.vstack([x, self.x]).tocsr(),
            np.concatenate([y, self.y]),
            np.concatenate([base, np.full(len(self.y), self.svm_weight)]),
        )

    def nb_rows(self, x: sparse.csr_matrix, y: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
        if not self.in_nb or not len(self.y):
            return x, y
        return sparse.vstack([x, self.x]).tocsr(), np.concatenate([y, self.y])


@dataclass
class ClassifierModel:
    """A trained domain classifier: ``fit`` it, then ``predict``/``predict_proba``; ``save``/``load``."""

    config: ClassifierConfig = field(default_factory=ClassifierConfig)
    version: str = MODEL_VERSION
    metrics: dict[str, Any] = field(default_factory=dict)
    classes_: list[str] = field(default_factory=list)
    temperature: float = 1.0
    nb_scale: float = 0.0
    word_nb_scale: float = 0.0
    _features: _Features | None = None
    _svm: LinearSVC | None = None
    _nb: ComplementNB | None = None
    _words: _WordVectorizer | None = None
    _word_nb: ComplementNB | None = None

    # ---- training -------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        docs: Sequence[Doc],
        labels: Sequence[str],
        unlabeled_docs: Sequence[Doc] = (),
        config: ClassifierConfig | None = None,
        taxonomy: TaxonomyPaths | None = None,
    ) -> ClassifierModel:
        """Train on labelled ``docs`` (plus unlabelled text for IDF and self-training, and
        the names of the operator's taxonomy below each label as pseudo-documents)."""
        if len(docs) != len(labels):
            raise ValueError(f"{len(docs)} documents but {len(labels)} labels")
        if len(set(labels)) < 2:
            raise ValueError("need at least two different labels to train a classifier")
        model = cls(config=config or ClassifierConfig())
        started = time.perf_counter()
        tax_docs, tax_labels = taxonomy_docs(taxonomy or {}, labels)
        # The vocabulary option admits the n-grams of every branch's names, also those of
        # labels without training messages (what bench/classify_cv.py measured).
        vocab_docs = (
            taxonomy_docs(taxonomy or {}, list(taxonomy or {}))[0]
            if model.config.taxonomy_in_vocabulary
            else []
        )
        model._train(
            docs, np.asarray(labels, dtype=object), unlabeled_docs, tax_docs, tax_labels, vocab_docs
        )
        model.metrics.update(
            n_train=len(docs),
            n_unlabeled=len(unlabeled_docs),
            n_taxonomy_docs=len(tax_docs),
            train_seconds=round(time.perf_counter() - started, 3),
        )
        return model

    def _train(
        self,
        docs: Sequence[Doc],
        y: np.ndarray,
        unlabeled_docs: Sequence[Doc],
        tax_docs: Sequence[Doc],
        tax_labels: Sequence[str],
        vocab_docs: Sequence[Doc] = (),
    ) -> None:
        cfg = self.config
        labelled = _Prepared.of(docs, cfg.max_body_chars)
        unlabeled = _Prepared.of(unlabeled_docs, cfg.max_body_chars)
        tax = _Prepared.of(tax_docs, cfg.max_body_chars)
        vocab = _Prepared.of(vocab_docs, cfg.max_body_chars) if vocab_docs else None
        if cfg.word_block_weight or cfg.word_nb_weight:
            labelled.words(), unlabeled.words()  # segment once, shared by every use below
        self._features = _Features(cfg).fit(labelled, labelled + unlabeled, vocab)
        x = self._features.transform(labelled)
        x_tax = self._features.transform(tax) if tax_docs else sparse.csr_matrix((0, x.shape[1]))
        extra = _Extra(
            x_tax,
            np.asarray(tax_labels, dtype=object),
            cfg.taxonomy_svm_weight,
            cfg.taxonomy_in_nb,
        )
        words: tuple[sparse.csr_matrix, _Extra, sparse.csr_matrix | None] | None = None
        if cfg.word_nb_weight:
            lw, uw = labelled.words(), unlabeled.words()
            self._words = _WordVectorizer(cfg.min_df).fit(
                lw, lw + uw, vocab.words() if vocab is not None else ()
            )
            wx = self._words.transform(lw)
            w_tax = (
                self._words.transform(tax.words())
                if tax_docs
                else sparse.csr_matrix((0, wx.shape[1]))
            )
            w_extra = _Extra(w_tax, extra.y, 0.0, cfg.taxonomy_in_nb)
            words = (wx, w_extra, self._words.transform(uw) if uw else None)
        svm = _fit_svm(extra.svm_rows(x, y, None), cfg)
        self.temperature = self._fit_temperature(x, y, extra, None if words is None else words[:2])
        xu = self._features.transform(unlabeled) if len(unlabeled) else None
        if xu is not None and cfg.self_training_rounds > 0:
            svm = self._self_train(svm, x, y, xu, extra)
        self._svm = svm
        x_all = x if xu is None else sparse.vstack([x, xu]).tocsr()
        self._nb = _fit_nb(*extra.nb_rows(x, y), cfg)
        if self._nb is not None:
            log_proba = _nb_log_proba(self._nb, x_all)
            assert log_proba is not None
            self.nb_scale = _nb_scale(_scores(svm, x_all), log_proba)
        if words is not None:
            wx, w_extra, wu = words
            self._word_nb = ComplementNB(alpha=cfg.nb_alpha).fit(*w_extra.nb_rows(wx, y))
            w_all = wx if wu is None else sparse.vstack([wx, wu]).tocsr()
            self.word_nb_scale = _nb_scale(
                _scores(svm, x_all), np.asarray(self._word_nb.predict_log_proba(w_all))
            )
        self.classes_ = [str(c) for c in svm.classes_]

    def _self_train(
        self,
        svm: LinearSVC,
        x: sparse.csr_matrix,
        y: np.ndarray,
        xu: sparse.csr_matrix,
        extra: _Extra,
    ) -> LinearSVC:
        """Grow the training set with confident pseudo-labels over a few rounds."""
        cfg = self.config
        classes = svm.classes_
        priors = np.array([np.mean(y == c) for c in classes])
        for round_no in range(1, cfg.self_training_rounds + 1):
            budget = int(
                cfg.self_training_fraction * round_no / cfg.self_training_rounds * xu.shape[0]
            )
            idx, pseudo = _pick_pseudo_labels(_scores(svm, xu), classes, priors, budget)
            weights = np.concatenate([np.ones(len(y)), np.full(len(idx), cfg.pseudo_label_weight)])
            rows = extra.svm_rows(
                sparse.vstack([x, xu[idx]]).tocsr(), np.concatenate([y, pseudo]), weights
            )
            svm = _fit_svm(rows, cfg)
            self.metrics["n_pseudo_labelled"] = len(idx)
        return svm

    def _fit_temperature(
        self,
        x: sparse.csr_matrix,
        y: np.ndarray,
        extra: _Extra,
        words: tuple[sparse.csr_matrix, _Extra] | None = None,
    ) -> float:
        """One softmax temperature minimising log-loss on out-of-fold mixed scores."""
        cfg = self.config
        folds = min(cfg.calibration_folds, int(min(np.unique(y, return_counts=True)[1])))
        if folds < 2:
            return 1.0
        classes = np.unique(y)
        oof = np.zeros((len(y), len(classes)))
        oof_nb = np.zeros((len(y), len(classes)))
        oof_words = np.zeros((len(y), len(classes)))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=cfg.seed)
        for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
            svm = _fit_svm(extra.svm_rows(x[train_idx], y[train_idx], None), cfg)
            cols = np.searchsorted(classes, svm.classes_)
            oof[np.ix_(test_idx, cols)] = _scores(svm, x[test_idx])
            nb = _fit_nb(*extra.nb_rows(x[train_idx], y[train_idx]), cfg)
            log_proba = _nb_log_proba(nb, x[test_idx])
            if log_proba is not None:
                oof_nb[np.ix_(test_idx, cols)] = log_proba
            if words is not None:
                wx, w_extra = words
                word_nb = ComplementNB(alpha=cfg.nb_alpha).fit(
                    *w_extra.nb_rows(wx[train_idx], y[train_idx])
                )
                oof_words[np.ix_(test_idx, cols)] = word_nb.predict_log_proba(wx[test_idx])
        svm_oof = oof
        if cfg.nb_weight:
            oof = _mix(oof, oof_nb, _nb_scale(svm_oof, oof_nb), cfg.nb_weight)
        if words is not None:
            oof = _centred(oof) + cfg.word_nb_weight * _nb_scale(svm_oof, oof_words) * _centred(
                oof_words
            )
        truth = np.searchsorted(classes, y)

        def log_loss(log_t: float) -> float:
            p = _softmax(oof, float(np.exp(log_t)))[np.arange(len(y)), truth]
            return float(-np.mean(np.log(np.clip(p, 1e-12, 1.0))))

        best = minimize_scalar(log_loss, bounds=(-5.0, 3.0), method="bounded")
        return float(np.exp(best.x))

    # ---- prediction -----------------------------------------------------------------

    def _require_fitted(self) -> tuple[_Features, LinearSVC]:
        if self._features is None or self._svm is None:
            raise RuntimeError("the classifier is not trained; call ClassifierModel.fit first")
        return self._features, self._svm

    def decision_function(self, docs: Sequence[Doc]) -> np.ndarray:
        """Mixed SVM + NB scores (uncalibrated), one column per entry of ``classes_``."""
        features, svm = self._require_fitted()
        prepared = _Prepared.of(docs, self.config.max_body_chars)
        x = features.transform(prepared)
        scores = _mix(
            _scores(svm, x), _nb_log_proba(self._nb, x), self.nb_scale, self.config.nb_weight
        )
        # getattr: files of earlier versions were pickled before the word NB existed.
        word_nb = getattr(self, "_word_nb", None)
        words = getattr(self, "_words", None)
        if word_nb is not None and words is not None:
            log_proba = np.asarray(word_nb.predict_log_proba(words.transform(prepared.words())))
            scores = _centred(scores) + self.config.word_nb_weight * self.word_nb_scale * _centred(
                log_proba
            )
        return scores

    def predict_proba(self, docs: Sequence[Doc]) -> np.ndarray:
        """Calibrated class probabilities, one column per entry of ``classes_``."""
        return _softmax(self.decision_function(docs), self.temperature)

    def predict(self, docs: Sequence[Doc]) -> list[Prediction]:
        """The most probable label of each document with its probability."""
        if not docs:
            return []
        proba = self.predict_proba(docs)
        best = proba.argmax(axis=1)
        return [Prediction(self.classes_[b], float(proba[i, b])) for i, b in enumerate(best)]

    def predict_labels(self, docs: Sequence[Doc]) -> list[str]:
        """Just the predicted labels."""
        return [p.label for p in self.predict(docs)]

    # ---- persistence ----------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Pickle the model (scikit-learn objects included) with its version and metrics."""
        self._require_fitted()
        payload = {"version": self.version, "config": asdict(self.config), "model": self}
        Path(path).write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))

    @classmethod
    def load(cls, path: str | Path) -> ClassifierModel:
        """Load a model written by ``save``; refuses files of another model version.

        Only load files this platform wrote: pickle runs code from the file.
        """
        payload = pickle.loads(Path(path).read_bytes())
        if not isinstance(payload, dict) or payload.get("version") not in _LOADABLE_VERSIONS:
            found = payload.get("version") if isinstance(payload, dict) else None
            raise ValueError(f"model file version {found!r}, expected {MODEL_VERSION!r}")
        model = payload["model"]
        if not isinstance(model, cls):
            raise ValueError("model file does not hold a ClassifierModel")
        return model


def train(
    texts_title: Sequence[str],
    texts_body: Sequence[str],
    labels: Sequence[str],
    unlabeled: Sequence[tuple[str, str]] = (),
    config: ClassifierConfig | None = None,
    taxonomy: TaxonomyPaths | None = None,
) -> ClassifierModel:
    """Convenience wrapper: train from parallel title/body lists and (title, body) pairs."""
    if len(texts_title) != len(texts_body):
        raise ValueError("titles and bodies differ in length")
    docs = [Doc(t, b) for t, b in zip(texts_title, texts_body, strict=True)]
    return ClassifierModel.fit(docs, labels, [Doc(t, b) for t, b in unlabeled], config, taxonomy)
