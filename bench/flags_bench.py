"""Word-list flags: our hand-rolled Aho–Corasick vs pyahocorasick, on the real messages.

    .venv/bin/python bench/flags_bench.py                 # every TipDM message, twice
    .venv/bin/python bench/flags_bench.py --limit 2000 --words 2000

Texts: every message of the TipDM 2020 C corpus (../shared/data/tipdm2020c, title + body:
**real** texts). Word lists: the product's ``DEFAULT_WORDLISTS`` (37 words), and a large
list of ``--words`` character 2–4-grams drawn with a fixed seed from the corpus itself
(**synthetic** list, so it matches often: a stress of the automaton, not of the product's
lists). Both sides get the same normalised words and texts (``flags._normalise``) and the
same whole-word rule, and the bench asserts they return the same flags on every text.

Reported per implementation: build time of the automaton, scan throughput (automaton only,
over the normalised texts) and ``find_flags`` end to end (normalising included). Times are
CPU time of this process (the machine is shared: wall time measures the neighbours), the
best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tipdm

from liuyanban.intelligence import flags

Hit = tuple[int, str, str, int]  # (end index, category, word, normalised length)


class HandRolled:
    """The automaton ``flags.py`` had until this bench chose pyahocorasick (kept here to compare)."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self.goto: list[dict[str, int]] = [{}]
        self.fail: list[int] = [0]
        self.out: list[list[tuple[str, str, int]]] = [[]]
        for category, word in entries:
            key, _ = flags._normalise(word)
            if not key:
                continue
            node = 0
            for ch in key:
                nxt = self.goto[node].get(ch)
                if nxt is None:
                    nxt = len(self.goto)
                    self.goto[node][ch] = nxt
                    self.goto.append({})
                    self.fail.append(0)
                    self.out.append([])
                node = nxt
            self.out[node].append((category, word, len(key)))
        queue = deque(self.goto[0].values())
        while queue:
            node = queue.popleft()
            for ch, child in self.goto[node].items():
                queue.append(child)
                f = self.fail[node]
                while f and ch not in self.goto[f]:
                    f = self.fail[f]
                self.fail[child] = self.goto[f].get(ch, 0) if self.goto[f].get(ch) != child else 0
                self.out[child] = self.out[child] + self.out[self.fail[child]]

    def scan(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        node = 0
        for i, ch in enumerate(text):
            while node and ch not in self.goto[node]:
                node = self.fail[node]
            node = self.goto[node].get(ch, 0)
            hits.extend((i, cat, word, size) for cat, word, size in self.out[node])
        return hits


Library = flags._Automaton  # the product's: pyahocorasick


def find_with(automaton: HandRolled | Library, text: str) -> list[flags.Flag]:
    """``flags.find_flags`` with the given automaton (same normalising, same whole-word rule)."""
    return flags._find(automaton, text)


def big_list(texts: list[str], n: int, seed: int = 20201) -> dict[str, tuple[str, ...]]:
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < n:
        text = rng.choice(texts)
        size = rng.randint(2, 4)
        if len(text) > size:
            i = rng.randrange(len(text) - size)
            gram = text[i : i + size]
            if flags._normalise(gram)[0] == gram:
                words.add(gram)
    return {"合成词表": tuple(sorted(words))}


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def compare(
    name: str, wordlists: dict[str, tuple[str, ...]], texts: list[str], repeat: int
) -> None:
    entries = flags._entries(wordlists)
    folded = [flags._normalise(t)[0] for t in texts]
    chars = sum(len(t) for t in folded)
    print(f"\n## {name}: {len(entries)} words, {len(texts)} texts, {chars / 1e6:.2f} M chars")
    print("| implementation | build | scan only | find_flags end to end | flags found |")
    print("|---|---|---|---|---|")
    results = {}
    for label, cls in (("ours (hand-rolled)", HandRolled), ("pyahocorasick 2.3.1", Library)):
        build = best(lambda cls=cls: cls(entries), repeat)
        automaton = cls(entries)
        scan = best(lambda a=automaton: [a.scan(t) for t in folded], repeat)
        full = best(lambda a=automaton: [find_with(a, t) for t in texts], repeat)
        results[label] = [find_with(automaton, t) for t in texts]
        print(
            f"| {label} | {build * 1000:.2f} ms | {chars / scan / 1e6:.2f} M chars/s "
            f"({len(texts) / scan:,.0f} texts/s) | {len(texts) / full:,.0f} texts/s | "
            f"{sum(len(r) for r in results[label]):,} |"
        )
    ours, theirs = results.values()
    assert ours == theirs, "the two implementations disagree"
    print("same flags on every text: yes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="first N messages only")
    parser.add_argument("--words", type=int, default=5000, help="size of the large word list")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = [f"{title}\n{body}" for _, _, title, body in tipdm.messages()]
    if args.limit:
        texts = texts[: args.limit]
    compare("product lists (DEFAULT_WORDLISTS)", dict(flags.DEFAULT_WORDLISTS), texts, args.repeat)
    compare(
        f"large list ({args.words} corpus n-grams)", big_list(texts, args.words), texts, args.repeat
    )


if __name__ == "__main__":
    main()
