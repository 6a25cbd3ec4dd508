"""Anonymous public pages: served from the cache, changed at once by events, 304 on revalidation."""

from __future__ import annotations

from typing import Any

from django.test import Client

from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Resolution, Status
from liuyanban.testing.world import World

REPLY = "经核实，幸福路路灯线路老化，已更换线路并恢复照明。"


def test_a_reply_shows_at_once_on_the_cached_message_page(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.IN_HANDLING)
    url = f"/messages/{m.tracking_number}/"
    first = client.get(url)
    assert first.status_code == 200 and REPLY not in first.content.decode()
    # Served from the cache now: the same ETag, and no query for the message.
    again = client.get(url)
    assert again["ETag"] == first["ETag"] and again.content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_final(
            actor=world.uma, message_id=m.pk, body=REPLY, resolution=Resolution.SOLVED
        )
    after = client.get(url)
    assert REPLY in after.content.decode()
    assert after["ETag"] != first["ETag"]


def test_cached_page_is_not_rendered_again(
    client: Client,
    world: World,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.PUBLISHED)
    url = f"/messages/{m.tracking_number}/"
    client.get(url)
    with django_assert_max_num_queries(0):
        assert client.get(url).status_code == 200


def test_if_none_match_gets_304_until_the_message_changes(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.PUBLISHED)
    url = f"/messages/{m.tracking_number}/"
    etag = client.get(url)["ETag"]
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not not_modified.content
    with django_capture_on_commit_callbacks(execute=True):
        actions.support_message(actor=world.bob, message_id=m.pk)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_board_and_home_change_with_a_new_message(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    board_url = f"/boards/{world.east_board.code}/"
    home_before = client.get("/")
    board_before = client.get(board_url)
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.REPLIED, title="东区幸福路积水严重")
    assert m.public_title in client.get(board_url).content.decode()
    assert client.get(board_url)["ETag"] != board_before["ETag"]
    assert m.public_title in client.get("/").content.decode()
    assert client.get("/")["ETag"] != home_before["ETag"]


def test_signed_in_visitor_never_gets_the_anonymous_copy(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.PUBLISHED)
    url = f"/messages/{m.tracking_number}/"
    anonymous = client.get(url)
    client.force_login(world.bob)
    signed_in = client.get(url, headers={"If-None-Match": anonymous["ETag"]})
    assert signed_in.status_code == 200
    html = signed_in.content.decode()
    assert "退出" in html and "登录后" not in html
    assert "private" in signed_in["Cache-Control"]
    assert "ETag" not in signed_in


def test_a_waiting_flash_message_bypasses_the_cache(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.PUBLISHED)
    url = f"/messages/{m.tracking_number}/"
    client.get(url)
    client.cookies["messages"] = "anything"
    assert "private" in client.get(url)["Cache-Control"]


def test_anonymous_pages_set_no_cookie_and_do_not_vary_on_it(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.REPLIED)
    for url in ["/", f"/boards/{world.east_board.code}/", f"/messages/{m.tracking_number}/"]:
        for _ in range(2):  # rendered, then from the cache
            response = client.get(url)
            assert response.status_code == 200
            assert not response.cookies, url
            assert "Set-Cookie" not in response
            assert "cookie" not in response.get("Vary", "").lower(), url
            assert "csrfmiddlewaretoken" not in response.content.decode()
            assert "public" in response["Cache-Control"]


def test_language_switch_and_support_still_work_without_a_token_on_the_page(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.PUBLISHED)
    html = client.get(f"/messages/{m.tracking_number}/").content.decode()
    # Anonymous visitors are sent to log in to support; the language form needs no token.
    assert "/accounts/login/?next=" in html
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.cookies["django_language"].value == "en"


# --- The fast path: FastPageMiddleware answers before the rest of the stack ----------


