"""Near-duplicate lookup for Chinese messages: MinHash signatures and a banded LSH index.

Pure Python + numpy, no Django models, so the moderation queue, the submission form and
campaign suggestion grouping can all use it (see ``docs/duplicates.md``).

* A text becomes a set of character 3-grams ("shingles") over its CJK characters, letters
  and digits after :func:`~liuyanban.core.text.chinese.normalize`. Character shingles need no
  word segmentation (jieba costs ~1.6 ms per message) and are robust to a few edited words.
* The set becomes a MinHash signature of ``NUM_PERM`` 32-bit values. The hash functions come
  from a fixed seed and a fixed mixing function, never Python's randomised ``hash()``, so a
  signature stored in a database column today still matches one computed next year.
* The signature is cut into bands of ``rows`` values; each band hashes to one signed 64-bit
  *band key*.
  Two texts sharing any band key are candidates; candidates are ranked by the share of equal
  MinHash values, an unbiased estimate of their Jaccard similarity.

:class:`LSHIndex` keeps a large immutable base (numpy arrays sorted by band key, searched with
``searchsorted``) plus a small mutable overlay for ``add``/``remove``; ``compact()`` folds the
overlay into the base. The same band keys can live in an indexed SQL table instead.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

NUM_PERM = 64
SHINGLE = 3
# 21 bands of 3 values: pairs at Jaccard 0.5 become candidates with p = 0.94, at 0.3 with
# p = 0.44, unrelated messages (J ≈ 0.02) with p ≈ 2e-4 (see candidate_probability).
DEFAULT_ROWS = 3
DEFAULT_THRESHOLD = 0.5
# Queries rank by the MinHash *estimate* (standard error ≈ 0.06 at 0.5), so they keep hits
# down to 0.4: at 4.2 M this finds 98 % instead of 82 % of pairs whose exact Jaccard is
# 0.5-0.6, for 0.5 more hits per query (bench/dedup_bench.py). Check `jaccard` for a hard cut.
QUERY_FLOOR = 0.4
# Bump when the shingling, seed or hash functions change: stored signatures become invalid.
SCHEME_VERSION = 1
_SEED = 20200405

Signature = npt.NDArray[np.uint32]
EMPTY_VALUE = np.uint32(0xFFFFFFFF)

# Punctuation, spaces and symbols carry no meaning for "is this the same complaint",
# and re-submitted messages often differ only there.
_DROP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HEADER = struct.Struct("<BH")

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix64(z: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """SplitMix64 finaliser: a fixed, well-spread 64-bit mixing (unsigned wrap-around intended)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _permutations(num_perm: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Multiply-shift hash parameters from a fixed seed (PCG64 is reproducible everywhere)."""
    rng = np.random.default_rng(_SEED)
    a = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64, endpoint=False) | np.uint64(1)
    b = rng.integers(0, 2**64, size=num_perm, dtype=np.uint64, endpoint=False)
    return a, b


_A, _B = _permutations(NUM_PERM)


def clean(text: str) -> str:
    """The characters that shingles are made of: normalised, lower-case, CJK/letters/digits.

    Equal to ``_DROP.sub("", normalize(text).lower())``: everything ``normalize`` does besides
    NFKC (dropping control characters, collapsing white space) removes characters that
    ``_DROP`` removes anyway, and skipping its per-character loop halves the cost at 4.2 M texts.
    """
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def _codes(text: str) -> npt.NDArray[np.uint64]:
    """Character 3-grams of ``text`` as injective 63-bit codes (21 bits per character), repeats kept.

    A text shorter than three characters is one shingle of itself; an empty text has none.
    """
    cps = np.frombuffer(clean(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if cps.size == 0:
        return cps
    if cps.size < SHINGLE:
        cps = np.concatenate([cps, np.zeros(SHINGLE - cps.size, dtype=np.uint64)])
    n = cps.size - SHINGLE + 1
    return (cps[:n] << np.uint64(42)) | (cps[1 : n + 1] << np.uint64(21)) | cps[2 : n + 2]


def shingles(text: str) -> npt.NDArray[np.uint64]:
    """The distinct shingle codes of ``text``, sorted."""
    return np.unique(_codes(text))


def jaccard(text_a: str, text_b: str) -> float:
    """Exact Jaccard similarity of the two texts' shingle sets (1.0 for two empty texts)."""
    a, b = shingles(text_a), shingles(text_b)
    union = np.union1d(a, b).size
    return 1.0 if union == 0 else np.intersect1d(a, b, assume_unique=True).size / union


def signature(text: str) -> Signature:
    """MinHash signature of ``text``: ``NUM_PERM`` uint32 values (all 0xFFFFFFFF when empty).

    Value i is min over shingles x of (a_i * mix(x) + b_i) >> 32 (multiply-shift hashing).
    """
    codes = _codes(text)
    if codes.size == 0:
        return np.full(NUM_PERM, EMPTY_VALUE, dtype=np.uint32)
    mixed = _mix64(codes)
    values = (_A[:, None] * mixed[None, :] + _B[:, None]) >> np.uint64(32)
    return values.min(axis=1).astype(np.uint32)


def signatures(texts: Sequence[str], *, chunk_shingles: int = 65_536) -> npt.NDArray[np.uint32]:
    """Signatures of many texts as an (n, NUM_PERM) array, equal to :func:`signature` row by row.

    Vectorised over chunks of texts, one permutation at a time in a cache-sized buffer: about
    50x faster than broadcasting (n_shingles, NUM_PERM) temporaries, and it keeps memory flat.
    """
    out = np.full((len(texts), NUM_PERM), EMPTY_VALUE, dtype=np.uint32)
    pending: list[tuple[int, npt.NDArray[np.uint64]]] = []
    size = 0
    for i, text in enumerate(texts):
        codes = _codes(text)
        if codes.size:
            pending.append((i, codes))
            size += codes.size
        if size >= chunk_shingles:
            _fill_chunk(out, pending)
            pending, size = [], 0
    if pending:
        _fill_chunk(out, pending)
    return out


def _fill_chunk(
    out: npt.NDArray[np.uint32], pending: list[tuple[int, npt.NDArray[np.uint64]]]
) -> None:
    """Write the signatures of one chunk of non-empty shingle sets into ``out``."""
    rows = [i for i, _ in pending]
    lengths = np.array([c.size for _, c in pending])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    mixed = _mix64(np.concatenate([c for _, c in pending]))
    buf = np.empty_like(mixed)
    for p in range(NUM_PERM):
        np.multiply(mixed, _A[p], out=buf)
        buf += _B[p]
        buf >>= np.uint64(32)
        out[rows, p] = np.minimum.reduceat(buf, starts)


def is_empty(sig: Signature) -> bool:
    """True for the signature of a text without any shingle."""
    return bool(np.all(sig == EMPTY_VALUE))


def estimate(sig_a: Signature, sig_b: Signature) -> float:
    """Estimated Jaccard similarity: the share of equal MinHash values (std ≈ √(J(1-J)/64))."""
    return float(np.mean(sig_a == sig_b))


def signature_to_bytes(sig: Signature) -> bytes:
    """Compact storage form: scheme version, length, then little-endian uint32 (259 bytes)."""
    return _HEADER.pack(SCHEME_VERSION, sig.size) + sig.astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> Signature:
    """Inverse of :func:`signature_to_bytes`; refuses another scheme version or a bad length."""
    version, size = _HEADER.unpack_from(data)
    if version != SCHEME_VERSION:
        raise ValueError(f"signature scheme {version}, expected {SCHEME_VERSION}: recompute it")
    body = data[_HEADER.size :]
    if len(body) != 4 * size or size != NUM_PERM:
        raise ValueError("truncated or foreign signature")
    return np.frombuffer(body, dtype="<u4").astype(np.uint32)


def signatures_from_bytes(blobs: Sequence[bytes]) -> npt.NDArray[np.uint32]:
    """Decode many stored signatures at once into an (n, NUM_PERM) array (index rebuild at start).

    One join and one ``frombuffer`` instead of n small arrays: decoding 4.2 M takes seconds.
    """
    size = _HEADER.size + 4 * NUM_PERM
    if any(len(b) != size or b[0] != SCHEME_VERSION for b in blobs):
        raise ValueError(
            f"signatures of another scheme or length (expected {size} bytes, v{SCHEME_VERSION})"
        )
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), size)
    return raw[:, _HEADER.size :].copy().view("<u4").astype(np.uint32)


