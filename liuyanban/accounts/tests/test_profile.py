"""The profile page (nickname, private real name, contacts) and the people admin."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.accounts import sms
from liuyanban.accounts.models import User, VerificationCode
from liuyanban.testing.factories import UserFactory

from .test_registration import PHONE, _empty_sms_outbox, last_code, register  # noqa: F401

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
    from time_machine import TimeMachineFixture

pytestmark = pytest.mark.django_db
PROFILE = reverse("accounts:profile")


@pytest.fixture
def alice(client: Client, time_machine: TimeMachineFixture) -> User:
    """A citizen registered by phone and logged in on ``client``; the cooldown has passed."""
    time_machine.move_to(timezone.now(), tick=False)
    user = register(client, PHONE)
    time_machine.shift(timedelta(minutes=2))
    return user


def add_contact(client: Client, contact: str, kind: str) -> Response:
    return client.post(reverse("accounts:contact_add"), {"kind": kind, "contact": contact})


def verify_contact(client: Client, code: str) -> Response:
    return client.post(reverse("accounts:contact_verify"), {"code": code})


def test_profile_needs_login() -> None:
    response = Client().get(PROFILE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_profile_shows_contacts_and_their_state(client: Client, alice: User) -> None:
    html = client.get(PROFILE).content.decode()
    assert PHONE in html and "已验证" in html and "未绑定" in html
    assert 'for="id_phone_contact"' in html and 'for="id_email_contact"' in html


def test_edit_nickname_and_private_real_name(client: Client, alice: User) -> None:
    response = client.post(PROFILE, {"nickname": "新的昵称", "real_name": "李四"})
    assert response["Location"] == PROFILE
    alice.refresh_from_db()
    assert (alice.nickname, alice.real_name) == ("新的昵称", "李四")
    assert alice.public_name == "新的昵称"
    assert "资料已保存" in client.get(PROFILE).content.decode()


def test_nickname_rules_apply_on_the_profile(client: Client, alice: User) -> None:
    html = client.post(PROFILE, {"nickname": "电话13912345678", "real_name": ""}).content.decode()
    assert (
        "不能包含手机号" in html
        and 'aria-describedby="id_nickname_helptext id_nickname_error"' in html
    )
    alice.refresh_from_db()
    assert alice.nickname == "热心市民"


def test_add_and_verify_an_email(client: Client, alice: User) -> None:
    response = add_contact(client, "Alice@Example.com", "email")
    assert response["Location"] == reverse("accounts:contact_verify")
    assert "a***@example.com" in client.get(response["Location"]).content.decode()
    code = last_code("alice@example.com")
    wrong = "000000" if code != "000000" else "111111"
    assert "验证码错误" in verify_contact(client, wrong).content.decode()
    assert verify_contact(client, code)["Location"] == PROFILE
    alice.refresh_from_db()
    assert alice.email == "alice@example.com" and alice.email_verified
    assert alice.phone == PHONE and alice.phone_verified


def test_replace_the_phone(client: Client, alice: User) -> None:
    add_contact(client, "139 0000 2222", "phone")
    verify_contact(client, last_code("13900002222"))
    alice.refresh_from_db()
    assert alice.phone == "13900002222" and alice.phone_verified


def test_verify_an_unverified_contact_set_by_staff(client: Client, alice: User) -> None:
    User.objects.filter(pk=alice.pk).update(email="alice@example.com", email_verified=False)
    assert "未验证" in client.get(PROFILE).content.decode()
    add_contact(client, "alice@example.com", "email")
    verify_contact(client, last_code("alice@example.com"))
    alice.refresh_from_db()
    assert alice.email_verified


def test_own_verified_contact_needs_no_code(client: Client, alice: User) -> None:
    sms.outbox.clear()
    html = add_contact(client, PHONE, "phone").content.decode()
    assert "该手机号已验证" in html
    assert not sms.outbox


def test_another_accounts_contact_gets_a_notice_not_a_code(client: Client, alice: User) -> None:
    bob = UserFactory.create(username="bob", phone="13911113333")
    response = add_contact(client, "13911113333", "phone")
    assert response["Location"] == reverse("accounts:contact_verify")
    text = [t for p, t in sms.outbox if p == "13911113333"][-1]
    assert "已绑定您的账号" in text and not re.search(r"\d{6}", text)
    assert "验证码错误" in verify_contact(client, "123456").content.decode()
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.phone == PHONE and bob.phone == "13911113333"


def test_contact_code_is_rate_limited(client: Client, alice: User) -> None:
    add_contact(client, "bob@example.com", "email")
    response = add_contact(client, "bob@example.com", "email")
    assert response.status_code == 429
    assert "验证码发送过于频繁" in response.content.decode()


# --- Admin ------------------------------------------------------------------------


@pytest.fixture
def root_client(alice: User) -> Client:
    """A superuser's browser."""
    root = User.objects.create_superuser(username="root", email="root@example.com", password="x")
    c = Client()
    c.force_login(root)
    return c


def test_admin_finds_people_by_contact_and_nickname(root_client: Client, alice: User) -> None:
    url = reverse("admin:accounts_user_changelist")
    for q in (PHONE, "热心市民"):
        html = root_client.get(url, {"q": q}).content.decode()
        assert alice.username in html
    page = root_client.get(reverse("admin:accounts_user_change", args=[alice.pk]))
    assert page.status_code == 200 and "real_name" in page.content.decode()
    assert "memberships" in page.content.decode()


def test_admin_shows_codes_read_only_without_hashes(root_client: Client, alice: User) -> None:
    code = VerificationCode.objects.get(target=PHONE)
    html = root_client.get(
        reverse("admin:accounts_verificationcode_change", args=[code.pk])
    ).content.decode()
    assert code.code_hash not in html
    assert root_client.get(reverse("admin:accounts_verificationcode_add")).status_code == 403
    assert root_client.get(reverse("admin:core_ratecounter_changelist")).status_code == 200
