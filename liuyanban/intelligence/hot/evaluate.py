"""Scores of a grouping against hand-labelled issue groups (message ids only)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LABELS = Path(__file__).resolve().parent.parent / "eval" / "hot_labels.json"


@dataclass(frozen=True)
class GroupScore:
    """How one labelled group came out: its best-matching found group."""

    name: str
    size: int
    found_size: int
    overlap: int

    @property
    def precision(self) -> float:
        """Share of the found group that belongs to the labelled issue."""
        return self.overlap / self.found_size if self.found_size else 0.0

    @property
    def coverage(self) -> float:
        """Share of the labelled issue that the found group holds."""
        return self.overlap / self.size


def load_labels(path: Path = LABELS) -> list[tuple[str, set[int]]]:
    """(name, ids) of each labelled group."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(g["name"], set(g["ids"])) for g in data["groups"]]


def score_groups(
    found: Iterable[Iterable[int]], labels: list[tuple[str, set[int]]]
) -> list[GroupScore]:
    """Match every labelled group to the found group sharing most messages with it."""
    found_sets = [set(g) for g in found]
    scores = []
    for name, truth in labels:
        best = max(found_sets, key=lambda g: len(g & truth), default=set())
        scores.append(GroupScore(name, len(truth), len(best), len(best & truth)))
    return scores


def summary(scores: list[GroupScore]) -> dict[str, float]:
    """Macro means, and message-weighted coverage (micro)."""
    n = len(scores) or 1
    total = sum(s.size for s in scores) or 1
    return {
        "groups": float(len(scores)),
        "precision": sum(s.precision for s in scores) / n,
        "coverage": sum(s.coverage for s in scores) / n,
        "coverage_micro": sum(s.overlap for s in scores) / total,
    }
