"""Who is calling: agency bearer tokens and the web session (with CSRF for unsafe methods).

A token stands for its user: the user's Memberships give organisation and role,
and every permission is then the lifecycle's own. A bad or revoked token is a
401 even on public reads, so a misconfigured agency system notices at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from liuyanban.accounts.models import User
from liuyanban.accounts.selectors import AnyUser
from liuyanban.core.errors import NotAuthenticated

from .models import ApiToken, hash_secret

# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def user_for_secret(secret: str) -> User | None:
    """The active user behind an active token secret, else None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_secret(secret.strip()), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerToken(HttpBearer):
    """``Authorization: Bearer <secret>`` of an ApiToken."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = user_for_secret(token)
        if user is None:
            raise NotAuthenticated("令牌无效或已吊销")
        return user


class WebSession(SessionAuth):
    """The signed-in web user; unsafe methods must carry the CSRF token."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # No signed-in session means no credentials: the caller gets 401, not a CSRF 403.
        # The CSRF check is for requests that do carry a session.
        if request.headers.get("Authorization") or not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.headers.get("Authorization"):
            return None  # a token was sent: the bearer scheme answers for it
        return super().authenticate(request, key)


def anonymous(request: HttpRequest) -> AnonymousUser:
    """Public reads need no credentials."""
    if request.headers.get("Authorization", "").lower().startswith("bearer"):
        # Reached only when the bearer scheme did not accept the header.
        raise NotAuthenticated("令牌无效或已吊销")
    return AnonymousUser()


# Writes need a person; reads also accept nobody.
AUTHENTICATED = [BearerToken(), WebSession()]
OPTIONAL = [BearerToken(), WebSession(), anonymous]


def caller(request: HttpRequest) -> AnyUser:
    """The user the authentication step found for this request."""
    user = getattr(request, "auth", None)
    return user if isinstance(user, User) else AnonymousUser()


def signed_in(request: HttpRequest) -> User:
    """The authenticated caller, or 401."""
    user = caller(request)
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
