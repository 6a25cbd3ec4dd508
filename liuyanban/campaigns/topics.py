"""Topic groups over a campaign's suggestions, so an editor can read 62,000 in minutes.

Words come from the shared Chinese text machinery (``core.text.chinese.content_words``);
documents are TF-IDF vectors clustered with mini-batch k-means, k chosen by size. Each
group is labelled with its c-TF-IDF key terms (terms frequent in the group and rare in
the others) and summarised extractively: the sentences closest to the group centroid.
Near-duplicates come from ``intelligence.dedup.group_similar``. Pure functions first,
then ``store_topics`` which writes the rows.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.utils import timezone
from scipy import sparse
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from liuyanban.core.text.chinese import content_words
from liuyanban.intelligence.dedup import (
    band_keys_array,
    clean,
    group_similar,
    jaccard,
    rows_for,
    signatures,
)

from .models import Campaign, Suggestion, SuggestionStatus, TopicGroup

T = TypeVar("T")
MAX_TOPICS = 40
LSA_DIMENSIONS = 100
REPEAT_JACCARD = 0.4
DUPLICATE_JACCARD = 0.7
# Above this many distinct texts, exact pair checks give way to the linear bucket pass.
EXACT_DUPLICATE_LIMIT = 5_000
LABEL_TERMS = 6
REPRESENTATIVES = 5
SENTENCES = 3
# Sentences are picked from the documents nearest the centroid only: scoring every
# sentence of a 10,000-member group would cost more than the clustering.
SENTENCE_POOL = 30
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n")
_NUMBER = re.compile(r"^[\d.%]+$")
_CHUNK = 900  # below SQLite's bound-parameter limit on old builds


@dataclass(frozen=True)
class Topic:
    """One group of suggestions about the same thing."""

    label_terms: list[str]
    member_ids: list[int]
    representative_ids: list[int]
    sentences: list[str]

    @property
    def size(self) -> int:
        return len(self.member_ids)


def choose_k(n: int) -> int:
    """Number of groups for ``n`` documents: about sqrt(n/2), between 1 and MAX_TOPICS."""
    if n < 4:
        return 1
    return max(2, min(MAX_TOPICS, round(math.sqrt(n / 2))))


def words(text: str) -> list[str]:
    """Topic-bearing words: the shared content words without bare numbers."""
    return [w for w in content_words(text) if not _NUMBER.match(w)]


def sentences_of(text: str) -> list[str]:
    """Sentences of a suggestion that are long enough to stand alone as a summary line."""
    out = []
    for s in _SENTENCE_END.split(text):
        s = s.strip()
        if 8 <= len(s) <= 120:
            out.append(s)
    return out


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _c_tf_idf(
    counts: sparse.csr_matrix, labels: npt.NDArray[np.int_], k: int
) -> npt.NDArray[np.float64]:
    """Class-based TF-IDF: per-group term frequency times log(1 + mean group size / term total)."""
    member = sparse.csr_matrix(
        (np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels))
    )
    per_group = np.asarray((member @ counts).todense(), dtype=np.float64)
    sizes = per_group.sum(axis=1, keepdims=True)
    tf = per_group / np.maximum(sizes, 1)
    totals = per_group.sum(axis=0)
    idf = np.log1p(sizes.mean() / np.maximum(totals, 1))
    result: npt.NDArray[np.float64] = tf * idf
    return result


def _svd(matrix: sparse.csr_matrix, seed: int) -> TruncatedSVD | None:
    """A latent semantic space (LSA) when the vocabulary is large enough to need one.

    k-means on 100 dense dimensions is many times faster than on 30,000 sparse ones, and
    synonyms that co-occur ("小份菜", "半份菜") land close together.
    """
    dims = min(LSA_DIMENSIONS, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if dims < 2:
        return None
    return TruncatedSVD(n_components=dims, random_state=seed).fit(matrix)


@dataclass(frozen=True)
class _Space:
    """Counts → TF-IDF → (LSA) → unit vectors; documents and sentences go through the same steps."""

    vectorizer: CountVectorizer
    tfidf: TfidfTransformer
    svd: TruncatedSVD | None

    def project(self, counts: sparse.csr_matrix) -> npt.NDArray[np.float64]:
        weighted = self.tfidf.transform(counts)
        if self.svd is None:
            return np.asarray(weighted.todense())
        result: npt.NDArray[np.float64] = normalize(self.svd.transform(weighted))
        return result


def find_topics(
    items: Sequence[tuple[int, str]], *, k: int | None = None, seed: int = 0
) -> list[Topic]:
    """Topic groups of ``(id, text)`` items, largest first."""
    if not items:
        return []
    # One BLAS/OpenMP thread: on a busy worker, thread oversubscription made k-means 5x slower.
    with threadpool_limits(1):
        return _find_topics(items, k, seed)


def _find_topics(items: Sequence[tuple[int, str]], k: int | None, seed: int) -> list[Topic]:
    tokens = [words(text) for _, text in items]
    vectorizer = CountVectorizer(
        analyzer=_identity,
        min_df=1 if len(items) < 200 else 2,
        max_df=0.5 if len(items) >= 20 else 1.0,
        max_features=30_000,
    )
    try:
        counts = vectorizer.fit_transform(tokens)
    except ValueError:  # no word survived
        return []
    tfidf = TfidfTransformer(sublinear_tf=True)
    space = _Space(vectorizer, tfidf, _svd(tfidf.fit_transform(counts), seed))
    matrix = space.project(counts)
    k = min(k or choose_k(len(items)), len(items))
    model = MiniBatchKMeans(
        n_clusters=k, random_state=seed, batch_size=4096, n_init=3, max_no_improvement=20
    )
    labels = model.fit_predict(matrix)
    centers = normalize(model.cluster_centers_)
    terms = vectorizer.get_feature_names_out()
    weights = _c_tf_idf(counts, labels, k)
    topics = []
    for group in range(k):
        rows = np.flatnonzero(labels == group)
        if rows.size == 0:
            continue
        closeness = matrix[rows] @ centers[group]
        nearest = rows[np.argsort(-closeness)]
        top_terms = _label(terms, weights[group])
        topics.append(
            Topic(
                label_terms=top_terms,
                member_ids=[items[i][0] for i in rows.tolist()],
                representative_ids=[items[i][0] for i in nearest[:REPRESENTATIVES].tolist()],
                sentences=_representative_sentences(
                    [items[i][1] for i in nearest[:SENTENCE_POOL].tolist()], space, centers[group]
                ),
            )
        )
    return sorted(topics, key=lambda t: -t.size)


def _label(terms: npt.NDArray[np.str_], weights: npt.NDArray[np.float64]) -> list[str]:
    """The group's top c-TF-IDF terms; single characters ("份", "全") only when nothing else."""
    ranked = [str(terms[i]) for i in np.argsort(-weights)[: LABEL_TERMS * 4] if weights[i] > 0]
    words_ = [t for t in ranked if len(t) > 1]
    return (words_ or ranked)[:LABEL_TERMS]


