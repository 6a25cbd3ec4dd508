"""The search plan's estimate from PostgreSQL's lexeme statistics (pure arithmetic)."""

from __future__ import annotations

import pytest

from liuyanban.lifecycle import search
from liuyanban.lifecycle.search import QueryWord
from liuyanban.lifecycle.search_stats import LexemeStats

STATS = LexemeStats(
    shares={"物业": 0.30, "明显": 0.20, "改善": 0.25, "停车": 0.01, "费": 0.05},
    floor=0.001,
    rows=4_200_000,
)


def test_a_listed_word_is_as_common_as_its_share() -> None:
    assert STATS.upper([QueryWord("物业")]) == pytest.approx(0.30 * 4_200_000)
    assert STATS.guess([QueryWord("物业")]) == pytest.approx(0.30 * 4_200_000)


def test_an_unlisted_word_is_rarer_than_the_smallest_listed_share() -> None:
    assert STATS.upper([QueryWord("延边")]) == pytest.approx(0.001 * 4_200_000)
    assert STATS.guess([QueryWord("延边")]) is None  # only a bound: never "surely many"


def test_an_and_is_at_most_its_rarest_word_and_a_compound_adds_its_rarest_part() -> None:
    words = [QueryWord("物业"), QueryWord("停车")]
    assert STATS.upper(words) == pytest.approx(0.01 * 4_200_000)
    assert STATS.guess(words) == pytest.approx(0.30 * 0.01 * 4_200_000)
    compound = QueryWord("明显改善", ("明显", "改善"))  # 明显改善 unlisted, or 明显 + 改善
    assert STATS.upper([compound]) == pytest.approx((0.001 + 0.20) * 4_200_000)


def test_the_plan_threshold_sits_between_a_rare_and_a_common_word() -> None:
    threshold = search.walk_threshold(4_200_000, 21)
    assert 5_000 < threshold < 20_000
    assert STATS.upper([QueryWord("延边")]) < threshold  # read through the GIN index
    assert STATS.upper([QueryWord("物业")]) > threshold  # walk the newest rows
