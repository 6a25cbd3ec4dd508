"""Campaign benchmark: 62,000 generated suggestions in a temporary SQLite file.

Measures ingest through the real ``submit_suggestion`` action (a sample) and in bulk,
the topic grouping (TF-IDF + LSA + mini-batch k-means, near-duplicates) on all of
them, and the review page's response time (Django test client, p50/p95).

    nice -n 10 .venv/bin/python bench/campaign_bench.py [--total 62000] [--sample 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db_path: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("TASKS_BACKEND", "immediate")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=62_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(str(Path(tmp) / "bench.sqlite3"))
        run(args.total, args.sample, args.requests)


def run(total: int, sample: int, requests: int) -> None:
    from datetime import timedelta

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from liuyanban.accounts.models import User
    from liuyanban.campaigns import actions, demo
    from liuyanban.campaigns.models import Suggestion, SuggestionStatus
    from liuyanban.campaigns.selectors import compute_results
    from liuyanban.campaigns.topics import store_topics
    from liuyanban.lifecycle.redaction import public_text
    from liuyanban.organizations.models import Region
    from liuyanban.testing.world import build_world

    world = build_world()
    now = timezone.now()
    authors = User.objects.bulk_create(
        [User(username=f"citizen{i}", nickname=f"网友{i}") for i in range(5000)]
    )
    regions = list(Region.objects.filter(parent__isnull=False))
    campaign = actions.create_campaign(
        actor=world.olga,
        data=actions.CampaignInput(
            host_id=world.east.pk,
            title="公共机构食堂反食品浪费等您支招",
            description="围绕公共机构食堂反对食品浪费征集建议。",
            opens_at=now - timedelta(days=30),
            closes_at=now + timedelta(days=30),
        ),
    )
    texts = list(demo.generate(total, seed=7))
    print(f"generated {len(texts):,} suggestions, {len({t.body for t in texts}):,} distinct bodies")

    # 1. Through the action (validation, redaction, rate limit, idempotency, one event each).
    started = time.perf_counter()
    for i, item in enumerate(texts[:sample]):
        actions.submit_suggestion(
            author=authors[i % len(authors)],
            campaign_id=campaign.pk,
            draft=actions.SuggestionDraft(
                title=item.title,
                body=item.body,
                region_id=regions[i % len(regions)].pk,
                idempotency_key=f"b{i}",
            ),
        )
    action_rate = sample / (time.perf_counter() - started)
    print(f"submit_suggestion: {action_rate:,.0f}/s over {sample}")
    started = time.perf_counter()
    for s in Suggestion.objects.filter(campaign=campaign)[:sample]:
        actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    print(f"publish_suggestion: {sample / (time.perf_counter() - started):,.0f}/s")

    # 2. Bulk (an import of an offline collection: redacted, published).
    started = time.perf_counter()
    rows = []
    for i, item in enumerate(texts[sample:], start=sample):
        at = now - timedelta(days=30) + timedelta(seconds=i * 40)
        rows.append(
            Suggestion(
                campaign=campaign,
                author=authors[i % len(authors)],
                nickname=f"网友{i % 5000}",
                region=regions[i % len(regions)],
                title=item.title,
                body=item.body,
                public_title=public_text(item.title)[:50],
                public_body=public_text(item.body),
                status=SuggestionStatus.PUBLISHED,
                submitted_at=at,
                published_at=at,
                support_count=(i * 7919) % 97,
            )
        )
    Suggestion.objects.bulk_create(rows, batch_size=2000)
    bulk = len(rows) / (time.perf_counter() - started)
    print(f"bulk load: {bulk:,.0f}/s over {len(rows):,} (redaction included)")

    # 3. Topic groups and near-duplicates on everything.
    timings: dict[str, float] = {}
    started = time.perf_counter()
    groups = store_topics(campaign, timings)
    print(
        f"topics: {groups} groups over {Suggestion.objects.filter(campaign=campaign).count():,} in "
        f"{time.perf_counter() - started:.1f}s ("
        + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
        + ")"
    )
    for g in campaign.topic_groups.order_by("rank")[:8]:
        print(f"  {g.size:>6}  {g.label}  | {g.sentences[0] if g.sentences else ''}")

    # 4. The review page.
    client = Client()
    client.force_login(world.olga)
    topic = campaign.topic_groups.order_by("rank").first()
    similar = Suggestion.objects.filter(campaign=campaign).exclude(similar_group=None).first()
    url = reverse("web:campaign_review", args=[campaign.pk])
    variants = {
        "default": {},
        "support": {"sort": "support", "status": "published"},
        "search": {"q": "打包"},
        "topic": {"topic": topic.pk if topic else ""},
        "similar": {"similar": similar.similar_group if similar else ""},
        "collapse": {"collapse": "1"},
        "region": {"region": regions[0].pk},
        "page 200": {"page": 200},
    }
    client.get(url)  # warm up
    for name, params in variants.items():
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url, params)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        p50, p95 = _percentiles(samples)
        print(f"review {name:<9} p50 {p50:6.0f} ms  p95 {p95:6.0f} ms")
    for name, page in [
        ("campaign", reverse("web:campaign", args=[campaign.pk])),
        ("results", reverse("web:campaign_results", args=[campaign.pk])),
    ]:
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            assert Client().get(page).status_code == 200
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = _percentiles(samples)
        print(f"{name:<16} p50 {p50:6.0f} ms  p95 {p95:6.0f} ms")
    samples = []
    for _ in range(3):
        started = time.perf_counter()
        compute_results(campaign)
        samples.append((time.perf_counter() - started) * 1000)
    print(f"results uncached (compute_results) median {statistics.median(samples):.0f} ms")


if __name__ == "__main__":
    main()
