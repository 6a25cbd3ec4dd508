"""The public reading pages through HTTP: home, board, message, support, rating, search."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Message, Status
from liuyanban.notifications.models import Notification
from liuyanban.testing.world import World


def _html(response: Any) -> str:
    return response.content.decode()


def test_home_shows_latest_answer_and_figures(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    # The figures come from the rollups, folded after each event commits.
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.REPLIED, title="东区物业乱收停车费")
    html = _html(client.get("/"))
    assert m.public_title in html
    assert "回复率" in html and "100%" in html
    assert "/search/" in html and "/write/" in html


def test_board_page_lists_messages_and_record(client: Client, world: World) -> None:
    replied = world.message_in(Status.REPLIED, title="幸福路路灯不亮请修复")
    pending = world.message_in(Status.PUBLISHED, title="幸福小区垃圾清运不及时")
    hidden = world.message_in(Status.SUBMITTED, title="尚未审核的留言标题")
    html = _html(client.get(f"/boards/{world.east_board.code}/"))
    assert replied.public_title in html and pending.public_title in html
    assert hidden.title not in html
    assert "收到留言" in html and "按时回复率" in html
    answered = _html(client.get(f"/boards/{world.east_board.code}/?status=answered"))
    assert replied.public_title in answered and pending.public_title not in answered


def test_board_more_link_pages_in_place(client: Client, world: World) -> None:
    for i in range(22):
        world.message_in(Status.PUBLISHED, title=f"第{i:02d}条关于路灯的留言")
    html = _html(client.get(f"/boards/{world.east_board.code}/"))
    assert "加载更多" in html
    cursor = html.split("cursor=")[1].split('"')[0]
    more = client.get(f"/boards/{world.east_board.code}/?cursor={cursor}", HTTP_HX_REQUEST="true")
    part = _html(more)
    assert "<html" not in part
    assert part.count('class="msg"') == 2
    assert "第00条" in part


def test_unknown_board_is_a_chinese_404(client: Client, world: World) -> None:
    response = client.get("/boards/nope/")
    assert response.status_code == 404
    assert "页面不存在" in _html(response)


def test_directory_links_boards(client: Client, world: World) -> None:
    html = _html(client.get(f"/directory/{world.east.code}/"))
    assert f"/boards/{world.east_board.code}/" in html


def test_message_page_shows_public_text_reply_and_timeline(client: Client, world: World) -> None:
    m = world.message_in(Status.REPLIED)
    html = _html(client.get(f"/messages/{m.tracking_number}/"))
    assert m.public_title in html
    assert "13812345678" not in html  # redacted body, contact never shown
    assert "张三" not in html
    assert "东区住房和城乡建设局" in html and "正式回复" in html
    assert "审核通过" in html  # timeline
    assert 'property="og:title"' in html
    assert f"<title>{m.public_title}" in html


def test_author_sees_original_text_public_does_not(client: Client, world: World) -> None:
    m = world.message_in(Status.PUBLISHED)
    Message.objects.filter(pk=m.pk).update(author=world.alice)
    assert "仅您可见" not in _html(client.get(f"/messages/{m.tracking_number}/"))
    client.force_login(world.alice)
    html = _html(client.get(f"/messages/{m.tracking_number}/"))
    assert "仅您可见" in html and "13812345678" in html


def test_unpublished_message_of_someone_else_is_404(client: Client, world: World) -> None:
    m = world.submit(world.alice)
    client.force_login(world.bob)
    assert client.get(f"/messages/{m.tracking_number}/").status_code == 404
    client.force_login(world.alice)
    assert client.get(f"/messages/{m.tracking_number}/").status_code == 200


def test_message_page_queries_are_bounded(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    m = world.message_in(Status.REPLIED)
    for _ in range(3):
        world.message_in(Status.PUBLISHED)
    with django_assert_max_num_queries(14):
        assert client.get(f"/messages/{m.tracking_number}/").status_code == 200


def test_board_page_queries_are_bounded(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        world.message_in(Status.REPLIED)
    with django_assert_max_num_queries(12):
        assert client.get(f"/boards/{world.east_board.code}/").status_code == 200


def test_anonymous_support_goes_to_login(client: Client, world: World) -> None:
    m = world.message_in(Status.PUBLISHED)
    response = client.post(f"/messages/{m.tracking_number}/support/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    hx = client.post(f"/messages/{m.tracking_number}/support/", HTTP_HX_REQUEST="true")
    assert hx["HX-Redirect"].startswith("/accounts/login/")


def test_support_counts_once_and_htmx_gets_the_count(client: Client, world: World) -> None:
    m = world.message_in(Status.PUBLISHED)
    client.force_login(world.bob)
    response = client.post(f"/messages/{m.tracking_number}/support/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "1 人附议" in _html(response)
    again = client.post(f"/messages/{m.tracking_number}/support/", follow=True)
    assert "您已附议过该留言" in _html(again) or "1 人附议" in _html(again)
    assert Message.objects.get(pk=m.pk).support_count == 1


def test_author_rates_final_reply_and_errors_stay_next_to_fields(
    client: Client, world: World
) -> None:
    m = world.message_in(Status.REPLIED)
    Message.objects.filter(pk=m.pk).update(author=world.alice)
    client.force_login(world.alice)
    html = _html(client.get(f"/messages/{m.tracking_number}/"))
    assert "评价办理结果" in html
    bad = client.post(
        f"/messages/{m.tracking_number}/evaluate/", {"solved": "4", "comment": "态度很好"}
    )
    assert bad.status_code == 400
    text = _html(bad)
    assert "办理态度请选择 1 到 5 分" in text
    assert 'aria-describedby="rate-attitude-error"' in text
    assert "态度很好" in text  # comment kept
    ok = client.post(
        f"/messages/{m.tracking_number}/evaluate/",
        {"solved": "4", "attitude": "5", "speed": "3"},
        follow=True,
    )
    assert "感谢您的评价" in _html(ok)
    assert "4 / 5" in _html(ok)
    assert Message.objects.get(pk=m.pk).status == Status.CLOSED


def test_stranger_cannot_rate(client: Client, world: World) -> None:
    m = world.message_in(Status.REPLIED)
    Message.objects.filter(pk=m.pk).update(author=world.alice)
    client.force_login(world.bob)
    assert "评价办理结果" not in _html(client.get(f"/messages/{m.tracking_number}/"))
    response = client.post(
        f"/messages/{m.tracking_number}/evaluate/", {"solved": "1", "attitude": "1", "speed": "1"}
    )
    assert response.status_code == 403


def test_search_finds_two_character_word_in_published_only(client: Client, world: World) -> None:
    shown = world.message_in(
        Status.PUBLISHED,
        title="小区物业乱收费问题",
        body="我们小区的物业公司每月多收停车管理费，业主意见很大，请有关部门核查。",
    )
    world.message_in(
        Status.SUBMITTED,
        title="另一个物业问题未审核",
        body="这条留言还没有审核，物业公司不应出现在搜索结果中。",
    )
    world.message_in(Status.PUBLISHED, title="幸福路路灯不亮", body="路灯坏了三个月，晚上很黑。")
    html = _html(client.get("/search/", {"q": "物业"}))
    assert shown.tracking_number in html
    assert "未审核" not in html
    assert "找到 1 条留言" in html
    assert "<mark>物业</mark>" in html
    assert "幸福路" not in html


def test_search_finds_word_inside_a_longer_word(client: Client, world: World) -> None:
    m = world.message_in(
        Status.PUBLISHED,
        title="拆迁安置房迟迟不交付",
        body="拆迁安置房说好去年交付，至今没有消息。",
    )
    html = _html(client.get("/search/", {"q": "拆迁"}))
    assert m.tracking_number in html


def test_search_highlighting_escapes_user_text(client: Client, world: World) -> None:
    world.message_in(
        Status.PUBLISHED,
        title="物业<script>alert(1)</script>",
        body="物业<b>加粗</b>公司乱收费的问题，请尽快处理一下。",
    )
    html = _html(client.get("/search/", {"q": "物业 <b>"}))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
    assert "<b>加粗" not in html


def test_search_filters_and_bad_input(client: Client, world: World) -> None:
    world.message_in(Status.REPLIED, title="物业收费不合理", body="物业公司乱收费，请核查处理。")
    assert "找到 1 条" in _html(client.get("/search/", {"q": "物业", "status": "answered"}))
    assert "没有找到" in _html(client.get("/search/", {"q": "物业", "status": "open"}))
    bad = client.get("/search/", {"q": "物业", "since": "not-a-date", "cursor": "x' OR 1"})
    assert bad.status_code == 200
    assert client.get("/search/", {"q": '"*) OR ("'}).status_code == 200


def test_search_board_filter(client: Client, world: World) -> None:
    world.message_in(Status.PUBLISHED, title="东区物业问题", body="东区物业公司乱收费的问题。")
    west = world.message_in(
        Status.PUBLISHED,
        board_id=world.west_board.pk,
        title="西区物业问题",
        body="西区物业公司乱收费的问题。",
    )
    html = _html(client.get("/search/", {"q": "物业", "board": world.west_board.code}))
    assert west.tracking_number in html and "找到 1 条" in html


def test_edited_public_text_is_searchable(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    m = world.message_in(
        Status.PUBLISHED, title="幸福路路灯不亮", body="幸福路的路灯坏了三个月了。"
    )
    # The edit records the search index's task; the worker (here: after commit) runs it.
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_public_text(
            actor=world.mona, message_id=m.pk, public_body="路灯坏了，物业也不管。"
        )
    assert m.tracking_number in _html(client.get("/search/", {"q": "物业"}))


def test_notifications_list_and_mark_read(client: Client, world: World) -> None:
    m = world.submit(world.alice)
    actions.approve_message(actor=world.mona, message_id=m.pk)
    client.force_login(world.alice)
    html = _html(client.get("/me/notifications/"))
    assert "已通过审核并公开" in html and "未读" in html
    note = Notification.objects.get(user=world.alice)
    client.post("/me/notifications/read/", {"id": note.pk})
    assert Notification.objects.get(pk=note.pk).read_at is not None
    assert "未读" not in _html(client.get("/me/notifications/"))


def test_my_messages_shows_every_status_and_rejection_reason(client: Client, world: World) -> None:
    pending = world.submit(world.alice, title="我的待审核留言标题")
    rejected = world.submit(world.alice, title="被拒绝的留言标题")
    actions.reject_message(actor=world.mona, message_id=rejected.pk, reason="内容与职责无关")
    world.submit(world.bob, title="别人写的留言标题")
    client.force_login(world.alice)
    html = _html(client.get("/me/messages/"))
    assert pending.title in html and rejected.title in html
    assert "内容与职责无关" in html and "待审核" in html
    assert "别人写的" not in html


def test_pages_need_login(client: Client, world: World) -> None:
    for url in ("/write/", "/me/messages/", "/me/notifications/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("status", [Status.MERGED, Status.REJECTED])
def test_hidden_messages_are_404_for_the_public(client: Client, world: World, status: str) -> None:
    m = world.message_in(status)
    assert client.get(f"/messages/{m.tracking_number}/").status_code == 404
