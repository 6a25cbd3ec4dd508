"""Log in with a phone number, an email or a username."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User
from .selectors import user_for_login


class PhoneOrEmailBackend(ModelBackend):
    """Find the user by phone, email or username, then check the password."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        user = user_for_login(username)
        if user is None:
            # Run the hasher anyway so that timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