def bands_for_rows(rows: int) -> int:
    """How many bands of ``rows`` values a signature has (a leftover value is unused)."""
    if not 1 <= rows <= NUM_PERM:
        raise ValueError(f"rows must be in 1..{NUM_PERM}")
    return NUM_PERM // rows


def _band_seeds(bands: int) -> npt.NDArray[np.uint64]:
    """A distinct start value per band, so equal values in different bands give different keys."""
    return _mix64(np.arange(1, bands + 1, dtype=np.uint64) + np.uint64(_SEED))


def band_keys_array(
    sigs: npt.NDArray[np.uint32], rows: int = DEFAULT_ROWS, *, chunk: int = 1 << 18
) -> npt.NDArray[np.int64]:
    """Band keys of an (n, NUM_PERM) signature array as an (n, bands) int64 array.

    Band j hashes values j*rows .. j*rows+rows-1. Keys are signed 64-bit so that they fit a SQL
    ``BIGINT`` column unchanged. Works in chunks of rows: a uint64 working copy of 4.2 M
    signatures would otherwise need 2 GB.
    """
    bands = bands_for_rows(rows)
    out = np.empty((len(sigs), bands), dtype=np.uint64)
    seeds = _band_seeds(bands)
    for start in range(0, len(sigs), chunk):
        part = sigs[start : start + chunk, : bands * rows]
        grid = part.reshape(-1, bands, rows).astype(np.uint64)
        keys = np.broadcast_to(seeds, grid.shape[:2]).copy()
        for r in range(rows):
            keys = _mix64(keys ^ grid[:, :, r])
        out[start : start + chunk] = keys
    return out.view(np.int64)


