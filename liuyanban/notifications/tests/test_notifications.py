"""Notifications: who is told (once each), reading them, marking them read, email copies."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core import mail

from liuyanban.notifications import selectors
from liuyanban.notifications.actions import mark_read, notify
from liuyanban.notifications.models import Notification
from liuyanban.notifications.tasks import email_notifications
from liuyanban.testing.world import World


def test_each_active_user_is_told_once(world: World) -> None:
    world.bob.is_active = False
    world.bob.save()
    rows = notify(
        users=[world.alice, None, world.alice, world.bob, world.olga],
        verb="accepted",
        text="您的留言已受理" + "。" * 400,
        url="/messages/LY1/",
    )
    assert [n.user for n in rows] == [world.alice, world.olga]
    stored = Notification.objects.get(user=world.alice)
    assert stored.verb == "accepted" and stored.url == "/messages/LY1/"
    assert len(stored.text) == 300 and stored.read_at is None
    assert notify(users=[], verb="x", text="无人接收") == []


def test_a_user_reads_only_their_own_newest_first(world: World) -> None:
    first = notify(users=[world.alice], verb="a", text="第一条通知")[0]
    second = notify(users=[world.alice], verb="b", text="第二条通知")[0]
    notify(users=[world.bob], verb="c", text="别人的通知")
    assert list(selectors.notifications_for(world.alice)) == [second, first]
    assert list(selectors.notifications_for(world.alice, limit=1)) == [second]
    assert not selectors.notifications_for(AnonymousUser()).exists()
    assert selectors.unread_count(world.alice) == 2
    assert selectors.unread_count(AnonymousUser()) == 0


def test_mark_read_touches_only_the_users_own_rows(world: World) -> None:
    mine = notify(users=[world.alice], verb="a", text="第一条通知")[0]
    notify(users=[world.alice], verb="b", text="第二条通知")
    theirs = notify(users=[world.bob], verb="c", text="别人的通知")[0]
    assert mark_read(user=world.alice, ids=[theirs.pk]) == 0
    assert mark_read(user=world.alice, ids=[mine.pk]) == 1
    assert selectors.unread_count(world.alice) == 1
    assert mark_read(user=world.alice) == 1
    assert mark_read(user=world.alice) == 0
    assert selectors.unread_count(world.alice) == 0 and selectors.unread_count(world.bob) == 1


def test_email_copies_go_once_to_users_with_an_address(world: World) -> None:
    world.bob.email = ""
    world.bob.save()
    rows = notify(users=[world.alice, world.bob], verb="replied", text="您的留言已正式回复")
    ids = [n.pk for n in rows]
    email_notifications.call(ids)  # whatever the queue did already, run it once more
    assert email_notifications.call(ids) == 0  # nothing twice
    to = [m.to for m in mail.outbox]
    assert to == [[world.alice.email]]
    assert "您的留言已正式回复" in mail.outbox[0].subject
    assert Notification.objects.get(pk=ids[0]).emailed
    assert not Notification.objects.get(pk=ids[1]).emailed
