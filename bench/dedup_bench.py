"""Near-duplicate lookup at platform scale: build time, memory, query latency, recall.

    .venv/bin/python bench/dedup_bench.py                 # 200k synthetic messages
    .venv/bin/python bench/dedup_bench.py --n 4200000     # the target size
    .venv/bin/python bench/dedup_bench.py --sqlite        # also the (band_key, id) table in SQLite
    .venv/bin/python bench/dedup_bench.py --choose        # MinHash vs SimHash on the real messages
    .venv/bin/python bench/dedup_bench.py --vs-datasketch --n 50000   # ours vs datasketch, same data

Messages are generated here (templates x places x problems x random words); about 5 % are
planted near-duplicates of an earlier message (edited: characters dropped, swapped, inserted,
clauses reordered). ``--queries`` planted duplicates are held out of the index and used as the
new messages to look up; recall = share whose original comes back in the top 5.
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from liuyanban.intelligence import dedup

COMMON = (
    "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出要于就下得可你年生自会那后能对着事其里所"
    "去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从"
    "水路车楼房电网区街村镇院校医站场厂店门窗墙灯桥河湖山林园田地气油烟声光热冷雨雪风尘噪垃圾污染停"
)
TEMPLATES = [
    "尊敬的领导您好，我是{place}的居民，{problem}，{words}，希望有关部门尽快处理。",
    "关于{place}{problem}的问题：{words}。请领导关注。",
    "{place}{problem}已经很久了，{words}，多次反映没有结果。",
    "反映{place}{problem}，{words}，恳请解决！",
    "您好！{words}。{place}{problem}，影响大家的生活。",
    "我想咨询一下{place}{problem}的事，{words}，什么时候能解决？",
    "{problem}——{place}。{words}。",
    "建议在{place}解决{problem}，{words}，谢谢。",
]
PROBLEMS = [
    "小区门口道路积水",
    "夜间施工噪音扰民",
    "餐饮店油烟直排",
    "垃圾站臭气熏天",
    "路灯损坏无人维修",
    "学校周边交通拥堵",
    "物业乱收停车费",
    "开发商延期交房",
    "自来水水质发黄",
    "电梯经常故障停运",
    "违章搭建占用绿地",
    "公交站点设置不合理",
    "农村公路坑洼难行",
    "工厂排放污水入河",
    "拖欠农民工工资",
    "医保报销手续繁琐",
    "幼儿园学位紧张",
    "广场舞音响太吵",
    "共享单车乱停乱放",
    "燃气管道老化漏气",
]


class Generator:
    """Deterministic synthetic messages: a place grammar, problems, fillers and planted edits."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.districts = [f"A{i}区" for i in range(1, 10)] + [f"B{i}县" for i in range(1, 8)]
        suffixes = ("小区", "花园", "村", "路", "社区", "学校")
        self.estates = [
            "".join(self.rng.sample(COMMON, 3)) + self.rng.choice(suffixes) for _ in range(3000)
        ]

    def words(self, count: int) -> str:
        """Random two/three-character 'words' from common characters, comma-separated in clauses."""
        chars = self.rng.choices(COMMON, k=count * 2)
        parts = ["".join(chars[i : i + 2]) for i in range(0, len(chars), 2)]
        clauses = ["".join(parts[i : i + 5]) for i in range(0, len(parts), 5)]
        return "，".join(clauses)

    def message(self) -> str:
        """One fresh message of roughly 60-160 characters."""
        place = self.rng.choice(self.districts) + self.rng.choice(self.estates)
        return self.rng.choice(TEMPLATES).format(
            place=place,
            problem=self.rng.choice(PROBLEMS),
            words=self.words(self.rng.randint(15, 50)),
        )

    def edit(self, text: str, rate: float) -> str:
        """A near-duplicate: drop/replace/insert about ``rate`` of the characters, maybe reorder."""
        out: list[str] = []
        for ch in text:
            r = self.rng.random()
            if r < rate / 3:
                continue
            if r < 2 * rate / 3:
                out.append(self.rng.choice(COMMON))
            elif r < rate:
                out.extend((ch, self.rng.choice(COMMON)))
            else:
                out.append(ch)
        clauses = "".join(out).split("，")
        if len(clauses) > 2 and self.rng.random() < 0.3:
            clauses[0], clauses[-1] = clauses[-1], clauses[0]
        return "，".join(clauses)


def rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


Held = list[tuple[int, int, str, str]]


def generate(n: int, queries: int, dup_share: float, seed: int) -> tuple[np.ndarray, Held]:
    """Signatures of ``n`` messages (ids 0..n-1) and held-out (query id, original id, text, original).

    Messages are generated and signed in chunks so that 4.2 M texts never sit in memory at once;
    originals of planted duplicates are drawn from a bounded reservoir of recent messages.
    """
    gen = Generator(seed)
    sigs = np.empty((n, dedup.NUM_PERM), dtype=np.uint32)
    held: Held = []
    query_every = max(1, int(n * dup_share) // queries)
    recent: list[tuple[int, str]] = []
    chunk: list[str] = []
    planted = 0
    for i in range(n):
        if recent and gen.rng.random() < dup_share:
            orig_id, orig = gen.rng.choice(recent)
            text = gen.edit(orig, gen.rng.uniform(0.02, 0.15))
            planted += 1
            if planted % query_every == 0 and len(held) < queries:
                held.append((i, orig_id, text, orig))
        else:
            text = gen.message()
        chunk.append(text)
        if held and held[-1][0] == i:
            pass  # a held-out message is never indexed, so it must not become an original
        elif len(recent) < 20000:
            recent.append((i, text))
        elif gen.rng.random() < 0.05:
            recent[gen.rng.randrange(len(recent))] = (i, text)
        if len(chunk) == 50000:
            sigs[i - len(chunk) + 1 : i + 1] = dedup.signatures(chunk)
            chunk = []
    if chunk:
        sigs[n - len(chunk) :] = dedup.signatures(chunk)
    print(f"planted near-duplicates: {planted:,} ({planted / n:.1%})")
    return sigs, held


def percentiles(ms: list[float]) -> str:
    """p50/p95/p99/max of a latency sample in milliseconds."""
    p = np.percentile(ms, [50, 95, 99, 100])
    return f"p50 {p[0]:.2f} ms, p95 {p[1]:.2f} ms, p99 {p[2]:.2f} ms, max {p[3]:.2f} ms"


def bench_memory(sigs: np.ndarray, held: Held) -> None:
    """Sorted-array index: build, then time one-message lookups end to end (text → results)."""
    t0 = time.perf_counter()
    index = dedup.LSHIndex.from_signatures(range(len(sigs)), sigs)
    for qid, *_ in held:  # the queries are new messages: not in the index yet
        index.remove(qid)
    print(
        f"index build (sort {len(index):,} messages x {dedup.bands_for_rows(index.rows)} band keys): {time.perf_counter() - t0:.1f} s"
    )
    print(f"index arrays: {index.nbytes() / 2**20:,.0f} MB; process peak RSS {rss_mb():,.0f} MB")
    index.query(held[0][2])  # warm caches
    for min_similarity in (dedup.DEFAULT_THRESHOLD, dedup.QUERY_FLOOR):
        ms, found, sizes = [], [], []
        for _, orig, text, _ in held:
            t = time.perf_counter()
            hits = index.query(text, k=5, min_similarity=min_similarity)
            ms.append((time.perf_counter() - t) * 1000)
            found.append(any(i == orig for i, _ in hits))
            sizes.append(len(hits))
        print(
            f"query (1 text → top 5, min estimated similarity {min_similarity}): {percentiles(ms)}"
        )
        report_recall(held, found)
        print(f"  mean hits returned: {np.mean(sizes):.2f}")
    bench_overlay(index, held)


def report_recall(held: Held, found: list[bool]) -> None:
    """Recall overall and by the pair's exact Jaccard: edits up to 15 % push some below 0.5."""
    exact = np.array([dedup.jaccard(text, orig) for _, _, text, orig in held])
    hit = np.array(found)
    print(
        f"recall of planted duplicates (all edit rates): {hit.sum()}/{len(hit)} = {hit.mean():.3f}"
    )
    for lo, hi in ((0.0, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.8), (0.8, 1.01)):
        sel = (exact >= lo) & (exact < hi)
        if sel.any():
            print(
                f"  exact Jaccard [{lo:.1f}, {hi:.1f}): {hit[sel].sum()}/{sel.sum()} = {hit[sel].mean():.3f}"
            )


def bench_overlay(index: dedup.LSHIndex, held: Held) -> None:
    """Live changes go to the overlay: time add and remove of the held-out messages."""
    t = time.perf_counter()
    for qid, _, text, _ in held:
        index.add(qid, text)
    add_ms = (time.perf_counter() - t) * 1000 / len(held)
    t = time.perf_counter()
    for qid, *_ in held:
        index.remove(qid)
    remove_ms = (time.perf_counter() - t) * 1000 / len(held)
    print(f"overlay add {add_ms:.3f} ms/message, remove {remove_ms:.3f} ms/message")


def bench_sqlite(sigs: np.ndarray, held: Held) -> None:
    """The DB design: (band_key, message_id) with an index, signatures as BLOBs by message id."""
    held_ids = {q for q, *_ in held}
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "bands.db")
        db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE sig (message_id INTEGER PRIMARY KEY, signature BLOB NOT NULL);"
            "CREATE TABLE band (band_key INTEGER NOT NULL, message_id INTEGER NOT NULL);"
        )
        t0 = time.perf_counter()
        for start in range(0, len(sigs), 100_000):
            part = sigs[start : start + 100_000]
            keys = dedup.band_keys_array(part)
            ids = [i for i in range(start, start + len(part)) if i not in held_ids]
            db.executemany(
                "INSERT INTO sig VALUES (?, ?)",
                ((i, dedup.signature_to_bytes(sigs[i])) for i in ids),
            )
            db.executemany(
                "INSERT INTO band VALUES (?, ?)",
                ((int(k), i) for i in ids for k in keys[i - start]),
            )
        db.execute("CREATE INDEX band_key_idx ON band (band_key, message_id)")
        db.commit()
        size = (Path(tmp) / "bands.db").stat().st_size
        print(f"sqlite build: {time.perf_counter() - t0:.0f} s, file {size / 2**20:,.0f} MB")
        ms, found = [], 0
        for _, orig, text, _ in held:
            t = time.perf_counter()
            hits = sqlite_query(db, text)
            ms.append((time.perf_counter() - t) * 1000)
            found += any(i == orig for i, _ in hits)
        print(f"sqlite query: {percentiles(ms)}; recall {found / len(held):.3f}")
        db.close()


