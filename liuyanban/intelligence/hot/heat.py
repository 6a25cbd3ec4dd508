"""The heat index (热度指数) of an issue group. Documented in docs/hot-issues.md."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .features import HotInput

RECENCY_HALF_LIFE_DAYS = 90.0
GROWTH_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Heat:
    """The heat index and the parts it is made of, so a ranking can be explained."""

    score: float
    volume: float
    engagement: float
    concentration: float
    recency: float
    growth: float


def heat(members: Sequence[HotInput], now: datetime) -> Heat:
    """Heat = 10 × (volume + 0.5·engagement) × time factor, rounded to 0.01.

    volume: ln(1 + distinct authors) + 0.5·ln(1 + repeat posts) — people count more than
    posts, so one author posting ten times is not ten people.
    engagement: ln(1 + likes + 0.5·dislikes) — a dislike is attention too, but weaker.
    concentration: n / (n + span_days/30) — many messages in a short span is "集中反映".
    recency: 0.5 ** (days since the last message / 90).
    growth: ln((1 + messages in the last 30 days) / (1 + messages in the 30 days before)),
    clipped to [0, ln 4] — a rising issue gets up to +35 %.
    """
    n = len(members)
    authors = len({m.author for m in members})
    likes = sum(max(m.likes, 0) for m in members)
    dislikes = sum(max(m.dislikes, 0) for m in members)
    first = min(m.at for m in members)
    last = max(m.at for m in members)
    volume = math.log1p(authors) + 0.5 * math.log1p(n - authors)
    engagement = math.log1p(likes + 0.5 * dislikes)
    span_days = (last - first).total_seconds() / 86400
    concentration = n / (n + span_days / 30)
    age_days = max((now - last).total_seconds() / 86400, 0.0)
    recency = 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)
    growth = _growth(members, now)
    time_factor = (0.5 + 0.5 * concentration) * (0.5 + 0.5 * recency) * (1 + 0.25 * growth)
    score = 10 * (volume + 0.5 * engagement) * time_factor
    return Heat(round(score, 2), volume, engagement, concentration, recency, growth)


def _growth(members: Sequence[HotInput], now: datetime) -> float:
    recent = sum(1 for m in members if now - GROWTH_WINDOW < m.at <= now)
    before = sum(1 for m in members if now - 2 * GROWTH_WINDOW < m.at <= now - GROWTH_WINDOW)
    return min(max(math.log((1 + recent) / (1 + before)), 0.0), math.log(4))
