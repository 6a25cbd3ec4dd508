"""The handling index (办理指数): one documented, configurable score per body.

    index = (w_reply·回复率 + w_on_time·按期回复率 + w_satisfaction·综合满意度/5
             + w_reopen·(1 − 发回重办率)) ÷ (sum of the weights used)

A component a body has no data for (no evaluations yet, no standing reply) is
left out and the remaining weights are rescaled, so a body is neither punished
nor rewarded for missing data. Weights are data: the newest ``IndexWeights`` row,
else ``settings.LIUYANBAN["ANALYTICS_INDEX_WEIGHTS"]``, else the defaults below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from liuyanban.organizations.models import Organization

from .models import IndexWeights, Rollup
from .selectors import grouped, ratio, satisfaction

INDEX_MEASURES = (
    "accepted",
    "replied",
    "final_n",
    "on_time",
    "reopened",
    "eval_n",
    "solved_sum",
    "attitude_sum",
    "speed_sum",
)
DEFAULT_WEIGHTS = {"reply": 0.3, "on_time": 0.3, "satisfaction": 0.3, "reopen": 0.1}


@dataclass(frozen=True)
class Weights:
    reply: float
    on_time: float
    satisfaction: float
    reopen: float
    min_accepted: int = 1

    def formula(self) -> str:
        return _(
            "(%(r)s×回复率 + %(o)s×按期回复率 + %(s)s×满意度/5 + %(x)s×(1−发回重办率)) ÷ 所用权重之和"
        ) % {
            "r": f"{self.reply:g}",
            "o": f"{self.on_time:g}",
            "s": f"{self.satisfaction:g}",
            "x": f"{self.reopen:g}",
        }


def current_weights() -> Weights:
    """The weights in force: the newest DB row, then settings, then the defaults."""
    row = IndexWeights.objects.first()
    if row is not None:
        return Weights(row.reply, row.on_time, row.satisfaction, row.reopen, row.min_accepted)
    configured = settings.LIUYANBAN.get("ANALYTICS_INDEX_WEIGHTS", {})
    return Weights(**{**DEFAULT_WEIGHTS, **configured})


@dataclass(frozen=True)
class IndexRow:
    """One body's index with every component visible."""

    organization: Organization
    accepted: int
    reply_rate: float | None
    on_time_rate: float | None
    satisfaction: float | None
    reopen_rate: float | None
    index: float | None
    rank: int = 0


def score(components: Mapping[str, float | None], weights: Weights) -> float | None:
    """The weighted mean of the components present (each on a 0–1 scale)."""
    pairs = [
        (weights.reply, components["reply"]),
        (weights.on_time, components["on_time"]),
        (weights.satisfaction, components["satisfaction"]),
        (weights.reopen, components["reopen"]),
    ]
    used = [(w, v) for w, v in pairs if v is not None and w > 0]
    total = sum(w for w, _ in used)
    return sum(w * v for w, v in used) / total if total else None


def _components(t: Mapping[str, int]) -> dict[str, float | None]:
    sat = satisfaction(t)
    reopen = ratio(t["reopened"], t["replied"])
    return {
        "reply": ratio(t["replied"], t["accepted"]),
        "on_time": ratio(t["on_time"], t["final_n"]),
        "satisfaction": sat / 5 if sat is not None else None,
        "reopen": 1 - reopen if reopen is not None else None,
        "sat": sat,
        "reopen_rate": reopen,
    }


def per_office(
    qs: QuerySet[Rollup], measures: Iterable[str] = INDEX_MEASURES
) -> dict[int, dict[str, int]]:
    """Column sums per office (the body holding each message) over ``qs``, in one query."""
    return {r["office_id"]: r for r in grouped(qs, "office_id", measures=measures)}


def ranking(
    qs: QuerySet[Rollup], weights: Weights | None = None, limit: int = 50
) -> list[IndexRow]:
    """Bodies (the office holding each message) ranked by their handling index.

    Pass rows of ``Grain.OFFICE`` for the whole platform (see ``selectors.rows``).
    """
    return rank(per_office(qs), weights, limit)


def rank(
    offices: Mapping[int, Mapping[str, int]], weights: Weights | None = None, limit: int = 50
) -> list[IndexRow]:
    """The ``limit`` best of ``offices`` (office id → column sums) by handling index.

    Scores are computed from the sums alone; only the bodies shown are read from the
    directory.
    """
    weights = weights or current_weights()
    scored = []
    for pk, t in offices.items():
        if t["accepted"] < weights.min_accepted:
            continue
        c = _components(t)
        scored.append((score(c, weights), t["accepted"], pk, c))
    scored.sort(key=lambda r: (r[0] is None, -(r[0] or 0), -r[1], r[2]))
    shown = scored[:limit]
    orgs = Organization.objects.in_bulk([pk for _i, _a, pk, _c in shown])
    rows = [
        IndexRow(
            orgs[pk],
            accepted,
            c["reply"],
            c["on_time"],
            c["sat"],
            c["reopen_rate"],
            index,
        )
        for index, accepted, pk, c in shown
        if pk in orgs
    ]
    return [IndexRow(**{**r.__dict__, "rank": i + 1}) for i, r in enumerate(rows)]
