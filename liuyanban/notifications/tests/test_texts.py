"""Notifications in the reader's language: keys and parameters stored, rendered at read time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop

from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Status
from liuyanban.notifications.actions import notify
from liuyanban.notifications.models import Notification
from liuyanban.notifications.tasks import email_notifications
from liuyanban.notifications.texts import label, notice, render
from liuyanban.supervision.models import OrderLevel
from liuyanban.testing.world import World


@pytest.fixture(autouse=True)
def _default_language_after() -> Iterator[None]:
    """The language switch leaves English active in this thread: later tests expect the default."""
    yield
    translation.deactivate()


def test_keys_render_in_the_active_language_with_their_parameters() -> None:
    accepted = notice(gettext_noop("您的留言“%s”已受理"), "路灯不亮")
    with translation.override("zh-hans"):
        assert accepted.render() == "您的留言“路灯不亮”已受理"
    with translation.override("en"):
        english = accepted.render()
    assert "路灯不亮" in english and "已受理" not in english
    # Named parameters, and a nested label rendered in the same language.
    order = notice(gettext_noop("%(l)s：%(t)s"), l=label(OrderLevel.KEY.label), t="路灯")
    stored = order.stored_params()
    assert stored == {"l": {"__notice__": "挂牌督办", "params": []}, "t": "路灯"}
    with translation.override("en"):
        rendered = render(order.key, stored)
        assert rendered == f"{OrderLevel.KEY.label}: 路灯"
    assert "挂牌督办" not in rendered


def test_a_translation_that_does_not_fit_falls_back_to_the_source_text() -> None:
    assert render("缺少参数 %(x)s", {"y": 1}) == "缺少参数 %(x)s"
    assert render("没有参数的文字", []) == "没有参数的文字"


def test_a_notice_written_in_english_reads_in_chinese_and_the_other_way(
    world: World, client: Client
) -> None:
    m = world.message_in(Status.PUBLISHED)
    with translation.override("en"):  # the clerk works in English
        actions.accept_message(actor=world.olga, message_id=m.pk)
    row = Notification.objects.get(user=world.alice, verb="accepted")
    assert row.text_key == "您的留言“%s”已受理" and row.params == [m.public_title]
    assert row.text == f"您的留言“{m.public_title}”已受理"  # stored in the site's language
    client.force_login(world.alice)
    page = client.get("/me/notifications/").content.decode()
    title = f"<span data-user-content>{m.public_title}</span>"
    assert f"您的留言“{title}”已受理" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/me/notifications/").content.decode()
    with translation.override("en"):
        english, html = row.display_text, str(row.display_html)
    assert english != row.text and html in page
    assert "已受理" not in english and "已受理" not in page


def test_old_rows_without_a_key_show_their_stored_text(world: World, client: Client) -> None:
    Notification.objects.create(user=world.alice, verb="old", text="旧的通知文字")
    client.force_login(world.alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "旧的通知文字" in client.get("/me/notifications/").content.decode()


def test_email_copies_are_in_the_sites_language(world: World) -> None:
    with translation.override("en"):
        rows = notify(
            users=[world.alice],
            verb="replied",
            text=notice(gettext_noop("您的留言“%s”已正式回复，欢迎评价"), "路灯"),
        )
        email_notifications.call([rows[0].pk])
    copies = [m for m in mail.outbox if m.to == [world.alice.email]]
    assert copies and "您的留言“路灯”已正式回复" in copies[-1].body


def test_pages_get_escaped_html_with_user_content_marked(world: World) -> None:
    row = notify(
        users=[world.alice],
        verb="returned",
        text=notice(
            gettext_noop("留言“%(t)s”被退回：%(r)s"),
            t="<b>路灯</b>",
            r=notice(gettext_noop("延期申请未同意")),
        ),
    )[0]
    with translation.override("en"):
        html = str(row.display_html)
    assert "<span data-user-content>&lt;b&gt;路灯&lt;/b&gt;</span>" in html
    assert "<b>" not in html and "未同意" not in html  # the nested label is translated
    old = Notification.objects.create(user=world.alice, verb="old", text="旧<i>通知</i>")
    assert str(old.display_html) == "<span data-user-content>旧&lt;i&gt;通知&lt;/i&gt;</span>"