def sqlite_query(db: sqlite3.Connection, text: str, k: int = 5) -> list[tuple[int, float]]:
    """Candidates by band key in SQL, then the estimate from their stored signatures."""
    sig = dedup.signature(text)
    keys = dedup.band_keys(sig)
    marks = ",".join("?" * len(keys))
    rows = db.execute(
        f"SELECT s.message_id, s.signature FROM sig s WHERE s.message_id IN "
        f"(SELECT DISTINCT message_id FROM band WHERE band_key IN ({marks}) LIMIT 2000)",
        keys,
    ).fetchall()
    scored = [(i, dedup.estimate(sig, dedup.signature_from_bytes(b))) for i, b in rows]
    hits = [h for h in scored if h[1] >= dedup.QUERY_FLOOR]
    return sorted(hits, key=lambda h: -h[1])[:k]


def real_texts() -> list[str]:
    """Subject + body of the real messages (read in place, never copied)."""
    import pandas as pd

    data = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tipdm2020c"
    texts: list[str] = []
    for name in ("attachment2_train.csv", "attachment2_unlabeled.csv", "attachment3_hot.csv"):
        df = pd.read_csv(data / name)
        texts += (df["留言主题"].fillna("") + "。" + df["留言详情"].fillna("")).tolist()
    return texts


def simhash(text: str) -> np.ndarray:
    """64-bit SimHash over the same character 3-grams, as 64 booleans."""
    mixed = dedup._mix64(dedup.shingles(text))
    bits = np.unpackbits(mixed.view(np.uint8)).reshape(-1, 64)
    return bits.sum(axis=0) * 2 > len(bits)


def char_ngrams(text: str, n: int) -> set[str]:
    """Distinct character n-grams of the cleaned text."""
    s = dedup.clean(text)
    return {s[i : i + n] for i in range(max(1, len(s) - n + 1))}