def _representative_sentences(
    texts: list[str], space: _Space, center: npt.NDArray[np.float64]
) -> list[str]:
    """The distinct sentences nearest the centroid (extractive summary)."""
    candidates = list(dict.fromkeys(s for text in texts for s in sentences_of(text)))
    if not candidates:
        return [t[:120] for t in texts[:SENTENCES]]
    vectors = space.project(space.vectorizer.transform([words(s) for s in candidates]))
    scores = vectors @ center
    chosen: list[str] = []
    for i in np.argsort(-scores):
        sentence = candidates[i]
        # Skip sentences that only repeat a chosen one with another place name.
        if any(jaccard(sentence, c) >= REPEAT_JACCARD for c in chosen):
            continue
        chosen.append(sentence)
        if len(chosen) == SENTENCES:
            break
    return chosen


def near_duplicates(
    items: Sequence[tuple[int, str]], threshold: float = DUPLICATE_JACCARD
) -> list[list[int]]:
    """Groups of near-identical suggestions (copies, or the same text with small edits).

    Exact copies are collapsed first, so a text sent 500 times costs one LSH query, not
    500 x 500 comparisons; ``dedup.group_similar`` then links the distinct texts.
    """
    copies: dict[str, list[int]] = {}
    for id_, text in items:
        copies.setdefault(clean(text), []).append(id_)
    distinct = [(ids[0], text) for text, ids in copies.items() if text]
    members = {ids[0]: ids for ids in copies.values()}
    if len(distinct) <= EXACT_DUPLICATE_LIMIT:
        similar = group_similar(distinct, threshold) if distinct else []
    else:
        similar = _bucket_groups(distinct, threshold)
    linked = {i for group in similar for i in group}
    groups = [[m for i in group for m in members[i]] for group in similar]
    groups += [ids for ids in copies.values() if len(ids) > 1 and ids[0] not in linked]
    return sorted(groups, key=lambda g: -len(g))


