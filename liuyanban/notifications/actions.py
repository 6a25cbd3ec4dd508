"""Writing notifications: rows now, the email copy after the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

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
    """Notify each distinct user once; email copies are queued on commit."""
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
        transaction.on_commit(lambda: _enqueue_email(ids))
    return created


def _enqueue_email(ids: list[int]) -> None:
    from .tasks import email_notifications

    try:
        email_notifications.enqueue(ids)
    except Exception:  # a broken queue must never fail the action that already committed
        logger.exception("could not queue notification email")


def mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all when ``ids`` is None)."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
