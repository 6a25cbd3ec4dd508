"""Logging in by phone, email or username; locking out password guessing; logging out."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.accounts.models import LoginFailure, User

from .test_registration import PASSWORD, PHONE, _empty_sms_outbox, register  # noqa: F401

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
    from time_machine import TimeMachineFixture

pytestmark = pytest.mark.django_db
LOCK = timedelta(seconds=900)


@pytest.fixture
def alice() -> User:
    """A citizen registered through the pages with a phone number."""
    user = register(Client(), PHONE)
    user.email = "alice@example.com"
    user.save()
    return user


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Response:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password, **extra}
    )


def fail(client: Client, username: str, times: int) -> None:
    for _try in range(times):
        assert "账号或密码不正确" in log_in(client, username, "wrong-password").content.decode()


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("username", ["138 0013 8000", "+8613800138000", "ALICE@example.com"])
def test_log_in_by_phone_or_email(client: Client, alice: User, username: str) -> None:
    response = log_in(client, username)
    assert response.status_code == 302 and response["Location"] == "/"
    assert is_logged_in(client)


def test_log_in_by_username_and_follow_a_safe_next(client: Client, alice: User) -> None:
    response = log_in(client, alice.username, next="/accounts/profile/")
    assert response["Location"] == "/accounts/profile/"
    client.post(reverse("accounts:logout"))
    response = log_in(client, alice.username, next="https://evil.example/")
    assert response["Location"] == "/"


def test_login_page_is_accessible(client: Client) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'for="id_username"' in html and 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html


def test_wrong_password_is_refused_without_saying_why(client: Client, alice: User) -> None:
    for username in (PHONE, "13999999999"):
        response = log_in(client, username, "nope-nope-1")
        assert response.status_code == 200
        assert "账号或密码不正确" in response.content.decode()
    assert not is_logged_in(client)


def test_too_many_failures_lock_the_account_until_time_passes(
    client: Client, alice: User, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    fail(client, PHONE, 5)
    response = log_in(client, PHONE)  # even the right password
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "15 分钟后再试" in response.content.decode()
    assert not is_logged_in(client)
    # Another network trying the same account is refused too: the lock is on the identifier.
    assert log_in(Client(REMOTE_ADDR="10.1.1.1"), "+86 138 0013 8000").status_code == 429
    time_machine.shift(LOCK - timedelta(seconds=1))
    assert log_in(client, PHONE).status_code == 429
    time_machine.shift(timedelta(seconds=2))
    assert log_in(client, PHONE).status_code == 302
    assert is_logged_in(client)


def test_refused_attempts_do_not_extend_the_lock(
    client: Client, alice: User, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    fail(client, PHONE, 5)
    for _minute in range(14):
        time_machine.shift(timedelta(minutes=1))
        assert log_in(client, PHONE, "wrong-password").status_code == 429
    time_machine.shift(timedelta(minutes=1, seconds=1))
    assert log_in(client, PHONE).status_code == 302


def test_success_resets_the_count(client: Client, alice: User) -> None:
    fail(client, PHONE, 4)
    assert log_in(client, PHONE).status_code == 302
    client.post(reverse("accounts:logout"))
    # The address count is kept on purpose; another address starts the identifier afresh.
    other = Client(REMOTE_ADDR="10.2.2.2")
    fail(other, PHONE, 4)
    assert log_in(other, PHONE).status_code == 302


def test_one_address_spraying_many_accounts_is_locked(client: Client, alice: User) -> None:
    for n in range(5):
        log_in(client, f"1390000{n:04d}", "wrong-password")
    response = log_in(client, PHONE)
    assert response.status_code == 429
    # The account itself is not locked for its owner elsewhere.
    assert log_in(Client(REMOTE_ADDR="10.3.3.3"), PHONE).status_code == 302


def test_failures_are_stored_in_the_database(client: Client, alice: User) -> None:
    fail(client, "ALICE@example.com", 2)
    keys = set(LoginFailure.objects.filter(key__startswith="login:").values_list("key", flat=True))
    assert keys == {"login:id:alice@example.com", "login:ip:127.0.0.1"}


def test_logout_needs_post(client: Client, alice: User) -> None:
    log_in(client, PHONE)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert is_logged_in(client)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not is_logged_in(client)


def test_inactive_account_cannot_log_in(client: Client, alice: User) -> None:
    alice.is_active = False
    alice.save()
    assert "账号或密码不正确" in log_in(client, PHONE).content.decode()
