"""Routing suggestions: which handling unit an office is likely to pick for a message.

A small, explainable model learned from the office's own history of assignments:

    score(unit) = log P(unit | office)                       (how often the office uses it)
                + log P(domain | unit)                        (what kind of work it takes)
                + Σ_w log P(word | unit) / √n                 (the words of the message)
                + log P(region | unit)                        (where the problem is)
                − penalty · returns(unit, domain)             (a return is a lesson)

with Laplace smoothing, so a unit never seen for a domain can still be proposed, and
a prior from the unit's declared domains (``Organization.domains``) for a cold start.
Each suggestion carries its reasons for the assign dialog.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Case:
    """One past routing decision: where it went and whether the unit sent it back."""

    domain: int
    words: Sequence[str]
    unit: int
    region: int | None = None
    returned: bool = False


@dataclass(frozen=True)
class Suggestion:
    """A ranked unit with its score and the reasons shown to the office."""

    unit: int
    score: float
    reasons: tuple[str, ...]


@dataclass
class RoutingModel:
    """Counts learned from one office's history (fit is linear in the number of cases)."""

    return_penalty: float = 1.5
    declared_prior: float = 3.0
    unit_counts: Counter[int] = field(default_factory=Counter)
    domain_counts: dict[int, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    region_counts: dict[int, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    word_counts: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    word_totals: Counter[int] = field(default_factory=Counter)
    returns: Counter[tuple[int, int]] = field(default_factory=Counter)
    vocabulary: set[str] = field(default_factory=set)

    def fit(self, cases: Iterable[Case]) -> RoutingModel:
        """Learn from accepted assignments; returned ones only teach what not to do."""
        for case in cases:
            if case.returned:
                self.returns[(case.unit, case.domain)] += 1
                continue
            self.unit_counts[case.unit] += 1
            self.domain_counts[case.unit][case.domain] += 1
            if case.region is not None:
                self.region_counts[case.unit][case.region] += 1
            words = set(case.words)
            self.word_counts[case.unit].update(words)
            self.word_totals[case.unit] += len(words)
            self.vocabulary |= words
        return self

    def suggest(
        self,
        *,
        domain: int,
        words: Sequence[str],
        candidates: Sequence[int],
        declared: dict[int, set[int]] | None = None,
        region: int | None = None,
        names: dict[int, str] | None = None,
        k: int = 3,
    ) -> list[Suggestion]:
        """The ``k`` best candidate units, best first, with reasons."""
        if not candidates:
            return []
        declared = declared or {}
        total = sum(self.unit_counts[u] for u in candidates)
        vocab = max(1, len(self.vocabulary))
        known = [w for w in dict.fromkeys(words) if w in self.vocabulary]
        scored = []
        for unit in candidates:
            n_unit = self.unit_counts[unit]
            prior = math.log((n_unit + 1) / (total + len(candidates)))
            declared_hit = domain in declared.get(unit, set())
            d_count = self.domain_counts[unit][domain] + (
                self.declared_prior if declared_hit else 0.0
            )
            n_domains = len(self.domain_counts[unit]) + 1
            p_domain = math.log((d_count + 0.1) / (n_unit + self.declared_prior + 0.1 * n_domains))
            p_words = 0.0
            for w in known:
                p_words += math.log(
                    (self.word_counts[unit][w] + 0.5) / (self.word_totals[unit] + 0.5 * vocab)
                )
            p_words /= math.sqrt(max(1, len(known)))
            p_region = 0.0
            if region is not None and n_unit:
                p_region = math.log((self.region_counts[unit][region] + 1) / (n_unit + 2))
            returned = self.returns[(unit, domain)]
            score = prior + p_domain + p_words + p_region - self.return_penalty * returned
            scored.append((score, unit, self._reasons(unit, domain, known, declared_hit, returned)))
        scored.sort(key=lambda row: (-row[0], row[1]))
        return [Suggestion(unit, round(score, 3), reasons) for score, unit, reasons in scored[:k]]

    def _reasons(
        self, unit: int, domain: int, words: Sequence[str], declared: bool, returned: int
    ) -> tuple[str, ...]:
        reasons = []
        same = self.domain_counts[unit][domain]
        if same:
            reasons.append(_("同领域留言已交办该单位 %(n)d 次") % {"n": same})
        elif declared:
            reasons.append(_("该单位职责包含此领域"))
        top = sorted(words, key=lambda w: -self.word_counts[unit][w])[:3]
        top = [w for w in top if self.word_counts[unit][w] > 0]
        if top:
            reasons.append(_("相似用词：%(words)s") % {"words": "、".join(top)})
        if returned:
            reasons.append(_("同领域曾被该单位退回 %(n)d 次") % {"n": returned})
        return tuple(reasons)


def top_k_accuracy(
    model: RoutingModel,
    tests: Sequence[Case],
    candidates: Sequence[int],
    k: int,
    declared: dict[int, set[int]] | None = None,
) -> float:
    """Share of test cases whose true unit is among the top ``k`` suggestions."""
    if not tests:
        return 0.0
    hits = 0
    for case in tests:
        ranked = model.suggest(
            domain=case.domain,
            words=case.words,
            candidates=candidates,
            declared=declared,
            region=case.region,
            k=k,
        )
        hits += any(s.unit == case.unit for s in ranked)
    return hits / len(tests)
