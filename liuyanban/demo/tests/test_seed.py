"""The demo world: every state present, idempotent, and the logins work."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from liuyanban.demo import world
from liuyanban.demo.generator import generate_message, generate_reply
from liuyanban.lifecycle.models import Event, Message, Status
from liuyanban.notifications.models import Notification
from liuyanban.organizations.models import Board, Level, Organization, OrgKind


def test_generator_writes_valid_messages() -> None:
    rng = random.Random(7)
    for _ in range(200):
        m = generate_message(rng, city="长沙市")
        assert 5 <= len(m.title) <= 50
        assert 10 <= len(m.body) <= 3000
        assert len(generate_reply(rng, m, "某局")) >= 10


def test_replies_answer_the_question_asked() -> None:
    from liuyanban.demo.generator import REPLY_LAWS

    rng = random.Random(11)
    for _ in range(400):
        m = generate_message(rng, city="长沙市")
        reply = generate_reply(rng, m, "某局")
        cited = re.findall(r"《(.+?)》", reply)
        # A law is cited only where it governs the domain (no 劳动合同法 for tap water).
        assert all(law in REPLY_LAWS.get(m.domain, []) for law in cited), (m.domain, cited)
        if m.kind == "question":
            assert "您咨询的" in reply and "情况确实存在" not in reply


def test_campaign_texts_have_plausible_times_and_durations() -> None:
    from liuyanban.campaigns.demo import clock_words, generate

    assert [clock_words(h) for h in (7, 10, 12, 15, 20)] == [
        "早上7点",
        "上午10点",
        "中午12点",
        "下午3点",
        "晚上8点",
    ]
    parts = {"早上": range(6, 9), "上午": range(9, 12), "中午": [12, 1]}
    parts |= {"下午": range(2, 6), "晚上": range(6, 10)}
    for s in generate(2000, seed=3):
        for part, hour in re.findall(r"(早上|上午|中午|下午|晚上)(\d+)点", s.body):
            assert int(hour) in parts[part], s.body
        for months in re.findall(r"持续(\d+)个月", s.body):
            assert 2 <= int(months) <= 11, s.body


@pytest.mark.slow
@pytest.mark.django_db
def test_seed_demo_has_every_state_and_runs_once(capsys: pytest.CaptureFixture[str]) -> None:
    from liuyanban.testing.world import ensure_defaults

    ensure_defaults()
    call_command("seed_demo", messages=30)
    statuses = set(Message.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in Status}
    # The directory is national: 中央's bodies and every province, not only 湖南.
    provinces = Organization.objects.filter(kind=OrgKind.GOVERNMENT, level=Level.PROVINCE)
    assert provinces.count() == 31
    assert Board.objects.filter(organization__kind=OrgKind.MINISTRY).exists()
    # Every message has its region, for the statistics' heat table and map.
    assert not Message.objects.filter(region__isnull=True).exists()
    # Nothing is dated after now, and each deadline notice appears once, at one level.
    now = timezone.now()
    assert not Event.objects.filter(at__gt=now).exists()
    assert not Notification.objects.filter(created_at__gt=now).exists()
    escalations = Event.objects.filter(action="escalate").values_list("message_id", "at")
    per_minute = Counter((m, at.replace(second=0, microsecond=0)) for m, at in escalations)
    assert all(n == 1 for n in per_minute.values())
    # Every public message is searchable at once (approval leaves indexing to a worker,
    # and the seed runs no worker).
    from liuyanban.lifecycle.models import PUBLIC_STATUSES
    from liuyanban.lifecycle.search import search_messages

    public = Message.objects.filter(status__in=PUBLIC_STATUSES)
    assert public.exists() and not public.filter(search_text="").exists()
    first = public.order_by("pk").first()
    assert first is not None
    assert search_messages(first.public_title[:4]).count > 0
    count = Message.objects.count()
    call_command("seed_demo")
    assert Message.objects.count() == count
    out = capsys.readouterr().out
    assert "演示数据已存在" in out and "moderator" in out
    client = Client()
    assert client.login(username="citizen1", password=world.PASSWORD)
