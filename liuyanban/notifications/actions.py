"""Writing notifications: rows and the task that emails their copies, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from liuyanban.accounts.models import User

from .models import Notification
from .texts import Notice

logger = logging.getLogger(__name__)


def notify(
    *,
    users: Iterable[User | None],
    verb: str,
    text: Notice | str,
    message_id: int | None = None,
    url: str = "",
) -> list[Notification]:
    """Notify each distinct user once; their email copies are queued in the same transaction.

    ``text`` is a ``Notice`` (``texts.notice``): each reader sees it in their own
    language. A plain string is stored and shown as it is.
    """
    if isinstance(text, Notice):
        key, params = text.key, text.stored_params()
        with translation.override(settings.LANGUAGE_CODE):
            plain = text.render()
    else:
        key, params, plain = "", [], text
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                user=user,
                message_id=message_id,
                verb=verb,
                text=plain[:300],
                text_key=key,
                params=params,
                url=url,
            )
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
