"""Shared machinery of the message actions: locking, checks, events, notices."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from liuyanban.accounts.models import User
from liuyanban.accounts.selectors import AnyUser
from liuyanban.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import Notice
from liuyanban.organizations.models import Organization

from .. import permissions, signals
from ..models import (
    Event,
    Message,
)
from ..transitions import TRANSITIONS

TITLE_MIN, TITLE_MAX = 5, 50
BODY_MIN, BODY_MAX = 10, 3000


# ---------------------------------------------------------------------------
# Shared machinery
# ---------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _lock(message_id: int) -> Message:
    """Lock the message row for the rest of the transaction (404 when missing)."""
    try:
        return (
            Message.objects.select_for_update(of=("self",))
            .select_related("board__organization", "office", "unit", "kind", "domain")
            .get(pk=message_id)
        )
    except Message.DoesNotExist:
        raise NotFound() from None


def _check(actor: AnyUser, message: Message, action: str) -> None:
    """Status first (a stale page gets 409), then the permission, then the action's guard."""
    row = TRANSITIONS[action]
    from ..selectors import can_see

    if not can_see(actor, message):
        raise NotFound()
    if message.status not in row.sources:
        raise InvalidTransition()
    if not permissions.PREDICATES[row.permission](actor, message):
        raise NotPermitted()
    guard = permissions.GUARDS.get(action)
    if guard is not None and not guard(actor, message):
        raise Conflict(_("该操作的条件不满足：%s") % row.label)


def _record(
    *,
    message: Message,
    action: str,
    from_status: str,
    actor: AnyUser | None,
    actor_org: Organization | None = None,
    details: dict[str, Any] | None = None,
    public: bool = True,
) -> Event:
    """Append the one event of this change."""
    event = Event.objects.create(
        message=message,
        action=action,
        from_status=from_status,
        to_status=message.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_org=actor_org,
        at=timezone.now(),
        is_public=public,
        details=details or {},
    )
    # Listeners record their follow-up work in this transaction (core.jobs): the change
    # and the work it needs commit together or not at all.
    signals.message_event.send(sender=Event, event=event)
    return event


def _text(value: str, *, field_name: str, label: str, min_len: int, max_len: int) -> str:
    value = (value or "").strip()
    if len(value) < min_len:
        raise InvalidInput(
            fields={
                field_name: [_("%(label)s至少需要 %(n)d 个字") % {"label": label, "n": min_len}]
            }
        )
    if len(value) > max_len:
        raise InvalidInput(
            fields={
                field_name: [_("%(label)s不能超过 %(n)d 个字") % {"label": label, "n": max_len}]
            }
        )
    return value


def _staff_of(org: Organization | None, *roles: str) -> list[User]:
    """Users holding one of ``roles`` exactly at ``org`` (who get its work notices)."""
    if org is None:
        return []
    return list(
        User.objects.filter(
            memberships__organization=org, memberships__role__in=roles, is_active=True
        ).distinct()
    )


def _authors(message: Message) -> list[User | None]:
    """The author and the authors of messages merged into this one."""
    merged = User.objects.filter(authored_messages__canonical=message).distinct()
    return [message.author, *merged]


def _url(message: Message) -> str:
    return f"/messages/{message.tracking_number}/"


def _notify_authors(message: Message, verb: str, text: Notice | str) -> None:
    notify(users=_authors(message), verb=verb, text=text, message_id=message.pk, url=_url(message))
