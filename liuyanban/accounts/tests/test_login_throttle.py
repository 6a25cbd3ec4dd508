"""Logging in by phone, email or username; locking out password guessing; logging out."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.accounts.models import User

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


def test_too_many_failures_delay_the_account_then_the_owner_gets_in(
    client: Client, alice: User, time_machine: TimeMachineFixture
) -> None:
    """A stranger's failures slow the account down; they never lock its owner out."""
    time_machine.move_to(timezone.now(), tick=False)
    stranger = Client(REMOTE_ADDR="203.0.113.66")
    fail(stranger, PHONE, 5)
    # The owner, elsewhere, waits 30 seconds, not 15 minutes: the delay is per account.
    response = log_in(client, PHONE)
    assert response.status_code == 429
    assert "30 秒后再试" in response.content.decode()
    assert not is_logged_in(client)
    time_machine.shift(timedelta(seconds=30))
    assert log_in(client, PHONE).status_code == 302
    assert is_logged_in(client)


def test_the_delay_grows_with_each_further_failure_up_to_the_cap(
    client: Client, alice: User, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    fail(client, PHONE, 5)
    waits = []
    for _round in range(7):
        response = log_in(client, PHONE, "wrong-password")
        assert response.status_code == 429
        wait = int(response["Retry-After"])
        waits.append(wait)
        time_machine.shift(timedelta(seconds=wait))
        assert "账号或密码不正确" in log_in(client, PHONE, "wrong-password").content.decode()
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    # Refused attempts do not extend the wait.
    for _try in range(3):
        assert log_in(client, PHONE, "wrong-password").status_code == 429
    time_machine.shift(LOCK)
    assert log_in(client, PHONE).status_code == 302


def test_the_count_is_per_account_whatever_identifier_is_typed(client: Client, alice: User) -> None:
    """Phone, email and username are one account: 5 attempts in all, not 5 each."""
    fail(client, PHONE, 2)
    fail(client, "ALICE@example.com", 2)
    fail(client, alice.username, 1)
    for ident in ("+86 138 0013 8000", "alice@example.com", alice.username):
        response = log_in(Client(REMOTE_ADDR="10.9.9.9"), ident)
        assert response.status_code == 429 and "该账号登录失败次数过多" in response.content.decode()


def test_success_resets_the_count(client: Client, alice: User) -> None:
    fail(client, PHONE, 4)
    assert log_in(client, PHONE).status_code == 302
    client.post(reverse("accounts:logout"))
    fail(client, "alice@example.com", 4)
    assert log_in(client, PHONE).status_code == 302


def test_one_address_spraying_many_accounts_is_blocked_there_only(
    client: Client, alice: User, settings: Any
) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "LOGIN_MAX_FAILURES_PER_IP": 5}
    for n in range(5):
        log_in(client, f"1390000{n:04d}", "wrong-password")
    response = log_in(client, PHONE)
    assert response.status_code == 429
    assert "您的网络登录失败次数过多" in response.content.decode()
    # The account itself is open to its owner elsewhere.
    assert log_in(Client(REMOTE_ADDR="10.3.3.3"), PHONE).status_code == 302


def test_successful_logins_do_not_use_up_a_shared_address(
    client: Client, alice: User, settings: Any
) -> None:
    """Behind one NAT address, many people logging in correctly are never refused."""
    settings.LIUYANBAN = {**settings.LIUYANBAN, "LOGIN_MAX_FAILURES_PER_IP": 3}
    for _i in range(6):
        assert log_in(Client(), PHONE).status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(
    alice: User, settings: Any
) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "LOGIN_MAX_FAILURES_PER_IP": 5}
    for n in range(5):
        forged = Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        log_in(forged, f"1390000{n:04d}", "wrong-password")
    response = log_in(Client(HTTP_X_FORWARDED_FOR="198.51.100.200"), "13900009999", "x-wrong-1")
    assert response.status_code == 429


def test_behind_a_configured_proxy_the_forwarded_client_is_counted(
    alice: User, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LIUYANBAN = {**settings.LIUYANBAN, "LOGIN_MAX_FAILURES_PER_IP": 5}
    # The proxy (REMOTE_ADDR) appends the real client; what the client wrote before is ignored.
    for n in range(5):
        attacker = Client(HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.7")
        log_in(attacker, f"1390000{n:04d}", "wrong-password")
    assert log_in(Client(HTTP_X_FORWARDED_FOR="198.51.100.7"), PHONE).status_code == 429
    assert log_in(Client(HTTP_X_FORWARDED_FOR="198.51.100.8"), PHONE).status_code == 302


def test_unknown_identifiers_are_limited_like_accounts(client: Client) -> None:
    fail(client, "13911112222", 5)
    response = log_in(Client(REMOTE_ADDR="10.4.4.4"), "13911112222")
    assert response.status_code == 429 and "该账号登录失败次数过多" in response.content.decode()


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
