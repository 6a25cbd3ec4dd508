"""Reads about people: which roles a user holds where (the basis of every permission)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from liuyanban.organizations.models import Organization

from .models import Membership, Role, User

AnyUser = User | AnonymousUser


def role_paths(user: AnyUser, roles: Iterable[str]) -> list[str]:
    """Paths of the organisations where ``user`` holds any of ``roles``.

    A role held at an organisation covers that organisation and everything below it.
    Cached on the user object for the request, since permission checks ask often.
    """
    if not user.is_authenticated:
        return []
    cache: dict[frozenset[str], list[str]] = user.__dict__.setdefault("_role_paths", {})
    key = frozenset(roles)
    if key not in cache:
        cache[key] = list(
            Membership.objects.filter(user=user, role__in=key).values_list(
                "organization__path", flat=True
            )
        )
    return cache[key]


def has_role_over(user: AnyUser, org: Organization | None, *roles: str) -> bool:
    """True when ``user`` holds one of ``roles`` at ``org`` or one of its ancestors."""
    if org is None:
        return False
    return any(org.path.startswith(p) for p in role_paths(user, roles))


def is_platform_admin(user: AnyUser) -> bool:
    """Platform administrators: Django superusers or the admin role anywhere."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser) or bool(role_paths(user, [Role.ADMIN]))


def is_staff_member(user: AnyUser) -> bool:
    """Users with any role at any organisation (citizens have none)."""
    return bool(role_paths(user, list(Role.values)))


def subtree_q(paths: Iterable[str], field: str = "") -> Q:
    """Match rows whose organisation (``field``, or the row itself when empty) lies under ``paths``."""
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{lookup: p})
    return q


def user_for_login(identifier: str) -> User | None:
    """The account a login name means: its username, email (any case) or phone.

    The one resolution used both to check the password and to count attempts per
    account, so that three identifiers never mean three allowances.
    """
    ident = identifier.strip()
    if not ident:
        return None
    return (
        User.objects.filter(Q(username=ident) | Q(email__iexact=ident) | Q(phone=ident))
        .order_by("id")
        .first()
    )
