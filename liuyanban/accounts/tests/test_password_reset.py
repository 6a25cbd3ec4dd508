"""Forgotten passwords reset by a code; passwords changed while logged in."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.accounts import sms
from liuyanban.accounts.models import User

from .test_registration import (  # noqa: F401
    PASSWORD,
    PHONE,
    _empty_sms_outbox,
    ask_code,
    last_code,
    register,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
    from time_machine import TimeMachineFixture

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Another-Secret-77"


@pytest.fixture
def alice(time_machine: TimeMachineFixture) -> User:
    """A citizen registered by phone a while ago (so the resend cooldown has passed)."""
    time_machine.move_to(timezone.now(), tick=False)
    user = register(Client(), PHONE)
    time_machine.shift(timedelta(minutes=2))
    return user


def ask_reset(client: Client, contact: str, kind: str = "phone") -> Response:
    return ask_code(client, contact, kind, url="accounts:password_reset")


def set_new_password(client: Client, code: str, password: str = NEW_PASSWORD) -> Response:
    return client.post(
        reverse("accounts:password_reset_verify"),
        {"code": code, "password1": password, "password2": password},
    )


def can_log_in(username: str, password: str) -> bool:
    response = Client(REMOTE_ADDR="10.9.9.9").post(
        reverse("accounts:login"), {"username": username, "password": password}
    )
    return response.status_code == 302


def test_reset_by_phone(client: Client, alice: User) -> None:
    signed_in = Client()
    signed_in.force_login(alice)
    assert ask_reset(client, "138-0013-8000").status_code == 302
    response = set_new_password(client, last_code(PHONE))
    assert response["Location"] == reverse("accounts:login")
    assert can_log_in(PHONE, NEW_PASSWORD)
    assert not can_log_in(PHONE, PASSWORD)
    # A session opened with the old password ends.
    assert signed_in.get(reverse("accounts:profile")).status_code == 302


def test_reset_by_email_verifies_the_email(client: Client, alice: User) -> None:
    alice.email = "alice@example.com"
    alice.save()
    ask_reset(client, "alice@example.com", kind="email")
    assert mail.outbox[-1].to == ["alice@example.com"]
    set_new_password(client, last_code("alice@example.com"))
    alice.refresh_from_db()
    assert alice.email_verified and alice.check_password(NEW_PASSWORD)


def test_unknown_contact_looks_the_same_and_gets_a_notice(client: Client, alice: User) -> None:
    stranger = "13700001111"
    known, unknown = ask_reset(Client(), PHONE), ask_reset(client, stranger)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    text = [t for p, t in sms.outbox if p == stranger][-1]
    assert "没有绑定任何账号" in text and not re.search(r"\d{6}", text)
    html = set_new_password(client, "123456").content.decode()
    assert "验证码错误" in html


def test_weak_password_is_refused_the_same_for_any_contact(client: Client, alice: User) -> None:
    ask_reset(client, PHONE)
    html = set_new_password(client, last_code(PHONE), "12345678").content.decode()
    assert 'id="id_password1_error"' in html
    assert can_log_in(PHONE, PASSWORD)


def test_reset_lifts_a_login_lock(client: Client, alice: User) -> None:
    for _try in range(5):
        client.post(reverse("accounts:login"), {"username": PHONE, "password": "bad-bad-bad"})
    ask_reset(client, PHONE)
    set_new_password(client, last_code(PHONE))
    # Without the reset the account would wait 30 seconds; the code proved the owner.
    response = client.post(reverse("accounts:login"), {"username": PHONE, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_password_change_needs_the_current_password(client: Client, alice: User) -> None:
    client.force_login(alice)
    url = reverse("accounts:password_change")
    assert 'autocomplete="new-password"' in client.get(url).content.decode()
    data = {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert "当前密码不正确" in client.post(url, data).content.decode()
    data["old_password"] = PASSWORD
    assert client.post(url, data)["Location"] == reverse("accounts:profile")
    # This session survives the change; the new password works.
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert can_log_in(PHONE, NEW_PASSWORD)


def test_password_change_requires_login(client: Client) -> None:
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and "login" in response["Location"]
