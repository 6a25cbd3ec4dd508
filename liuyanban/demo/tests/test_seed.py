"""The demo world: every state present, idempotent, and the logins work."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command
from django.test import Client

from liuyanban.demo import world
from liuyanban.demo.generator import generate_message, generate_reply
from liuyanban.lifecycle.models import Message, Status
from liuyanban.organizations.models import Board, Level, Organization, OrgKind


def test_generator_writes_valid_messages() -> None:
    rng = random.Random(7)
    for _ in range(200):
        m = generate_message(rng, city="长沙市")
        assert 5 <= len(m.title) <= 50
        assert 10 <= len(m.body) <= 3000
        assert len(generate_reply(rng, m, "某局")) >= 10


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
    count = Message.objects.count()
    call_command("seed_demo")
    assert Message.objects.count() == count
    out = capsys.readouterr().out
    assert "演示数据已存在" in out and "moderator" in out
    client = Client()
    assert client.login(username="citizen1", password=world.PASSWORD)