def _stack_must_not_run(monkeypatch: Any) -> None:
    """Make every middleware after FastPageMiddleware fail if it is reached."""
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.middleware.security import SecurityMiddleware

    def reached(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the request went past FastPageMiddleware")

    monkeypatch.setattr(SecurityMiddleware, "process_request", reached)
    monkeypatch.setattr(SessionMiddleware, "process_request", reached)


def test_a_cookie_less_hit_is_answered_before_the_stack_with_the_same_headers(
    client: Client,
    world: World,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.REPLIED)
    url = f"/messages/{m.tracking_number}/"
    first = client.get(url)
    with monkeypatch.context() as patched, django_assert_max_num_queries(0):
        _stack_must_not_run(patched)
        hit = client.get(url)
        not_modified = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert hit.status_code == 200 and hit.content == first.content
    for header in (
        "Content-Type",
        "ETag",
        "Cache-Control",
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Content-Language",
    ):
        assert hit[header] == first[header], header
    assert not hit.cookies and "cookie" not in hit.get("Vary", "").lower()
    assert not_modified.status_code == 304 and not not_modified.content
    assert not_modified["ETag"] == first["ETag"]
    assert "Content-Security-Policy" in not_modified


def test_a_reply_shows_at_once_through_the_fast_path(
    client: Client, world: World, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.IN_HANDLING)
    url = f"/messages/{m.tracking_number}/"
    client.get(url)
    with monkeypatch.context() as patched:
        _stack_must_not_run(patched)
        assert REPLY not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_final(
            actor=world.uma, message_id=m.pk, body=REPLY, resolution=Resolution.SOLVED
        )
    # The very next request: the new version misses the stored page, the stack renders it.
    assert REPLY in client.get(url).content.decode()
    with monkeypatch.context() as patched:
        _stack_must_not_run(patched)
        assert REPLY in client.get(url).content.decode()


def test_english_visitors_get_english_and_leave_the_chinese_copy_alone(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.PUBLISHED)
    url = f"/messages/{m.tracking_number}/"
    chinese = client.get(url)
    english = Client()
    english.cookies["django_language"] = "en"
    for _ in range(2):  # rendered, then from the English copy
        page = english.get(url)
        assert 'lang="en"' in page.content.decode()
        assert page["Content-Language"] == "en"
    again = client.get(url)
    assert 'lang="zh-CN"' in again.content.decode()
    assert again.content == chinese.content
    assert '<html lang="en">' in english.get("/").content.decode()
    assert 'lang="zh-CN"' in client.get("/").content.decode()


def test_signed_in_and_htmx_requests_never_take_the_fast_path(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.PUBLISHED)
    url = f"/messages/{m.tracking_number}/"
    client.get(url)
    htmx = client.get(url, headers={"HX-Request": "true"})
    assert "private" in htmx["Cache-Control"] and "ETag" not in htmx
    client.force_login(world.bob)
    for _ in range(2):
        signed_in = client.get(url)
        assert "退出" in signed_in.content.decode()
        assert "private" in signed_in["Cache-Control"]


def test_the_similar_fragment_is_cached_apart_from_its_page(
    client: Client,
    world: World,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    """The fragment a message page loads (htmx) and the page behind its link share a
    URL: each is cached under its own ETag, both say they vary on HX-Request."""
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.PUBLISHED)
    url = f"/messages/{m.tracking_number}/similar/"
    fragment = client.get(url, headers={"HX-Request": "true"})
    page = client.get(url)
    assert "<html" in page.content.decode() and "<html" not in fragment.content.decode()
    assert fragment["ETag"] != page["ETag"]
    for response in (fragment, page):
        assert "public" in response["Cache-Control"]
        assert "HX-Request" in response["Vary"] and "cookie" not in response["Vary"].lower()
    with monkeypatch.context() as patched, django_assert_max_num_queries(0):
        _stack_must_not_run(patched)
        again = client.get(url, headers={"HX-Request": "true"})
        not_modified = client.get(
            url, headers={"HX-Request": "true", "If-None-Match": fragment["ETag"]}
        )
    assert again.content == fragment.content and again["ETag"] == fragment["ETag"]
    assert not_modified.status_code == 304
    assert client.get(url, headers={"If-None-Match": fragment["ETag"]}).status_code == 200
    client.force_login(world.bob)
    signed_in = client.get(url, headers={"HX-Request": "true"})
    assert "private" in signed_in["Cache-Control"] and "HX-Request" in signed_in["Vary"]


def test_an_uncached_message_page_reads_the_message_and_its_parts_once_each(
    client: Client,
    world: World,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    """Anonymous: the message (board, domain, kind joined), its public steps, replies,
    ratings and images; no similar-messages lookup (the fragment does that)."""
    with django_capture_on_commit_callbacks(execute=True):
        m = world.message_in(Status.CLOSED)
    with django_assert_max_num_queries(5):
        page = client.get(f"/messages/{m.tracking_number}/")
    assert page.status_code == 200 and m.public_title in page.content.decode()
