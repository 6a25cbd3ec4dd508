"""The demo seeder and topic grouping on generated suggestions."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.campaigns import demo, selectors
from liuyanban.campaigns.models import Phase, Suggestion
from liuyanban.campaigns.topics import choose_k, find_topics, sentences_of
from liuyanban.testing.world import World


def test_seed_demo_campaigns(world: World) -> None:
    open_c, closed_c = demo.seed_demo_campaigns(world, [world.alice, world.bob], timezone.now())
    assert open_c.phase() == Phase.OPEN and closed_c.phase() == Phase.CLOSED
    assert Suggestion.objects.filter(campaign=open_c).count() == 40
    assert Suggestion.objects.filter(campaign=closed_c, adopted=True).exists()
    assert selectors.topic_groups(open_c)
    page = Client().get(reverse("web:campaign_results", args=[closed_c.pk])).content.decode()
    assert "采纳回应" in page
    out = io.StringIO()
    call_command("campaign_topics", str(open_c.pk), stdout=out)
    assert "topic groups in" in out.getvalue()


def test_topics_recover_generated_themes() -> None:
    items = [(i, f"{g.title}。{g.body}") for i, g in enumerate(demo.generate(600, seed=3))]
    truth = {i: g.topic for i, g in enumerate(demo.generate(600, seed=3))}
    topics = find_topics(items, k=8)
    assert sum(t.size for t in topics) == 600
    # Most groups are dominated by one generated theme (purity over all groups).
    pure = sum(
        max(sum(1 for m in t.member_ids if truth[m] == name) for name in set(truth.values()))
        for t in topics
    )
    assert pure / 600 > 0.7
    for t in topics:
        assert t.label_terms and t.sentences
        assert set(t.representative_ids) <= set(t.member_ids)


def test_choose_k_and_sentences() -> None:
    assert choose_k(2) == 1
    assert choose_k(40) == 4
    assert choose_k(62_000) == 40
    assert sentences_of("第一句话比较长一些。短。第三句话也比较长！") == [
        "第一句话比较长一些。",
        "第三句话也比较长！",
    ]
