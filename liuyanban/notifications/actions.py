"""Writing notifications: rows and the task that emails their copies, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from liuyanban.accounts.models import User

from .models import Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    users: Iterable[User | None],
    verb: str,
    text: str,
    message_id: int | None = None,
    url: str = "",
) -> list[Notification]:
    """Notify each distinct user once; their email copies are queued in the same transaction."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(user=user, message_id=message_id, verb=verb, text=text[:300], url=url)
        )
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk]
    if ids:
        from liuyanban.core import jobs

        from .tasks import email_notifications

        jobs.record(email_notifications, ids)
    return created


def mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all when ``ids`` is None)."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
