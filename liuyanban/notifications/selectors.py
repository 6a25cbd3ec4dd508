"""Reads of notifications: always one user's own, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from liuyanban.accounts.selectors import AnyUser

from .models import Notification

PAGE_LIMIT = 100


def notifications_for(user: AnyUser, limit: int = PAGE_LIMIT) -> QuerySet[Notification]:
    """The user's latest notifications (none for a visitor), newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(user_id=user.pk)
        .select_related("message")
        .order_by("-created_at", "-pk")[:limit]
    )


def unread_count(user: AnyUser) -> int:
    """How many of the user's notifications are unread (the badge in the header)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
