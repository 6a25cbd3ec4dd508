"""Routing evidence shown to the office: content words only, place names whole."""

from __future__ import annotations

import re
from typing import Any

import pytest

from liuyanban.core.text.chinese import Lexicon, keywords, stopwords
from liuyanban.intelligence import lexicon, selectors
from liuyanban.intelligence.models import MessageInsight
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Message, Status
from liuyanban.organizations.models import Level, Region
from liuyanban.testing.world import World

TITLE = "长沙市幸福路的路灯是不亮的"
BODY = "我是长沙市幸福路的居民。我家门口的路灯坏了，是三个月了，晚上很黑！"


@pytest.fixture(autouse=True)
def _fresh_caches() -> Any:
    selectors._models.clear()
    lexicon.forget()
    yield
    selectors._models.clear()
    lexicon.forget()


def _similar_words(reasons: list[str]) -> list[str]:
    found = [r for r in reasons if r.startswith("相似用词：")]
    assert found, reasons
    return found[0].removeprefix("相似用词：").split("、")


def _assert_content_words(words: list[str]) -> None:
    stops = stopwords()
    for w in words:
        assert w not in stops, words
        assert not re.search(r"[，。！？、：；,.!?]", w), words
        assert w != "沙市", words  # a fragment of 长沙市
        assert len(w) >= 2, words


def _accepted(world: World) -> Message:
    return world.message_in(Status.ACCEPTED, title=TITLE, body=BODY)


def test_evidence_from_indexed_history_has_no_stop_words_or_fragments(world: World) -> None:
    """History analysed before keywords were stored: the index words are filtered."""
    Region.objects.create(code="430100", name="长沙市", level=Level.PREFECTURE)
    for _ in range(3):
        world.message_in(Status.ASSIGNED, title=TITLE, body=BODY)
    assert not MessageInsight.objects.exists()
    top = selectors.routing_suggestions(_accepted(world))[0]
    assert top["unit"] == world.east_housing
    words = _similar_words(top["reasons"])
    _assert_content_words(words)
    assert set(words) <= {"长沙市", "幸福路", "幸福", "路灯", "居民", "家门口", "门口", "晚上"}


def test_evidence_from_analysed_history_keeps_place_names_whole(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    Region.objects.create(code="430100", name="长沙市", level=Level.PREFECTURE)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            m = world.submit(title=TITLE, body=BODY)
        actions.approve_message(actor=world.mona, message_id=m.pk)
        actions.accept_message(actor=world.olga, message_id=m.pk)
        actions.assign_message(actor=world.olga, message_id=m.pk, lead_id=world.east_housing.pk)
    insight = MessageInsight.objects.filter(message__title=TITLE).first()
    assert insight is not None and "长沙市" in insight.keywords
    assert "13812345678" not in " ".join(insight.keywords)
    top = selectors.routing_suggestions(_accepted(world))[0]
    words = _similar_words(top["reasons"])
    _assert_content_words(words)
    assert words[0] == "长沙市"


def test_lexicon_keeps_organisation_names_whole() -> None:
    names = Lexicon(["沙市街道办事处", "东区住房和城乡建设局"])
    words = keywords("我向沙市街道办事处反映过，东区住房和城乡建设局也不管。", names)
    assert words[:2] == ["沙市街道办事处", "东区住房和城乡建设局"]
    assert keywords("我是，的。了！") == []
