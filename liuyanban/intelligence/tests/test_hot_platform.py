"""Hot issues in the platform: grouping published messages into rows, rebuild, warning, pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from liuyanban.intelligence.hot import selectors as hot_selectors
from liuyanban.intelligence.hot import store
from liuyanban.intelligence.hot.warning import is_rising
from liuyanban.intelligence.models import HotIssue, HotIssueFeedback, HotIssueStatus
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Message
from liuyanban.notifications.models import Notification
from liuyanban.testing.world import World

SMOKE = [
    (
        "阳光花园小区楼下烧烤店油烟扰民",
        "阳光花园小区楼下新开的烧烤店每天晚上油烟很大，居民无法开窗，请有关部门处理。",
    ),
    (
        "阳光花园小区烧烤油烟严重影响居民生活",
        "阳光花园小区门口烧烤摊油烟和噪音严重，影响居民休息，希望整治。",
    ),
    ("阳光花园小区烧烤店油烟问题", "阳光花园小区烧烤店油烟太大，晚上还很吵，请环保部门查处。"),
]
LAMPS = [
    (
        "幸福路路灯长期不亮",
        "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全，请尽快修复。",
    ),
    (
        "幸福路路灯坏了没人修",
        "幸福路的路灯坏了两个多月，晚上一片漆黑，出行不安全，希望尽快修复路灯。",
    ),
]
DAY0 = datetime(2025, 3, 3, 10, tzinfo=timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    store.reset_index()
    yield
    store.reset_index()


def publish(world: World, title: str, body: str, day: int, author: str = "alice") -> Message:
    """Submit and approve a message on DAY0 + ``day`` (without running the hot-issue task)."""
    with time_machine.travel(DAY0.replace(day=DAY0.day + day), tick=False):
        m = world.submit(getattr(world, author), title=title, body=body)
        actions.approve_message(actor=world.mona, message_id=m.pk)
    return Message.objects.get(pk=m.pk)


def add(m: Message, day: int) -> HotIssue | None:
    return store.add_published(m.pk, now=DAY0.replace(day=DAY0.day + day, hour=23))


def partition() -> set[frozenset[int]]:
    return {
        frozenset(i.members.values_list("message_id", flat=True))
        for i in HotIssue.objects.filter(status=HotIssueStatus.ACTIVE)
    }


def test_similar_complaints_join_one_issue_and_unrelated_stays_apart(world: World) -> None:
    first = publish(world, *SMOKE[0], day=0)
    assert add(first, 0) is None  # one message is not an issue yet
    second = publish(world, *SMOKE[1], day=2, author="bob")
    issue = add(second, 2)
    assert issue is not None
    assert set(issue.members.values_list("message_id", flat=True)) == {first.pk, second.pk}
    assert "阳光花园" in issue.label
    assert issue.message_count == 2 and issue.author_count == 2 and issue.office == world.east
    lamp = publish(world, *LAMPS[0], day=3)
    assert add(lamp, 3) is None
    assert partition() == {frozenset({first.pk, second.pk})}


def test_approve_event_queues_the_update_in_the_background(
    world: World, django_capture_on_commit_callbacks
) -> None:
    first = world.message_in("published", title=SMOKE[0][0], body=SMOKE[0][1])
    store.add_published(first.pk)
    m = world.submit(world.bob, title=SMOKE[1][0], body=SMOKE[1][1])
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_message(actor=world.mona, message_id=m.pk)
    assert partition() == {frozenset({first.pk, m.pk})}


class _Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_rebuild_equals_incremental_membership(world: World) -> None:
    msgs = []
    for day, (title, body) in enumerate(SMOKE + LAMPS):
        m = publish(world, title, body, day=day, author="alice" if day % 2 else "bob")
        add(m, day)
        msgs.append(m)
    incremental = partition()
    ids = set(HotIssue.objects.values_list("pk", flat=True))
    assert incremental == {
        frozenset(m.pk for m in msgs[:3]),
        frozenset(m.pk for m in msgs[3:]),
    }
    out, err = StringIO(), _Terminal()
    with time_machine.travel(DAY0.replace(day=10), tick=False):
        call_command("rebuild_hot_issues", days=90, stdout=out, stderr=err)
    assert "2/2" in err.getvalue() and "group/s" in err.getvalue()  # progress on a terminal
    assert partition() == incremental
    assert set(HotIssue.objects.values_list("pk", flat=True)) == ids  # ids are kept
    assert "5 messages" in out.getvalue() and "2 hot issues" in out.getvalue()
    assert sorted(r or 0 for r in HotIssue.objects.values_list("rank", flat=True)) == [1, 2]


def test_early_warning_goes_to_the_office_clerks_once(world: World) -> None:
    # The worker that raises the warning runs in English (the sender's language must not
    # decide the reader's).
    with translation.override("en"):
        for day, (title, body) in enumerate(SMOKE):
            add(publish(world, title, body, day=day, author=("alice", "bob")[day % 2]), day)
    issue = HotIssue.objects.get()
    assert issue.rising and issue.warned_at is not None
    warned = Notification.objects.filter(verb="hot_warning")
    assert [n.user for n in warned] == [world.olga]
    assert warned[0].url == reverse("web:hot_issue", args=[issue.pk])
    assert "阳光花园" in warned[0].text
    assert warned[0].text.startswith("热点预警（未诉先办）")  # email copies: the site's language
    # Stored as a key and values: each reader sees the notice in their own language.
    row = warned[0]
    assert row.text_key.startswith("热点预警（未诉先办）") and row.params["label"] == issue.label
    with translation.override("en"):
        english = row.display_text
    with translation.override("zh-hans"):
        chinese = row.display_text
    assert english.startswith("Hot issue early warning") and "阳光花园" in english
    assert "热点预警" not in english
    assert chinese.startswith("热点预警（未诉先办）") and "阳光花园" in chinese
    store.refresh_all(now=DAY0.replace(day=6))
    add(Message.objects.get(public_title=SMOKE[2][0]), 2)
    assert warned.count() == 1


def test_rising_needs_enough_messages_and_growth(world: World) -> None:
    now = DAY0.replace(day=20)
    recent = [now.replace(day=d) for d in (15, 17, 19)]
    assert is_rising(recent, now)
    assert not is_rising(recent[:2], now)
    assert not is_rising(recent + [now.replace(day=d) for d in (8, 9, 10)], now)


def _two_issues(world: World) -> HotIssue:
    for day, (title, body) in enumerate(SMOKE[:2]):
        add(publish(world, title, body, day=day, author=("alice", "bob")[day % 2]), day)
    return HotIssue.objects.get()


def test_public_pages_show_the_two_tables(client: Client, world: World) -> None:
    issue = _two_issues(world)
    page = client.get(reverse("web:hot_issues")).content.decode()
    for header in ("热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"):
        assert header in page
    for header in ("留言编号", "留言主题", "留言时间", "点赞数"):
        assert header in page
    member = issue.members.first()
    assert member is not None
    tracking = member.message.tracking_number
    assert reverse("web:message", args=[tracking]) in page
    assert "热度指数怎么算" in page
    detail = client.get(reverse("web:hot_issue", args=[issue.pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert SMOKE[0][0] in text and SMOKE[1][0] in text and "提交纠错" not in text
    assert client.get(reverse("web:hot_issue", args=[issue.pk + 99])).status_code == 404
    home = client.get("/").content.decode()
    assert reverse("web:hot_issues") in home
    stats = client.get(reverse("web:stats")).content.decode()
    assert "热点问题" in stats and reverse("web:hot_issue", args=[issue.pk]) in stats


def test_supervisor_board_lists_issues_in_scope(client: Client, world: World) -> None:
    issue = _two_issues(world)
    assert client.login(username="sam", password="pw-sam")
    page = client.get(reverse("web:work_supervision")).content.decode()
    assert 'id="s-hot"' in page and reverse("web:hot_issue", args=[issue.pk]) in page
    assert hot_selectors.issues_for_supervisor(world.olga) == []


def test_feedback_recorded_for_staff_and_404_for_citizens(client: Client, world: World) -> None:
    issue = _two_issues(world)
    url = reverse("web:hot_issue_feedback", args=[issue.pk])
    assert client.login(username="alice", password="pw-alice")
    assert client.post(url, {"verdict": "not_hot"}).status_code == 404
    assert client.get(reverse("web:hot_feedback")).status_code == 404
    client.logout()
    assert client.login(username="sam", password="pw-sam")
    assert "提交纠错" in client.get(reverse("web:hot_issue", args=[issue.pk])).content.decode()
    response = client.post(url, {"verdict": "not_one_issue", "note": "油烟和噪音是两件事"})
    assert response.status_code == 302
    mark = HotIssueFeedback.objects.get()
    assert (mark.user, mark.verdict, mark.note) == (
        world.sam,
        "not_one_issue",
        "油烟和噪音是两件事",
    )
    assert len(mark.snapshot["messages"]) == 2
    client.post(url, {"verdict": "nonsense"}, follow=True)
    assert HotIssueFeedback.objects.count() == 1
    page = client.get(reverse("web:hot_feedback")).content.decode()
    assert "不是同一问题" in page and "油烟和噪音是两件事" in page
