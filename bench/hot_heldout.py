"""Hot-issue grouping scored on held-out, hand-labelled groups of attachment3_hot.csv.

    .venv/bin/python bench/hot_heldout.py [--labels PATH]

Split (decided before any rule was changed, never varied): the TEST part is every message
whose 留言编号 is divisible by 5 (831 of 4,326); the rest is the development part, the
only part looked at while the place and description rules were written. The groups in
``liuyanban/intelligence/eval/hot_labels_heldout.json`` were labelled afterwards from the
test part alone, by reading its titles; they are scored once here.

The index is built on the test part only (so a found group holds only test messages) and
the corpus is read through its dataset adapter (A市, A5区 codes). For each labelled group
the best-overlapping found group gives precision (share of that found group in the label)
and coverage (share of the label in that group). Evidence: held-out, hand-labelled by the
engineer who wrote the rules (one labeller, no agreement figure).

It also prints the score on the development part (the in-sample labels of
``eval/hot_labels.json`` restricted to it, index built from it alone): that is where
thresholds are chosen. ``--development-only`` prints that score alone, without building or
scoring the test part, so rules can be tuned without looking at the test part.

The same script runs on older code (PYTHONPATH=<old checkout>): without the adapter module
the old built-in code rules apply, which is how that code read this corpus.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(os.environ.get("LIUYANBAN_ROOT", Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

from liuyanban.intelligence.hot import HotIssueIndex, hot_issues  # noqa: E402
from liuyanban.intelligence.hot.csvio import read_messages  # noqa: E402
from liuyanban.intelligence.hot.evaluate import load_labels, score_groups, summary  # noqa: E402

DATA = Path("/work/shared/data/tipdm2020c/attachment3_hot.csv")
LABELS = (
    Path(__file__).resolve().parent.parent / "liuyanban/intelligence/eval/hot_labels_heldout.json"
)


def in_test_part(message_id: int) -> bool:
    return message_id % 5 == 0


def _adapter() -> contextlib.AbstractContextManager[None]:
    try:
        from liuyanban.intelligence.hot.datasets import TIPDM
        from liuyanban.intelligence.hot.places import admin_names
    except ImportError:  # older code: the corpus's codes were built into the rules
        return contextlib.nullcontext()
    return admin_names(TIPDM)


def development_score(data: Path) -> dict[str, float]:
    """The in-sample labels (``eval/hot_labels.json``) on the development part only: where
    the rules and thresholds are chosen (e.g. ``HotIssueIndex.alike_threshold``)."""
    labels = [(name, {i for i in ids if not in_test_part(i)}) for name, ids in load_labels()]
    labels = [(name, ids) for name, ids in labels if len(ids) >= 2]
    with _adapter():
        msgs = [m for m in read_messages(data) if not in_test_part(m.id)]
        index = HotIssueIndex()
        index.rebuild(msgs)
        return summary(score_groups(index.partition(), labels))


def _print_development(data: Path) -> None:
    dev = development_score(data)
    print(
        f"development part (in-sample labels, {dev['groups']:.0f} groups with 2+ messages there): "
        f"precision={dev['precision']:.3f} coverage={dev['coverage']:.3f} "
        f"coverage_micro={dev['coverage_micro']:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--development-only",
        action="store_true",
        help="score the development part only (the test part is neither built nor scored)",
    )
    args = parser.parse_args()
    if args.development_only:
        _print_development(args.data)
        return
    data = json.loads(args.labels.read_text(encoding="utf-8"))
    labels = [(g["name"], set(g["ids"])) for g in data["groups"]]
    assert all(in_test_part(i) for _, ids in labels for i in ids), "labels outside the test part"
    with _adapter():
        msgs = [m for m in read_messages(args.data) if in_test_part(m.id)]
        index = HotIssueIndex()
        index.rebuild(msgs)
        scores = score_groups(index.partition(), labels)
        top = hot_issues(index, top=10)
    print(f"code: {ROOT}")
    print(
        f"test part: {len(msgs)} messages; {len(labels)} labelled groups, "
        f"{sum(len(ids) for _, ids in labels)} messages"
    )
    for s in scores:
        print(
            f"  {s.name[:50]:<50} size={s.size:<3} found={s.found_size:<4} "
            f"precision={s.precision:.2f} coverage={s.coverage:.2f}"
        )
    total = summary(scores)
    print(
        f"held-out: precision={total['precision']:.3f} coverage={total['coverage']:.3f} "
        f"coverage_micro={total['coverage_micro']:.3f}"
    )
    _print_development(args.data)
    print("top 10 of the test part (place | description):")
    for issue in top:
        print(f"  {issue.rank}. {issue.place} | {issue.description} ({len(issue.members)})")


if __name__ == "__main__":
    main()
