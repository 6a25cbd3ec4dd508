"""Shared machinery of the message actions: locking, checks, events, notices."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal, NotRequired, TypedDict, Unpack, overload

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liuyanban.accounts.models import User
from liuyanban.accounts.selectors import AnyUser
from liuyanban.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import Notice
from liuyanban.organizations.models import Organization

from .. import events, lookups, permissions, signals
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
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("board__organization", "office", "unit")
            .get(pk=message_id)
        )
    except Message.DoesNotExist:
        raise NotFound() from None
    # Kind and domain from the process's memo: two joins fewer to plan on every action.
    kind, domain = lookups.kinds.get(message.kind_id), lookups.domains.get(message.domain_id)
    if kind is not None:
        message.kind = kind
    if domain is not None:
        message.domain = domain
    return message


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


class _EventColumns(TypedDict):
    """The arguments every event takes besides its action and details."""

    message: Message
    from_status: str
    actor: AnyUser | None
    actor_org: NotRequired[Organization | None]
    public: NotRequired[bool]


# One overload per kind of event, so mypy checks each call's details (lifecycle/events.py).
@overload
def _record(
    *,
    action: Literal["submit", "accept", "sign", "close", "support"],
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *, action: Literal["approve"], details: events.ApproveDetails, **columns: Unpack[_EventColumns]
) -> Event: ...
@overload
def _record(
    *, action: Literal["reject"], details: events.RejectDetails, **columns: Unpack[_EventColumns]
) -> Event: ...
@overload
def _record(
    *, action: Literal["merge"], details: events.MergeDetails, **columns: Unpack[_EventColumns]
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["edit_public"],
    details: events.EditPublicDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["reclassify"],
    details: events.ReclassifyDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["moderate_images"],
    details: events.ModerateImagesDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["transfer"],
    details: events.TransferDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *, action: Literal["assign"], details: events.AssignDetails, **columns: Unpack[_EventColumns]
) -> Event: ...
@overload
def _record(
    *, action: Literal["return"], details: events.ReturnDetails, **columns: Unpack[_EventColumns]
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["reply_interim"],
    details: events.ReplyInterimDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["reply_final"],
    details: events.ReplyFinalDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["approve_reply"],
    details: events.ApproveReplyDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["send_back_reply"],
    details: events.SendBackReplyDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["request_extension"],
    details: events.RequestExtensionDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["decide_extension"],
    details: events.DecideExtensionDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["evaluate"],
    details: events.EvaluateDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["follow_up"],
    details: events.FollowUpDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *, action: Literal["reopen"], details: events.ReopenDetails, **columns: Unpack[_EventColumns]
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["request_rehandling"],
    details: events.RequestRehandlingDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["supervise"],
    details: events.SuperviseDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["respond_supervision"],
    details: events.RespondSupervisionDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["instruct"],
    details: events.InstructDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
@overload
def _record(
    *,
    action: Literal["escalate"],
    details: events.EscalateDetails,
    **columns: Unpack[_EventColumns],
) -> Event: ...
def _record(
    *,
    message: Message,
    action: str,
    from_status: str,
    actor: AnyUser | None,
    actor_org: Organization | None = None,
    details: Mapping[str, object] | None = None,
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
        details=dict(details or {}),
    )
    # Listeners record their follow-up work in this transaction (core.jobs): the change
    # and the work it needs commit together or not at all.
    signals.message_event.send(sender=Event, event=event)
    return event


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
    """The author and the authors of messages merged into this one (one query)."""
    merged = Message.objects.filter(canonical=message).values("author_id")
    users = list(User.objects.filter(Q(pk=message.author_id) | Q(pk__in=merged)))
    author = next((u for u in users if u.pk == message.author_id), None)
    return [author, *(u for u in users if u.pk != message.author_id)]


def _url(message: Message) -> str:
    return f"/messages/{message.tracking_number}/"


def _notify_authors(message: Message, verb: str, text: Notice | str) -> None:
    notify(users=_authors(message), verb=verb, text=text, message_id=message.pk, url=_url(message))
