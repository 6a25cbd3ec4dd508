"""Contacts (phone numbers and emails) and the one-time codes that prove a person holds one.

A code is six digits, valid for ten minutes, good for five guesses, and stored only
as a keyed hash: a leaked database alone does not reveal live codes.
"""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from liuyanban.core.errors import InvalidInput, RateLimited

from . import throttle
from .models import VerificationCode, VerificationPurpose
from .sms import send_sms
from .throttle import RESEND_COOLDOWN

CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SENDS_PER_TARGET_PER_HOUR = 5
HOUR = timedelta(hours=1)

# Binding a new contact to a profile proves the same thing as registering with it
# (the person holds the contact), so it shares the REGISTER purpose until the model
# grows a purpose of its own.
BIND = VerificationPurpose.REGISTER

_PHONE = re.compile(r"1[3-9]\d{9}")
_PHONE_NOISE = re.compile(r"[\s\-()（）.]")

ContactKind = Literal["phone", "email"]


@dataclass(frozen=True)
class Contact:
    """A normalised phone number (11 digits) or email (lower case)."""

    kind: ContactKind
    value: str

    @property
    def masked(self) -> str:
        """Shown back to the person: enough to recognise, not enough to harvest."""
        if self.kind == "phone":
            return f"{self.value[:3]}****{self.value[-4:]}"
        name, _at, domain = self.value.partition("@")
        return f"{name[:1]}***@{domain}"

    @property
    def label(self) -> str:
        """The kind of contact in words, for messages."""
        return _("手机号") if self.kind == "phone" else _("邮箱")


def normalize_phone(raw: str) -> str:
    """Turn "+86 138-0013-8000" and full-width digits into "13800138000", or raise."""
    digits = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", raw))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _PHONE.fullmatch(digits):
        raise InvalidInput(_("请输入有效的 11 位中国大陆手机号"))
    return digits


def normalize_email(raw: str) -> str:
    """Lower-case and check an email address, or raise."""
    value = unicodedata.normalize("NFKC", raw).strip().lower()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise InvalidInput(_("请输入有效的邮箱地址")) from exc
    return value


def parse_contact(raw: str) -> Contact:
    """Read what a person typed as either an email (has "@") or a phone number."""
    raw = raw.strip()
    if not raw:
        raise InvalidInput(_("请输入手机号或邮箱"))
    if "@" in raw:
        return Contact("email", normalize_email(raw))
    return Contact("phone", normalize_phone(raw))


def _hash(contact: Contact, purpose: str, code: str) -> str:
    """Keyed hash: binds the code to its target and purpose, needs SECRET_KEY to check."""
    return salted_hmac(
        "liuyanban.accounts.verification", f"{purpose}:{contact.value}:{code}"
    ).hexdigest()


def _deliver(contact: Contact, text: str, subject: str) -> None:
    """Send one text by SMS or by email, whichever the contact is."""
    if contact.kind == "phone":
        send_sms(contact.value, text)
    else:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [contact.value])


def check_send_allowed(*, contact: Contact, ip: str) -> None:
    """Refuse when the cooldown or an hourly cap for the contact or the network is hit."""
    now = timezone.now()
    recent = VerificationCode.objects.filter(target=contact.value, created_at__gt=now - HOUR)
    last = recent.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < RESEND_COOLDOWN:
        wait = max(1, math.ceil((RESEND_COOLDOWN - (now - last)).total_seconds()))
        raise RateLimited(_("验证码发送过于频繁，请 %(seconds)d 秒后再试") % {"seconds": wait})
    if recent.count() >= SENDS_PER_TARGET_PER_HOUR:
        raise RateLimited(
            _("该%(kind)s在一小时内获取验证码的次数已达上限，请稍后再试") % {"kind": contact.label}
        )
    # Last, because it counts: a send refused for the contact costs the network nothing.
    throttle.take_code_send(target=contact.value, ip=ip)


def issue_code(*, contact: Contact, purpose: str, ip: str, notice: str | None = None) -> None:
    """Store a new code for ``contact`` and send it; or, with ``notice``, send that instead.

    The notice path still stores a code nobody knows, so the cooldown, the caps and
    the next page behave exactly as if a code had been sent: an onlooker cannot tell
    which contacts have accounts.
    """
    check_send_allowed(contact=contact, ip=ip)
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_LENGTH))
    VerificationCode.objects.create(
        target=contact.value,
        purpose=purpose,
        code_hash=_hash(contact, purpose, code),
        expires_at=timezone.now() + CODE_TTL,
    )
    site = settings.LIUYANBAN["SITE_NAME"]
    text = notice or _(
        "【%(site)s】您的验证码是 %(code)s，10 分钟内有效。如非本人操作，请忽略。"
    ) % {
        "site": site,
        "code": code,
    }
    _deliver(contact, text, _("%(site)s验证码") % {"site": site})


def consume_code(*, contact: Contact, purpose: str, code: str) -> None:
    """Accept ``code`` once for the latest live code of ``contact``, or raise.

    Each guess is counted before it is compared, in its own statement, so that
    parallel guesses cannot exceed the limit. Call this outside any transaction
    that a later error would roll back, or the count would be lost.
    """
    now = timezone.now()
    latest = (
        VerificationCode.objects.filter(target=contact.value, purpose=purpose, used_at=None)
        .order_by("-created_at")
        .first()
    )
    if latest is None or latest.expires_at <= now:
        raise InvalidInput(fields={"code": [_("验证码已过期或不存在，请重新获取")]})
    counted = VerificationCode.objects.filter(pk=latest.pk, attempts__lt=MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        raise InvalidInput(fields={"code": [_("验证码错误次数过多，请重新获取")]})
    given = unicodedata.normalize("NFKC", code).strip()
    if not constant_time_compare(_hash(contact, purpose, given), latest.code_hash):
        left = MAX_ATTEMPTS - latest.attempts - 1
        msg = (
            _("验证码错误，还可尝试 %(n)d 次") % {"n": left}
            if left
            else _("验证码错误次数过多，请重新获取")
        )
        raise InvalidInput(fields={"code": [msg]})
    used = VerificationCode.objects.filter(pk=latest.pk, used_at=None).update(used_at=now)
    if not used:
        raise InvalidInput(fields={"code": [_("验证码已使用，请重新获取")]})
