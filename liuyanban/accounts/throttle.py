"""Slowing down password guessing and code spraying, on the platform's one rate limiter.

Logins are limited twice (``liuyanban.core.ratelimit`` counts both atomically in the
store every worker shares):

* per **account**, whatever identifier was typed (phone, email or username resolve
  to the same account first): ``LOGIN_MAX_FAILURES`` attempts at once, then a growing
  delay before each further attempt (``LOGIN_DELAY_SECONDS`` doubling up to
  ``LOGIN_LOCK_SECONDS``). A stranger can slow an account down but never lock its
  owner out: once the delay has passed the right password works. A success resets it.
* per **network** (``client_network`` of ``client_ip``): ``LOGIN_MAX_FAILURES_PER_IP``
  attempts per ``LOGIN_LOCK_SECONDS`` window; successful logins are given back, so
  the count is one of failures, and it blocks the guessing address only.

Identifiers that match no account are limited under the identifier, exactly like an
account, so the answers do not tell which accounts exist.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liuyanban.core import ratelimit
from liuyanban.core.clientip import client_network
from liuyanban.core.errors import RateLimited

from .models import User
from .selectors import user_for_login

HOUR = 3600

# Verification codes: one per contact per minute, and this many per network an hour.
RESEND_COOLDOWN = timedelta(seconds=60)
SENDS_PER_IP_PER_HOUR = 20


def _int_setting(name: str, default: int | None = None) -> int:
    """A whole-number entry of ``settings.LIUYANBAN``."""
    value = settings.LIUYANBAN.get(name, default)
    if not isinstance(value, int):
        raise TypeError(f"LIUYANBAN[{name!r}] must be an integer")
    return value


def _login_ip_rule() -> ratelimit.Rule:
    per_id = _int_setting("LOGIN_MAX_FAILURES")
    return ratelimit.Rule(
        "login-ip",
        # Many people share one address behind carrier-grade NAT: a deployment can
        # allow more failures per address than per account.
        limit=_int_setting("LOGIN_MAX_FAILURES_PER_IP", per_id),
        window=_int_setting("LOGIN_LOCK_SECONDS"),
        message=gettext_lazy("您的网络登录失败次数过多，已被暂时限制，请稍后再试"),
    )


def _account_gate() -> ratelimit.Gate:
    return ratelimit.Gate(
        "login-acct",
        free=_int_setting("LOGIN_MAX_FAILURES"),
        base=_int_setting("LOGIN_DELAY_SECONDS", 30),
        cap=_int_setting("LOGIN_LOCK_SECONDS"),
    )


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return _("%(seconds)d 秒") % {"seconds": seconds}
    return _("%(minutes)d 分钟") % {"minutes": math.ceil(seconds / 60)}


def account_subject(identifier: str) -> str:
    """What the per-account limit counts: the account, or the identifier if none matches."""
    user = user_for_login(identifier)
    return f"u{user.pk}" if user is not None else f"i:{identifier.strip().lower()}"


def start_login(*, identifier: str, ip: str) -> str:
    """Claim one login attempt for the identifier's account from ``ip``, or refuse.

    Returns the account subject to pass to ``login_succeeded``.
    """
    network = client_network(ip)
    ratelimit.take((_login_ip_rule(), network))
    subject = account_subject(identifier)
    wait = _account_gate().attempt(subject)
    if wait:
        raise RateLimited(
            _("该账号登录失败次数过多，为保护账号安全，请 %(wait)s后再试，或通过验证码重置密码")
            % {"wait": _wait_text(wait)},
            retry_after=wait,
        )
    return subject


def login_succeeded(*, subject: str, ip: str) -> None:
    """The password was right: the account starts afresh and the address is given its try back."""
    _account_gate().reset(subject)
    ratelimit.give_back(_login_ip_rule(), client_network(ip))


def clear_account(user: User) -> None:
    """Forget an account's failed attempts (after a password reset through a code)."""
    _account_gate().reset(f"u{user.pk}")


def take_code_send(*, target: str, ip: str) -> None:
    """Count one verification code for ``target`` from ``ip``, atomically; refuse past a cap.

    One code per contact per minute (concurrent requests cannot send a burst of SMS to
    one phone), and ``SENDS_PER_IP_PER_HOUR`` per network.
    """
    per_target = ratelimit.Rule(
        "code-target",
        limit=1,
        window=int(RESEND_COOLDOWN.total_seconds()),
        message=gettext_lazy("验证码发送过于频繁，请稍后再试"),
    )
    per_ip = ratelimit.Rule(
        "code-ip",
        limit=SENDS_PER_IP_PER_HOUR,
        window=HOUR,
        message=gettext_lazy("您的网络在一小时内获取验证码的次数已达上限，请稍后再试"),
    )
    ratelimit.take((per_target, target), (per_ip, client_network(ip)))