def set_jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard of two sets (0 for two empty ones)."""
    return len(a & b) / len(a | b) if a | b else 0.0


def compare_methods(seed: int, pairs: int = 1500) -> None:
    """How well each representation separates edited copies of real messages from other messages.

    For each method: the 99.9th percentile similarity of random pairs of real messages (what an
    unrelated message scores), and the share of edited copies scoring above it, per edit rate.
    """
    from liuyanban.core.text.chinese import content_words

    texts = [t for t in real_texts() if len(dedup.clean(t)) >= 30]
    gen = Generator(seed)
    methods = {
        "minhash char-3 (64 perm, estimate)": lambda a, b: dedup.estimate(
            dedup.signature(a), dedup.signature(b)
        ),
        "exact jaccard char-3": dedup.jaccard,
        "exact jaccard char-2": lambda a, b: set_jaccard(char_ngrams(a, 2), char_ngrams(b, 2)),
        "exact jaccard jieba words": lambda a, b: set_jaccard(
            set(content_words(a)), set(content_words(b))
        ),
        "simhash-64 char-3 (1 - hamming/64)": lambda a, b: float(np.mean(simhash(a) == simhash(b))),
    }
    randoms = [(gen.rng.choice(texts), gen.rng.choice(texts)) for _ in range(pairs)]
    rates = (0.05, 0.10, 0.20)
    edits = {r: [(t, gen.edit(t, r)) for t in gen.rng.sample(texts, pairs // 3)] for r in rates}
    print(
        f"{len(texts):,} real messages; {pairs} random pairs; {pairs // 3} edited copies per rate"
    )
    for name, sim in methods.items():
        t = time.perf_counter()
        background = np.array([sim(a, b) for a, b in randoms])
        per_pair_ms = (time.perf_counter() - t) * 1000 / pairs
        cut = float(np.percentile(background, 99.9))
        found = {r: np.mean([sim(a, b) > cut for a, b in edits[r]]) for r in rates}
        means = {r: np.mean([sim(a, b) for a, b in edits[r]]) for r in rates}
        shown = ", ".join(f"{r:.0%}: {found[r]:.3f} (mean {means[r]:.2f})" for r in rates)
        print(
            f"{name}: random p99.9 {cut:.3f}, max {background.max():.3f}; edited copies above it {shown}; {per_pair_ms:.2f} ms/pair"
        )


def texts_with_queries(n: int, queries: int, dup_share: float, seed: int) -> tuple[list[str], Held]:
    """Like :func:`generate` but keeping the texts (for exact Jaccard of every hit)."""
    gen = Generator(seed)
    texts: list[str] = []
    held: Held = []
    query_every = max(1, int(n * dup_share) // queries)
    planted = 0
    for i in range(n):
        if texts and gen.rng.random() < dup_share:
            orig_id = gen.rng.randrange(max(0, i - 20000), i)
            text = gen.edit(texts[orig_id], gen.rng.uniform(0.02, 0.15))
            planted += 1
            if planted % query_every == 0 and len(held) < queries:
                held.append((i, orig_id, text, texts[orig_id]))
        else:
            text = gen.message()
        texts.append(text)
    return texts, held


def _precision(texts: list[str], held: Held, results: list[list[int]]) -> tuple[float, int]:
    """Share of returned hits that are near-duplicates (exact shingle Jaccard ≥ 0.5)."""
    good = total = 0
    for (_, _, text, _), hits in zip(held, results, strict=True):
        for i in hits:
            total += 1
            good += dedup.jaccard(text, texts[i]) >= dedup.DEFAULT_THRESHOLD
    return (good / total if total else 1.0), total


def vs_datasketch(n: int, queries: int, dup_share: float, seed: int) -> None:
    """Our MinHash/LSH against datasketch's (MinHash + MinHashLSH), on the same shingles,
    the same messages and the same held-out queries: time, recall, precision."""
    from datasketch import MinHash

    texts, held = texts_with_queries(n, queries, dup_share, seed)
    query_ids = {qid for qid, *_ in held}
    ids = [i for i in range(n) if i not in query_ids]
    print(f"{len(ids):,} indexed messages, {len(held)} held-out planted near-duplicates as queries")
    shingle_sets = {}

    def shingle_bytes(text: str) -> list[bytes]:
        return [int(c).to_bytes(8, "little") for c in dedup.shingles(text)]

    # Ours.
    t = time.perf_counter()
    sigs = dedup.signatures([texts[i] for i in ids])
    sign_s = time.perf_counter() - t
    t = time.perf_counter()
    ours = dedup.LSHIndex.from_signatures(ids, sigs)
    build_s = time.perf_counter() - t
    for floor in (dedup.DEFAULT_THRESHOLD, dedup.QUERY_FLOOR):
        ms, found, results = [], [], []
        for _, orig, text, _ in held:
            t = time.perf_counter()
            hits = ours.query(text, k=5, min_similarity=floor)
            ms.append((time.perf_counter() - t) * 1000)
            results.append([i for i, _ in hits])
            found.append(orig in results[-1])
        prec, total = _precision(texts, held, results)
        print(
            f"ours (floor {floor}): sign {sign_s / len(ids) * 1e6:.0f} µs/msg, build {build_s:.1f} s, "
            f"query {percentiles(ms)}; recall {np.mean(found):.3f}; "
            f"precision {prec:.3f} of {total} hits"
        )

    # datasketch: same shingles, 64 permutations, LSH tuned by datasketch for threshold 0.5.
    t = time.perf_counter()
    minhashes = MinHash.bulk([shingle_bytes(texts[i]) for i in ids], num_perm=dedup.NUM_PERM)
    ds_sign_s = time.perf_counter() - t
    by_id = dict(zip(ids, minhashes, strict=True))
    del shingle_sets
    # datasketch's own choice of bands for threshold 0.5, then ours (21 bands of 3 rows).
    for params in (None, (dedup.bands_for_rows(dedup.DEFAULT_ROWS), dedup.DEFAULT_ROWS)):
        _datasketch_run(texts, held, ids, minhashes, by_id, ds_sign_s, params)
    print(f"peak RSS {rss_mb():,.0f} MB (both indexes in one process)")


def _datasketch_run(  # type: ignore[no-untyped-def]
    texts, held, ids, minhashes, by_id, ds_sign_s, params
) -> None:
    from datasketch import MinHash, MinHashLSH

    def shingle_bytes(text: str) -> list[bytes]:
        return [int(c).to_bytes(8, "little") for c in dedup.shingles(text)]

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=dedup.DEFAULT_THRESHOLD, num_perm=dedup.NUM_PERM, params=params)
    with lsh.insertion_session() as session:
        for i, m in zip(ids, minhashes, strict=True):
            session.insert(i, m, check_duplication=False)
    ds_build_s = time.perf_counter() - t
    for floor in (dedup.DEFAULT_THRESHOLD, dedup.QUERY_FLOOR):
        ms, found, results = [], [], []
        for _, orig, text, _ in held:
            t = time.perf_counter()
            q = MinHash(num_perm=dedup.NUM_PERM)
            q.update_batch(shingle_bytes(text))
            scored = sorted(
                ((q.jaccard(by_id[i]), i) for i in lsh.query(q)), key=lambda p: (-p[0], p[1])
            )
            hits = [i for s, i in scored if s >= floor][:5]
            ms.append((time.perf_counter() - t) * 1000)
            results.append(hits)
            found.append(orig in hits)
        prec, total = _precision(texts, held, results)
        print(
            f"datasketch {_ds_version()} (b={lsh.b}, r={lsh.r}, floor {floor}): "
            f"sign {ds_sign_s / len(ids) * 1e6:.0f} µs/msg, build {ds_build_s:.1f} s, "
            f"query {percentiles(ms)}; recall {np.mean(found):.3f}; "
            f"precision {prec:.3f} of {total} hits"
        )


def _ds_version() -> str:
    from importlib.metadata import version

    return version("datasketch")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--dup-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sqlite", action="store_true", help="also measure the band-key table in SQLite"
    )
    parser.add_argument(
        "--choose", action="store_true", help="MinHash vs SimHash on the real messages"
    )
    parser.add_argument(
        "--vs-datasketch", action="store_true", help="ours vs datasketch on the same messages"
    )
    args = parser.parse_args()
    if args.vs_datasketch:
        vs_datasketch(args.n, args.queries, args.dup_share, args.seed)
        return
    if args.choose:
        compare_methods(args.seed)
        return
    t0 = time.perf_counter()
    sigs, held = generate(args.n, args.queries, args.dup_share, args.seed)
    gen_s = time.perf_counter() - t0
    print(
        f"generate + sign {args.n:,} messages: {gen_s:.0f} s ({gen_s / args.n * 1e6:.0f} µs/message)"
    )
    bench_memory(sigs, held)
    if args.sqlite:
        bench_sqlite(sigs, held)
    print(f"peak RSS {rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
