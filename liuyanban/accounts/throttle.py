"""Counting recent events per key to slow down guessing and spraying.

The counts live in ``LoginFailure`` rows (a key and a time), not in the cache: the
default cache is per-process memory, so several workers would each allow the full
number of guesses. Keys carry a prefix saying what they count:

- ``login:id:<identifier>``  failed logins for one phone, email or username
- ``login:ip:<address>``     failed logins from one network address
- ``code-ip:<address>``      verification codes requested from one address
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from liuyanban.core.errors import RateLimited

from .models import LoginFailure

KEY_MAX = 300  # LoginFailure.key max_length


def client_ip(request: HttpRequest) -> str:
    """The address the request came from.

    Only REMOTE_ADDR: X-Forwarded-For is set by the client unless a trusted proxy
    overwrites it, so reading it would let anyone dodge the per-address limits.
    A deployment behind a proxy must make the proxy set REMOTE_ADDR.
    """
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def code_ip_key(ip: str) -> str:
    """Key counting verification codes requested from ``ip``."""
    return f"code-ip:{ip}"[:KEY_MAX]


def login_keys(identifier: str, ip: str) -> tuple[str, str]:
    """Keys counting failed logins for an identifier and for an address."""
    return f"login:id:{identifier}"[:KEY_MAX], f"login:ip:{ip}"[:KEY_MAX]


def count_recent(key: str, window: timedelta) -> int:
    """How many events for ``key`` happened within ``window``."""
    return LoginFailure.objects.filter(key=key, at__gt=timezone.now() - window).count()


def record(key: str) -> None:
    """Remember one event for ``key``."""
    LoginFailure.objects.create(key=key)


def clear(key: str) -> None:
    """Forget every event for ``key``."""
    LoginFailure.objects.filter(key=key).delete()


def _retry_after(key: str, limit: int, window: timedelta) -> timedelta | None:
    """How long until ``key`` drops below ``limit`` events in ``window``, or None if it is."""
    times = list(
        LoginFailure.objects.filter(key=key, at__gt=timezone.now() - window)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(times) < limit:
        return None
    # The lock lifts when the oldest of the last ``limit`` events leaves the window.
    return times[-1] + window - timezone.now()


def _int_setting(name: str, default: int | None = None) -> int:
    """A whole-number entry of ``settings.LIUYANBAN``."""
    value = settings.LIUYANBAN.get(name, default)
    if not isinstance(value, int):
        raise TypeError(f"LIUYANBAN[{name!r}] must be an integer")
    return value


def _login_limits() -> tuple[int, int, timedelta]:
    """(failures per identifier, failures per address, window) from settings."""
    per_id = _int_setting("LOGIN_MAX_FAILURES")
    # Many people share one address behind carrier-grade NAT; a deployment can
    # allow more failures per address than per identifier.
    per_ip = _int_setting("LOGIN_MAX_FAILURES_PER_IP", per_id)
    return per_id, per_ip, timedelta(seconds=_int_setting("LOGIN_LOCK_SECONDS"))


def check_login_allowed(*, identifier: str, ip: str) -> None:
    """Refuse a login attempt while the identifier or the address is locked."""
    per_id, per_ip, window = _login_limits()
    id_key, ip_key = login_keys(identifier, ip)
    waits = [
        w for w in (_retry_after(id_key, per_id, window), _retry_after(ip_key, per_ip, window)) if w
    ]
    if waits:
        minutes = max(1, math.ceil(max(waits).total_seconds() / 60))
        raise RateLimited(
            _(
                "登录失败次数过多，账号或网络已被暂时锁定，请 %(minutes)d 分钟后再试，或通过验证码重置密码"
            )
            % {"minutes": minutes}
        )


def record_login_failure(*, identifier: str, ip: str) -> None:
    """Count one failed login against both the identifier and the address."""
    for key in login_keys(identifier, ip):
        record(key)


def clear_login_failures(*, identifier: str) -> None:
    """Forget an identifier's failures after a successful login or a password reset.

    The address count is kept: clearing it on success would let one person with an
    account reset the counter between guesses at other accounts.
    """
    clear(login_keys(identifier, "")[0])
