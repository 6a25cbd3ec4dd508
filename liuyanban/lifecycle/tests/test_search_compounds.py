"""Search finds compound words through their parts, on SQLite FTS5 and PostgreSQL alike
(run this file with DATABASE_URL pointing at PostgreSQL for the second)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from liuyanban.core.text.chinese import tokenizer
from liuyanban.lifecycle.models import Message, Status
from liuyanban.lifecycle.search import search_messages
from liuyanban.testing.world import World

pytestmark = pytest.mark.django_db


def _published(world: World, title: str, body: str) -> Message:
    return world.message_in(Status.PUBLISHED, title=title, body=body)


def test_a_compound_query_finds_its_parts_and_two_character_words_still_work(
    client: Client, world: World
) -> None:
    fee = _published(
        world, "小区物业收费不合理", "幸福小区的物业收费标准一年涨了两次，业主没有收到任何说明。"
    )
    word = _published(world, "物业费上涨", "今年的物业费比去年高了很多，请核查是否合规。")
    lamp = _published(world, "幸福路路灯不亮", "幸福路的路灯坏了三个月，晚上出行很不安全。")

    assert {m.pk for m in search_messages("物业费").items} == {fee.pk, word.pk}
    assert [m.pk for m in search_messages("路灯").items] == [lamp.pk]
    assert {m.pk for m in search_messages("物业").items} == {fee.pk, word.pk}
    assert search_messages("停车费").items == []  # 停车 is in none of them
    page = client.get("/search/", {"q": "物业费"}).content.decode()
    assert fee.tracking_number in page and word.tracking_number in page
    assert lamp.tracking_number not in page
    assert "<mark>物业</mark>" in page  # the part that matched is highlighted


def test_resegment_search_reindexes_rows_written_under_the_old_scheme(world: World) -> None:
    fee = _published(world, "物业收费问题", "小区物业收费一直不公开，业主希望公示明细。")
    old = " ".join(tokenizer().lcut_for_search(f"{fee.public_title} {fee.public_body}", HMM=False))
    Message.objects.filter(pk=fee.pk).update(search_text=old)  # as stored before this change
    assert search_messages("物业费").items == []
    out = StringIO()
    call_command("resegment_search", "--batch", "1", stdout=out)
    assert "已完成 1 / 1" in out.getvalue()
    assert [m.pk for m in search_messages("物业费").items] == [fee.pk]