def band_keys(sig: Signature, rows: int = DEFAULT_ROWS) -> list[int]:
    """Band keys of one signature, for a ``(band_key, message_id)`` table with an index."""
    return [int(k) for k in band_keys_array(sig[None, :], rows)[0]]


def candidate_probability(similarity: float, rows: int = DEFAULT_ROWS) -> float:
    """Chance that two texts of this Jaccard similarity share at least one band (the S-curve)."""
    return float(1.0 - (1.0 - similarity**rows) ** bands_for_rows(rows))


@dataclass
class _Base:
    """The immutable bulk part of an index: arrays sorted for binary search."""

    ids: npt.NDArray[np.int64]  # sorted message ids, one per row
    sigs: npt.NDArray[np.uint32]  # (rows, NUM_PERM), aligned with ids
    keys: npt.NDArray[np.int64]  # sorted band keys
    key_rows: npt.NDArray[np.int32]  # row of each band key
    dead: npt.NDArray[np.bool_]  # rows removed since the last compaction

    @classmethod
    def build(cls, ids: npt.NDArray[np.int64], sigs: npt.NDArray[np.uint32], rows: int) -> _Base:
        """Sort rows by id and band keys by value; empty texts get no band keys."""
        if np.any(ids[1:] <= ids[:-1]):  # skip the copy when ids come sorted (a DB scan by id)
            order = np.argsort(ids, kind="stable")
            ids, sigs = ids[order], sigs[order]
            if np.any(ids[1:] == ids[:-1]):
                raise ValueError("duplicate message ids")
        flat_keys = band_keys_array(sigs, rows).ravel()
        # Position p in the flattened (n, bands) keys belongs to row p // bands: no row array
        # is materialised before sorting, which keeps the peak near 2.5 GB at 4.2 M messages.
        by_key = np.argsort(flat_keys, kind="stable")
        keys = flat_keys[by_key]
        del flat_keys
        key_rows = (by_key // bands_for_rows(rows)).astype(np.int32)
        del by_key
        live = ~np.all(sigs == EMPTY_VALUE, axis=1)
        if not live.all():  # empty texts share all their keys: keep them out of every bucket
            keep = live[key_rows]
            keys, key_rows = keys[keep], key_rows[keep]
        return cls(ids, sigs, keys, key_rows, np.zeros(len(ids), bool))

    def row_of(self, id_: int) -> int | None:
        """The live row holding ``id_``, if any."""
        pos = int(np.searchsorted(self.ids, id_))
        if pos < len(self.ids) and self.ids[pos] == id_ and not self.dead[pos]:
            return pos
        return None

    def candidate_rows(self, keys: Sequence[int], max_bucket: int) -> npt.NDArray[np.int32]:
        """Live rows sharing at least one band key, at most ``max_bucket`` per key."""
        q = np.asarray(keys, dtype=np.int64)
        lo = np.searchsorted(self.keys, q, side="left")
        hi = np.minimum(np.searchsorted(self.keys, q, side="right"), lo + max_bucket)
        parts = [self.key_rows[a:b] for a, b in zip(lo, hi, strict=True) if b > a]
        if not parts:
            return np.empty(0, dtype=np.int32)
        rows = np.unique(np.concatenate(parts))
        return rows[~self.dead[rows]]


def _empty_base(rows: int) -> _Base:
    """A base with no rows."""
    return _Base.build(np.empty(0, np.int64), np.empty((0, NUM_PERM), np.uint32), rows)


@dataclass
class LSHIndex:
    """Near-duplicate index: a sorted-array base plus a mutable overlay for recent changes.

    ``max_bucket`` caps how many members of one band bucket a query reads: texts made only of
    boilerplate can pile millions into one bucket, and a query must stay fast regardless.
    """

    rows: int = DEFAULT_ROWS
    max_bucket: int = 2000
    _base: _Base = field(init=False)
    _sigs: dict[int, Signature] = field(init=False, default_factory=dict)
    _buckets: dict[int, set[int]] = field(init=False, default_factory=lambda: defaultdict(set))

    def __post_init__(self) -> None:
        self._base = _empty_base(self.rows)

    @classmethod
    def from_signatures(
        cls, ids: Iterable[int], sigs: npt.NDArray[np.uint32], *, rows: int = DEFAULT_ROWS
    ) -> LSHIndex:
        """Bulk-build from stored signatures (e.g. decoded from a DB column at start-up)."""
        index = cls(rows=rows)
        index._base = _Base.build(np.fromiter(ids, dtype=np.int64), np.asarray(sigs), rows)
        return index

    def __len__(self) -> int:
        return int((~self._base.dead).sum()) + len(self._sigs)

    def __contains__(self, id_: object) -> bool:
        return isinstance(id_, int) and (id_ in self._sigs or self._base.row_of(id_) is not None)

    def add(self, id_: int, text: str) -> None:
        """Index ``text`` under ``id_`` (replacing what that id had)."""
        self.add_signature(id_, signature(text))

    def add_signature(self, id_: int, sig: Signature) -> None:
        """Index a precomputed signature under ``id_`` (replacing what that id had)."""
        self.remove(id_)
        self._sigs[id_] = sig
        if not is_empty(sig):
            for key in band_keys(sig, self.rows):
                self._buckets[key].add(id_)

    def remove(self, id_: int) -> bool:
        """Forget ``id_``; True if it was indexed."""
        sig = self._sigs.pop(id_, None)
        if sig is not None:
            for key in band_keys(sig, self.rows):
                self._buckets.get(key, set()).discard(id_)
            return True
        row = self._base.row_of(id_)
        if row is None:
            return False
        self._base.dead[row] = True
        return True

    def query(
        self, text: str, k: int = 5, *, min_similarity: float = QUERY_FLOOR
    ) -> list[tuple[int, float]]:
        """Up to ``k`` indexed ids most similar to ``text``, as (id, estimated Jaccard), best first."""
        return self.query_signature(signature(text), k, min_similarity=min_similarity)

    def query_signature(
        self,
        sig: Signature,
        k: int = 5,
        *,
        min_similarity: float = QUERY_FLOOR,
        exclude: int | None = None,
    ) -> list[tuple[int, float]]:
        """Like :meth:`query` for a precomputed signature; ``exclude`` drops one id (the text itself)."""
        if is_empty(sig):
            return []
        keys = band_keys(sig, self.rows)
        found = self._score_base(sig, keys) + self._score_overlay(sig, keys)
        hits = [(i, s) for i, s in found if s >= min_similarity and i != exclude]
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits[:k]

    def _score_base(self, sig: Signature, keys: list[int]) -> list[tuple[int, float]]:
        """Candidates from the sorted arrays, scored in one vectorised comparison."""
        rows = self._base.candidate_rows(keys, self.max_bucket)
        if rows.size == 0:
            return []
        sims = (self._base.sigs[rows] == sig).mean(axis=1)
        return [(int(i), float(s)) for i, s in zip(self._base.ids[rows], sims, strict=True)]

    def _score_overlay(self, sig: Signature, keys: list[int]) -> list[tuple[int, float]]:
        """Candidates from the mutable overlay."""
        ids: set[int] = set()
        for key in keys:
            bucket = self._buckets.get(key)
            if bucket:
                ids.update(list(bucket)[: self.max_bucket])
        return [(i, estimate(sig, self._sigs[i])) for i in ids]

    def compact(self) -> None:
        """Fold the overlay and removals into a fresh sorted base (O(n log n); run off-peak)."""
        live = ~self._base.dead
        ids = np.concatenate([self._base.ids[live], np.fromiter(self._sigs, dtype=np.int64)])
        extra = (
            np.stack(list(self._sigs.values()))
            if self._sigs
            else np.empty((0, NUM_PERM), np.uint32)
        )
        self._base = _Base.build(ids, np.concatenate([self._base.sigs[live], extra]), self.rows)
        self._sigs.clear()
        self._buckets.clear()

    def nbytes(self) -> int:
        """Memory held by the base arrays (the overlay is small between compactions)."""
        b = self._base
        return b.ids.nbytes + b.sigs.nbytes + b.keys.nbytes + b.key_rows.nbytes + b.dead.nbytes


K = TypeVar("K", bound=Hashable)


def rows_for(threshold: float) -> int:
    """The longest band whose S-curve still catches pairs at ``threshold`` with p ≥ 0.95.

    Longer bands mean fewer chance candidates, so take the longest that keeps recall; a
    grouping of a few thousand suggestions can afford the extra exact checks.
    """
    for rows in (8, 6, 5, 4, 3, 2):
        if candidate_probability(threshold, rows) >= 0.95:
            return rows
    return 1


def similar_pairs(
    items: Sequence[tuple[K, str]], threshold: float = DEFAULT_THRESHOLD
) -> list[tuple[K, K, float]]:
    """Pairs of items whose exact shingle Jaccard is at least ``threshold`` (LSH finds candidates)."""
    sigs = signatures([text for _, text in items])
    index = LSHIndex.from_signatures(range(len(items)), sigs, rows=rows_for(threshold))
    sets = [shingles(text) for _, text in items]
    pairs: list[tuple[K, K, float]] = []
    for i, sig in enumerate(sigs):
        # A loose estimate bound first: exact Jaccard costs more than comparing 64 integers.
        for j, _ in index.query_signature(
            sig, k=len(items), min_similarity=threshold / 2, exclude=i
        ):
            if j > i:
                union = np.union1d(sets[i], sets[j]).size
                exact = np.intersect1d(sets[i], sets[j], assume_unique=True).size / union
                if exact >= threshold:
                    pairs.append((items[i][0], items[j][0], exact))
    return pairs


def group_similar(
    items: Sequence[tuple[K, str]], threshold: float = DEFAULT_THRESHOLD
) -> list[list[K]]:
    """Groups of items linked by similar pairs (union-find), largest first; singletons omitted.

    Linking is transitive: A~B and B~C put A, B and C together even when A and C differ more,
    which is what a campaign editor merging suggestions about one topic wants to review.
    """
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]  # path halving keeps the trees flat
            i = parent[i]
        return i

    position = {key: i for i, (key, _) in enumerate(items)}
    for a, b, _ in similar_pairs(items, threshold):
        ra, rb = find(position[a]), find(position[b])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[K]] = defaultdict(list)
    for i, (key, _) in enumerate(items):
        groups[find(i)].append(key)
    return sorted(
        (g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), position[g[0]])
    )
