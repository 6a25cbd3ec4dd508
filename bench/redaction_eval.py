"""Precision/recall of personal-data detection on hand-reviewed real messages.

Usage: .venv/bin/python bench/redaction_eval.py [--data DIR]

The labelled spans (liuyanban/intelligence/eval/pii_labels.json) hold only
references (file, row, field, start, end, kind); the text is read at run time
from ../shared/data/tipdm2020c. A prediction matches a label when their spans
overlap and their kinds agree (what matters for redaction is that the data is
masked); exact-boundary agreement is reported separately.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liuyanban.intelligence.redaction import find_personal_data  # noqa: E402

LABELS = ROOT / "liuyanban" / "intelligence" / "eval" / "pii_labels.json"
FIELDS = ("留言主题", "留言详情")
NUMBER_KINDS = frozenset(
    {"mobile", "landline", "id_card", "email", "bank_card", "plate", "qq", "wechat"}
)


def default_data_dir() -> Path:
    """The shared data directory next to the project root (same path in CI)."""
    return ROOT.parent / "shared" / "data" / "tipdm2020c"


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(data_dir: Path | None = None) -> dict[str, Any]:
    """Per-kind tp/fp/fn, precision and recall, plus a numbers-and-IDs aggregate."""
    data_dir = data_dir or default_data_dir()
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    gold: dict[tuple[str, int, str], list[dict[str, Any]]] = defaultdict(list)
    for span in labels["spans"]:
        gold[(span["file"], span["row"], span["field"])].append(span)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for name in labels["files"]:
        frame = pd.read_csv(data_dir / name, dtype=str, keep_default_na=False)
        for row, record in enumerate(frame.to_dict("records")):
            for field in FIELDS:
                _score_cell(
                    find_personal_data(record[field]), gold.get((name, row, field), []), counts
                )
    return _summarise(counts)


def _score_cell(
    found: list[Any], spans: list[dict[str, Any]], counts: dict[str, Counter[str]]
) -> None:
    """Greedy one-to-one matching of predictions to labels within one cell."""
    unmatched = list(spans)
    for f in found:
        hit = next(
            (
                s
                for s in unmatched
                if s["kind"] == f.kind and _overlaps((f.start, f.end), (s["start"], s["end"]))
            ),
            None,
        )
        if hit is None:
            counts[f.kind]["fp"] += 1
            continue
        unmatched.remove(hit)
        counts[f.kind]["tp"] += 1
        counts[f.kind]["exact"] += int((f.start, f.end) == (hit["start"], hit["end"]))
    for s in unmatched:
        counts[s["kind"]]["fn"] += 1


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _summarise(counts: dict[str, Counter[str]]) -> dict[str, Any]:
    total: dict[str, Counter[str]] = {"numbers_and_ids": Counter(), "all": Counter()}
    for kind, c in counts.items():
        total["all"].update(c)
        if kind in NUMBER_KINDS:
            total["numbers_and_ids"].update(c)
    out: dict[str, Any] = {}
    for kind, c in {**counts, **total}.items():
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        out[kind] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
            "exact_boundaries": _ratio(c["exact"], tp),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    result = evaluate(args.data)
    print(f"{'kind':<16}{'tp':>5}{'fp':>5}{'fn':>5}{'prec':>8}{'recall':>8}{'exact':>8}")
    for kind, r in sorted(result.items()):
        print(
            f"{kind:<16}{r['tp']:>5}{r['fp']:>5}{r['fn']:>5}"
            f"{r['precision']:>8.3f}{r['recall']:>8.3f}{r['exact_boundaries']:>8.3f}"
        )


if __name__ == "__main__":
    main()
