"""Registering with a phone number or an email and a code, through the web pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.accounts import sms
from liuyanban.accounts.models import User, VerificationCode
from liuyanban.testing.factories import UserFactory

PASSWORD = "Liuyan-2024!pw"
PHONE = "13800138000"
if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
    from time_machine import TimeMachineFixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> Iterator[None]:
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def last_code(target: str) -> str:
    """The code in the last SMS or email sent to ``target``."""
    texts = [text for phone, text in sms.outbox if phone == target]
    texts += [str(m.body) for m in mail.outbox if target in m.to]
    assert texts, f"nothing was sent to {target}"
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found, f"no code in {texts[-1]!r}"
    return found.group(1)


def ask_code(
    client: Client, contact: str, kind: str = "phone", url: str = "accounts:register"
) -> Response:
    """Step one of a code flow: submit the contact."""
    return client.post(reverse(url), {"kind": kind, "contact": contact})


def finish_registration(
    client: Client, code: str, nickname: str = "热心市民", **extra: str
) -> Response:
    """Step two of registration: the code, a nickname and the password twice."""
    data = {"code": code, "nickname": nickname, "password1": PASSWORD, "password2": PASSWORD}
    data.update(extra)
    return client.post(reverse("accounts:register_verify"), data)


def register(client: Client, contact: str = PHONE, kind: str = "phone") -> User:
    """A whole registration through the pages; returns the new (logged-in) user."""
    assert ask_code(client, contact, kind).status_code == 302
    finish_registration(client, last_code(contact))
    return User.objects.get(**{kind: contact})


def test_register_by_phone_normalises_verifies_and_logs_in(client: Client) -> None:
    page = client.get(reverse("accounts:register"))
    assert 'autocomplete="tel"' in page.content.decode()

    response = ask_code(client, "+86 138-0013-8000")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register_verify")
    code = last_code(PHONE)

    html = client.get(reverse("accounts:register_verify")).content.decode()
    assert "138****8000" in html
    assert 'autocomplete="one-time-code"' in html

    response = finish_registration(client, code, real_name="张三")
    assert response.status_code == 302
    user = User.objects.get(phone=PHONE)
    assert user.phone_verified and not user.email_verified
    assert user.nickname == "热心市民" and user.real_name == "张三"
    assert user.username.startswith("u") and user.username != PHONE
    assert user.password != PASSWORD and user.check_password(PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_only_a_hash_of_the_code_is_stored(client: Client) -> None:
    ask_code(client, PHONE)
    code = last_code(PHONE)
    stored = VerificationCode.objects.get(target=PHONE)
    assert code not in stored.code_hash
    lifetime = stored.expires_at - stored.created_at
    assert timedelta(minutes=9, seconds=59) < lifetime <= timedelta(minutes=10)


def test_register_by_email_lowercases_and_mails_the_code(client: Client) -> None:
    assert ask_code(client, " Alice@Example.COM ", kind="email").status_code == 302
    assert mail.outbox[0].to == ["alice@example.com"]
    finish_registration(client, last_code("alice@example.com"))
    user = User.objects.get(email="alice@example.com")
    assert user.email_verified and not user.phone_verified and user.phone == ""
    client.post(reverse("accounts:logout"))
    response = client.post(
        reverse("accounts:login"), {"username": "ALICE@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("raw", ["12345", "23800138000", "1380013800", "abc"])
def test_invalid_phone_is_refused_next_to_the_field(client: Client, raw: str) -> None:
    response = ask_code(client, raw)
    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入有效的 11 位中国大陆手机号" in html
    assert (
        'aria-invalid="true"' in html
        and 'aria-describedby="id_contact_helptext id_contact_error"' in html
    )
    assert not sms.outbox


def test_wrong_code_is_counted_and_five_guesses_end_the_code(client: Client) -> None:
    ask_code(client, PHONE)
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    html = finish_registration(client, wrong).content.decode()
    assert "验证码错误，还可尝试 4 次" in html
    for _guess in range(4):
        html = finish_registration(client, wrong).content.decode()
    assert "验证码错误次数过多" in html
    html = finish_registration(client, code).content.decode()
    assert "验证码错误次数过多" in html
    assert VerificationCode.objects.get(target=PHONE).attempts == 5
    assert not User.objects.filter(phone=PHONE).exists()


def test_expired_code_is_refused(client: Client, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    ask_code(client, PHONE)
    time_machine.shift(timedelta(minutes=10, seconds=1))
    html = finish_registration(client, last_code(PHONE)).content.decode()
    assert "验证码已过期或不存在" in html
    assert not User.objects.exists()


def test_a_resent_code_replaces_the_old_one(
    client: Client, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    ask_code(client, PHONE)
    old = last_code(PHONE)
    time_machine.shift(timedelta(seconds=61))
    ask_code(client, PHONE)
    new = last_code(PHONE)
    if old != new:
        assert "验证码错误" in finish_registration(client, old).content.decode()
    assert finish_registration(client, new).status_code == 302


def test_resend_waits_a_minute_and_is_capped_per_hour(
    client: Client, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    assert ask_code(client, PHONE).status_code == 302
    response = ask_code(client, PHONE)
    assert response.status_code == 429
    assert "验证码发送过于频繁，请 60 秒后再试" in response.content.decode()
    for _send in range(4):
        time_machine.shift(timedelta(seconds=61))
        assert ask_code(client, PHONE).status_code == 302
    time_machine.shift(timedelta(seconds=61))
    response = ask_code(client, PHONE)
    assert response.status_code == 429
    assert "该手机号在一小时内获取验证码的次数已达上限" in response.content.decode()
    assert len(sms.outbox) == 5
    time_machine.shift(timedelta(hours=1))
    assert ask_code(client, PHONE).status_code == 302


def test_codes_are_capped_per_network_address(client: Client) -> None:
    for n in range(20):
        assert ask_code(client, f"1390000{n:04d}").status_code == 302
    response = ask_code(client, "13911112222")
    assert response.status_code == 429
    assert "您的网络在一小时内获取验证码的次数已达上限" in response.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert ask_code(other, "13911112222").status_code == 302


def test_taken_phone_gets_a_notice_and_the_page_reveals_nothing(
    client: Client, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    register(Client(), PHONE)
    sms.outbox.clear()
    time_machine.shift(timedelta(seconds=61))
    taken = ask_code(client, PHONE)
    fresh = ask_code(Client(), "13900001111")
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    text = next(t for p, t in sms.outbox if p == PHONE)
    assert "已绑定一个账号" in text and not re.search(r"\d{6}", text)
    html = finish_registration(client, "123456").content.decode()
    assert "验证码错误" in html
    assert User.objects.filter(phone=PHONE).count() == 1


def test_contact_taken_between_the_steps_gets_a_clear_error(client: Client) -> None:
    ask_code(client, PHONE)
    code = last_code(PHONE)
    UserFactory.create(username="someone", phone=PHONE, password=PASSWORD)
    html = finish_registration(client, code).content.decode()
    assert "该手机号已被其他账号使用" in html
    assert User.objects.filter(phone=PHONE).count() == 1


@pytest.mark.parametrize(
    ("nickname", "error"),
    [
        ("张", "昵称长度应为 2–20 个字符"),
        ("很" * 21, "昵称长度应为 2–20 个字符"),
        ("我的电话13800138000", "不能包含手机号"),
        ("call 138-0013-8000", "不能包含手机号"),
        ("１３８００１３８０００", "不能包含手机号"),
        ("me@example.com", "不能包含手机号"),
        ("官方客服", "不能冒用"),
    ],
)
def test_nickname_rules(client: Client, nickname: str, error: str) -> None:
    ask_code(client, PHONE)
    response = finish_registration(client, last_code(PHONE), nickname=nickname)
    html = response.content.decode()
    assert error in html
    assert 'id="id_nickname_error"' in html
    assert not User.objects.exists()
    # A refused nickname does not spend a guess on the code.
    assert VerificationCode.objects.get(target=PHONE).attempts == 0


def test_weak_or_mismatched_password_is_refused(client: Client) -> None:
    ask_code(client, PHONE)
    code = last_code(PHONE)
    weak = {"password1": "12345678", "password2": "12345678"}
    html = finish_registration(client, code, **weak).content.decode()
    assert 'id="id_password1_error"' in html
    assert not User.objects.exists()
    html = finish_registration(client, code, password2="different-Pw-99").content.decode()
    assert "两次输入的密码不一致" in html
    assert not User.objects.exists()
    assert finish_registration(client, code).status_code == 302


def test_second_step_without_the_first_goes_back(client: Client) -> None:
    response = client.get(reverse("accounts:register_verify"))
    assert response["Location"] == reverse("accounts:register")


def test_email_page_offers_email_autocomplete(client: Client) -> None:
    html = client.get(reverse("accounts:register") + "?via=email").content.decode()
    assert 'autocomplete="email"' in html and 'for="id_contact"' in html