def _bucket_groups(items: Sequence[tuple[int, str]], threshold: float) -> list[list[int]]:
    """Near-duplicate groups in linear time: stars around a root text, found through LSH buckets.

    ``group_similar`` checks every candidate pair exactly and links transitively, which is
    quadratic (and chains into giant groups) when thousands of suggestions share wording.
    Here, band by band, each bucket member joins its bucket leader's group when it is close
    (MinHash estimate) to that group's root, so every member resembles the root itself.
    """
    sigs = signatures([text for _, text in items])
    keys = band_keys_array(sigs, rows_for(threshold))
    root = np.arange(len(items))
    joined = np.zeros(len(items), dtype=bool)
    has_members = np.zeros(len(items), dtype=bool)
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        leaders = order[np.repeat(starts, np.diff(np.r_[starts, len(order)]))]
        roots, followers = root[leaders], order
        free = (roots != followers) & ~joined[followers] & ~has_members[followers]
        roots, followers = roots[free], followers[free]
        close = (sigs[roots] == sigs[followers]).mean(axis=1) >= threshold
        root[followers[close]] = roots[close]
        joined[followers[close]] = True
        has_members[roots[close]] = True
    groups: dict[int, list[int]] = {}
    for i, (id_, _text) in enumerate(items):
        groups.setdefault(int(root[i]), []).append(id_)
    return [g for g in groups.values() if len(g) > 1]


def suggestion_text(s: Suggestion) -> str:
    """The public words of a suggestion, as topic grouping reads them."""
    answers = "。".join(str(v) for v in (s.public_answers or {}).values())
    return f"{s.public_title}。{s.public_body}。{answers}".strip("。")


def _public_items(campaign: Campaign) -> list[tuple[int, str]]:
    # Only published suggestions: the groups and their sentences appear on the public results page.
    rows = Suggestion.objects.filter(campaign=campaign, status=SuggestionStatus.PUBLISHED).only(
        "id", "public_title", "public_body", "public_answers"
    )
    return [(s.pk, suggestion_text(s)) for s in rows.iterator(chunk_size=5000)]


def _assign(ids: list[int], **values: object) -> None:
    for start in range(0, len(ids), _CHUNK):
        Suggestion.objects.filter(pk__in=ids[start : start + _CHUNK]).update(**values)


def store_topics(campaign: Campaign, timings: dict[str, float] | None = None) -> int:
    """Replace the campaign's topic groups and near-duplicate marks; return the group count.

    ``timings`` (if given) receives the seconds spent reading, clustering, finding
    near-duplicates and writing, for the benchmark.
    """
    clock = _Clock(timings if timings is not None else {})
    items = clock.lap("read", _public_items, campaign)
    topics = clock.lap("cluster", find_topics, items)
    duplicates = clock.lap("duplicates", near_duplicates, items)
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        Suggestion.objects.filter(campaign=campaign).exclude(similar_group=None).update(
            similar_group=None
        )
        TopicGroup.objects.filter(campaign=campaign).delete()
        for rank, topic in enumerate(topics):
            group = TopicGroup.objects.create(
                campaign=campaign,
                rank=rank,
                label_terms=topic.label_terms,
                size=topic.size,
                representative_ids=topic.representative_ids,
                sentences=topic.sentences,
                computed_at=now,
            )
            _assign(topic.member_ids, topic=group)
        _mark_similar([(m, min(g)) for g in duplicates for m in g])
    clock.timings["write"] = time.perf_counter() - started
    return len(topics)


def _mark_similar(marks: list[tuple[int, int]]) -> None:
    """Set ``similar_group`` from (id, group) pairs, a few hundred rows per statement.

    A campaign has thousands of small groups: one UPDATE per group, or Django's CASE-based
    ``bulk_update``, took 20+ s for 43,000 rows; UPDATE … FROM (VALUES …) joins on the
    primary key (PostgreSQL, and SQLite since 3.33).
    """
    table = connection.ops.quote_name(Suggestion._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(marks), _CHUNK // 2):
            batch = marks[start : start + _CHUNK // 2]
            values = ", ".join(["(%s, %s)"] * len(batch))
            cursor.execute(
                f"UPDATE {table} SET similar_group = v.column2 "
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                [x for pair in batch for x in pair],
            )


@dataclass
class _Clock:
    timings: dict[str, float]

    def lap(self, name: str, fn: Callable[..., T], *args: Any) -> T:
        started = time.perf_counter()
        result = fn(*args)
        self.timings[name] = time.perf_counter() - started
        return result
