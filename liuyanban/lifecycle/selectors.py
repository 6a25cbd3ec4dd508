"""Reads of messages, always through the permission funnel.

``messages_visible_to`` filters lists; ``get_message_for_user`` fetches one and
answers 404 both for "missing" and "not yours". Lists page by keyset
(published_at, id), never by OFFSET.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypedDict

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from liuyanban.accounts.models import Role
from liuyanban.accounts.selectors import AnyUser, has_role_over, role_paths, subtree_q
from liuyanban.core import paging
from liuyanban.core.errors import NotFound
from liuyanban.core.paging import Page
from liuyanban.core.prepared import Prepared, attach

from . import permissions
from .deadlines import level_cutoff, warning_days
from .models import (
    ANSWERED_STATUSES,
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    Attachment,
    AttachmentState,
    Evaluation,
    Event,
    Message,
    Reply,
    ReplyKind,
    ReplyState,
    Status,
)
from .workdays import add_working_days

# The columns a named object (body, board, domain, kind) is shown with.
NAMES = ("name", "name_en")

STAFF_ROLES = [r.value for r in Role if r != Role.ADMIN]


def _staff_q(user: AnyUser) -> Q:
    """Messages a staff member's roles reach: the board's body, the office or the unit."""
    paths = role_paths(user, STAFF_ROLES)
    if not paths:
        return Q(pk__in=[])
    return (
        subtree_q(paths, "board__organization")
        | subtree_q(paths, "office")
        | subtree_q(paths, "unit")
    )


def messages_visible_to(user: AnyUser) -> QuerySet[Message]:
    """Published messages for everyone; own messages for authors; scoped ones for staff."""
    q = Q(status__in=PUBLIC_STATUSES, canonical__isnull=True)
    if user.is_authenticated:
        q |= Q(author_id=user.pk)
        if user.is_superuser:
            return Message.objects.all()
        q |= _staff_q(user)
    return Message.objects.filter(q)


def can_see(user: AnyUser, message: Message) -> bool:
    """The single-object form of ``messages_visible_to``."""
    if message.status in PUBLIC_STATUSES and message.canonical_id is None:
        return True
    if not user.is_authenticated:
        return False
    if user.is_superuser or message.author_id == user.pk:
        return True
    if message.canonical_id and message.author_id == user.pk:
        return True
    orgs = [message.board.organization, message.office, message.unit]
    return any(has_role_over(user, org, *STAFF_ROLES) for org in orgs if org is not None)


def get_message_for_user(
    user: AnyUser, *, tracking_number: str | None = None, pk: int | None = None
) -> Message:
    """One message the user may see, or NotFound (never a hint that it exists)."""
    if tracking_number and not user.is_authenticated:
        return get_public_message(tracking_number)  # the same answer, cheaper to read
    # Not the canonical message: only a merged one has it (a query then, when shown),
    # and joining a second full message row cost every page its columns.
    # A stranger sees public messages only, which ``can_see`` allows before it would
    # look at the board's body: that join is for signed-in users.
    board = "board__organization" if user.is_authenticated else "board"
    qs = Message.objects.select_related(board, "office", "unit", "domain", "kind", "region")
    lookup = {"tracking_number": tracking_number} if tracking_number else {"pk": pk}
    message = next(iter(qs.filter(**lookup).order_by()[:1]), None)
    if message is None or not can_see(user, message):
        raise NotFound()
    return message


# What a stranger reads of a public message's board, domain, kind, region and bodies;
# and whether it has published images and ratings, so that a page asks for them only then.
_NAMED = ("board", "domain", "kind", "region", "office", "unit")
_public_message = Prepared(
    Message,
    lambda tracking_number: (
        Message.objects.filter(
            tracking_number=tracking_number, status__in=PUBLIC_STATUSES, canonical__isnull=True
        )
        .annotate(
            **{
                f"{field}_{column}": F(f"{field}__{column}")
                for field in _NAMED
                for column in ("code", *NAMES)
            },
            has_published_images=Exists(
                Attachment.objects.filter(message=OuterRef("pk"), state=AttachmentState.PUBLISHED)
            ),
            has_evaluations=Exists(Evaluation.objects.filter(message=OuterRef("pk"))),
        )
        .order_by()[:1]
    ),
    argument=str,
)


def get_public_message(tracking_number: str) -> Message:
    """A public message as a stranger reads it on its page, or NotFound.

    The answer ``get_message_for_user`` gives an anonymous visitor, reading of the
    board, domain, kind, region, office and unit only what the public page and the
    API show (codes and names; other fields load when used), in SQL compiled once
    (``core.prepared``).
    """
    found = list(_public_message(tracking_number))
    if not found:
        raise NotFound()
    message = found[0]
    for field in _NAMED:
        attach([message], field, ("code", *NAMES))
    return message


# ---------------------------------------------------------------------------
# Staff scope: what the workbench lists (narrower than what staff may see)
# ---------------------------------------------------------------------------


def staff_messages(user: AnyUser) -> QuerySet[Message]:
    """Messages the user handles as staff: the visible ones within their roles' reach.

    Public messages are visible to everyone, but the workbench shows a message only to
    staff whose organisations hold it (board, office or unit) or to the board's leader.
    """
    if not user.is_authenticated:
        return Message.objects.none()
    visible = messages_visible_to(user)
    if user.is_superuser:
        return visible
    return visible.filter(_staff_q(user) | Q(board__leader_id=user.pk))


def get_staff_message(user: AnyUser, tracking_number: str) -> Message:
    """One message for the staff detail page; NotFound unless it is within the user's reach."""
    message = get_message_for_user(user, tracking_number=tracking_number)
    if not staff_messages(user).filter(pk=message.pk).exists():
        raise NotFound()
    return message


def leader_messages(user: AnyUser) -> QuerySet[Message]:
    """Public messages on the leader's boards: boards they own, or bodies they lead."""
    if not user.is_authenticated:
        return Message.objects.none()
    paths = role_paths(user, [Role.LEADER])
    scope = Q(board__leader_id=user.pk) | subtree_q(paths, "board__organization")
    return (
        messages_visible_to(user)
        .filter(scope, status__in=PUBLIC_STATUSES)
        .select_related("board", "domain", "kind", "unit")
        .order_by("-published_at", "-pk")
    )


# ---------------------------------------------------------------------------
# Images: published ones for everyone who sees the message; the rest for its staff
# and its author only
# ---------------------------------------------------------------------------


def _sees_unpublished_images(user: AnyUser, message: Message) -> bool:
    """Images pending or withheld are the author's original material: the private funnel."""
    return permissions.may_see_private(user, message)


def _published_images_of(message_id: int) -> QuerySet[Attachment]:
    return Attachment.objects.filter(
        message_id=message_id, state=AttachmentState.PUBLISHED
    ).order_by("pk")


_published_image_list = Prepared(Attachment, _published_images_of)


def published_images(message: Message) -> QuerySet[Attachment]:
    """The images the public sees: published ones, and only while the message is public."""
    if message.status not in PUBLIC_STATUSES or message.canonical_id is not None:
        return Attachment.objects.none()
    return _published_images_of(message.pk)


def published_image_list(message: Message) -> list[Attachment]:
    """``published_images`` as a list, from SQL compiled once (the message page)."""
    if message.status not in PUBLIC_STATUSES or message.canonical_id is not None:
        return []
    if not getattr(message, "has_published_images", True):  # known from the public read
        return []
    return list(_published_image_list(message.pk))


def images_for(user: AnyUser, message: Message) -> list[Attachment]:
    """The images of ``message`` this user may see (call after ``get_message_for_user``)."""
    if _sees_unpublished_images(user, message):
        return list(message.attachments.order_by("pk"))
    return published_image_list(message)


def get_attachment_for_user(user: AnyUser, pk: int) -> Attachment:
    """One image the user may see, or NotFound (the same answer for missing and not yours)."""
    image = (
        Attachment.objects.select_related("message__board__organization", "message__office")
        .select_related("message__unit")
        .filter(pk=pk)
        .first()
    )
    if image is None or not can_see(user, image.message):
        raise NotFound()
    if _sees_unpublished_images(user, image.message):
        return image
    if not published_images(image.message).filter(pk=pk).exists():
        raise NotFound()
    return image


def image_review_queue(user: AnyUser) -> QuerySet[Message]:
    """Public messages with images still awaiting a moderator (e.g. after bulk approval)."""
    paths = role_paths(user, [Role.MODERATOR])
    return (
        Message.objects.filter(status__in=PUBLIC_STATUSES, canonical__isnull=True)
        .filter(subtree_q(paths, "board__organization"))
        .filter(pk__in=Attachment.objects.filter(state=AttachmentState.PENDING).values("message"))
        .select_related("board")
        .order_by("published_at", "pk")
    )


def available_actions(user: AnyUser, message: Message) -> list[str]:
    """What this user may do to this message now (buttons, API hints)."""
    return permissions.available_actions(user, message)


# ---------------------------------------------------------------------------
# Keyset pagination
# ---------------------------------------------------------------------------


def keyset_page(
    qs: QuerySet[Message], *, field: str, cursor: str | None, limit: int
) -> Page[Message]:
    """Newest first on (field, id); a cursor that does not fit starts from the top (``core.paging``)."""
    return paging.keyset_page(qs, keys=(field, "pk"), cursor=cursor, limit=limit)


class PublicFilters(TypedDict, total=False):
    board_id: int
    region_id: int
    domain_id: int
    kind_id: int
    status: str
    since: date
    until: date


def public_messages(filters: PublicFilters | None = None) -> QuerySet[Message]:
    """The public list: published, not merged, filtered by board, region, domain, kind, status."""
    f = filters or {}
    qs = Message.objects.filter(status__in=PUBLIC_STATUSES, canonical__isnull=True)
    for key in ("board_id", "region_id", "domain_id", "kind_id"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if status := f.get("status"):
        groups = {
            "open": Q(status__in=sorted(OPEN_STATUSES)),
            "answered": Q(status__in=sorted(ANSWERED_STATUSES)),
        }
        qs = qs.filter(groups.get(status, Q(status=status)))
    if since := f.get("since"):
        qs = qs.filter(published_at__date__gte=since)
    if until := f.get("until"):
        qs = qs.filter(published_at__date__lte=until)
    return qs.select_related("board", "domain", "kind")


# ---------------------------------------------------------------------------
# Worklists
# ---------------------------------------------------------------------------


def final_replies_for(message_ids: list[int]) -> dict[int, Reply]:
    """The standing published final reply of each message (the latest), with its organisation.

    One query for a whole page or export batch, instead of one per message: the one
    read of final replies for Open311 (``api.open311.request_rows``) and the bulk
    export (``api.exporting``). Public interfaces: only the public text is loaded,
    never the unit's original ``body``.
    """
    out: dict[int, Reply] = {}
    for reply in _published_finals(message_ids).select_related("organization").defer("body"):
        out[reply.message_id] = reply  # the latest wins
    return out


def _published_finals(message_ids: list[int]) -> QuerySet[Reply]:
    """The published final replies of the messages, oldest first within each message."""
    return Reply.objects.filter(
        message_id__in=message_ids, kind=ReplyKind.FINAL, state=ReplyState.PUBLISHED
    ).order_by("message_id", "pk")


def final_reply_notes_for(message_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """``final_replies_for`` as columns: (public text, organisation name, its English name).

    For lists that show only these (Open311's list of 1,000): no model objects, and no
    time stamps decoded (two model rows and their dates per reply were half of the list).
    """
    out: dict[int, tuple[str, str, str]] = {}
    for message_id, body, name, name_en in _published_finals(message_ids).values_list(
        "message_id", "public_body", "organization__name", "organization__name_en"
    ):
        out[message_id] = (body, name, name_en)  # the latest wins
    return out


def moderation_queue(user: AnyUser) -> QuerySet[Message]:
    """Messages awaiting moderation on boards within the moderator's scope, oldest first."""
    paths = role_paths(user, [Role.MODERATOR])
    return (
        Message.objects.filter(status=Status.SUBMITTED)
        .filter(subtree_q(paths, "board__organization"))
        .select_related("board", "domain", "kind")
        .order_by("submitted_at", "pk")
    )


def office_inbox(user: AnyUser) -> QuerySet[Message]:
    """An office's work: to accept and route, replies to review, extensions to decide."""
    paths = role_paths(user, [Role.CLERK])
    pending_ext = Q(extensions__state="pending")
    return (
        Message.objects.filter(subtree_q(paths, "office"))
        .filter(
            Q(status__in=[Status.PUBLISHED, Status.ACCEPTED, Status.REVIEWING])
            | pending_ext
            | Q(status=Status.REPLIED)
        )
        .distinct()
        .select_related("board", "domain", "kind", "unit")
        .order_by("current_due", "pk")
    )


def unit_inbox(user: AnyUser) -> QuerySet[Message]:
    """A unit's work: to sign and to handle, soonest deadline first."""
    paths = role_paths(user, [Role.OFFICER, Role.CLERK])
    return (
        Message.objects.filter(subtree_q(paths, "unit"))
        .filter(status__in=[Status.ASSIGNED, Status.IN_HANDLING])
        .select_related("board", "domain", "kind", "office")
        .order_by("current_due", "pk")
    )


def supervised_messages(user: AnyUser) -> QuerySet[Message]:
    """Open messages within a supervisor's scope."""
    paths = role_paths(user, [Role.SUPERVISOR])
    return (
        Message.objects.filter(subtree_q(paths, "office") | subtree_q(paths, "unit"))
        .exclude(current_due__isnull=True)
        .select_related("board", "domain", "kind", "office", "unit")
        .order_by("current_due", "pk")
    )


def due_soon(qs: QuerySet[Message], today: date | None = None) -> QuerySet[Message]:
    """Deadline within the warning window (临期), not yet passed."""
    today = today or timezone.localdate()
    return qs.filter(
        current_due__gte=today, current_due__lte=add_working_days(today, warning_days())
    )


def overdue(
    qs: QuerySet[Message], today: date | None = None, level: str = "reminder"
) -> QuerySet[Message]:
    """At least at escalation ``level`` (reminder = overdue, yellow, red) on ``today``."""
    today = today or timezone.localdate()
    return qs.filter(current_due__lt=level_cutoff(today, level))


def escalation_level(message: Message, today: date | None = None) -> str:
    """The level a message is at now: "", "warning", "reminder", "yellow" or "red"."""
    due = message.current_due
    if due is None:
        return ""
    today = today or timezone.localdate()
    for level in ("red", "yellow", "reminder"):
        if due < level_cutoff(today, level):
            return level
    if due >= today and due <= add_working_days(today, warning_days()):
        return "warning"
    return ""


def working_days_left(message: Message, today: date | None = None) -> int | None:
    """Working days until the current deadline (negative when overdue)."""
    from .workdays import working_days_between

    if message.current_due is None:
        return None
    return working_days_between(today or timezone.localdate(), message.current_due)


# ---------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------


class TimelineEntry(TypedDict):
    action: str
    label: str
    at: datetime
    status: str
    actor: str
    # The actor is the author, shown by the nickname they typed (user content).
    by_author: bool
    details: dict[str, Any]


PUBLIC_DETAIL_KEYS = {"to", "lead", "assist", "due", "new_due", "resolution", "into"}

# The public steps of a message, with the acting body's names (compiled once: the page's
# reads are small, and Django's compilation cost more than PostgreSQL's answer).
_public_events = Prepared(
    Event,
    lambda message_id: (
        Event.objects.filter(message_id=message_id, is_public=True)
        .annotate(actor_org_name=F("actor_org__name"), actor_org_name_en=F("actor_org__name_en"))
        .order_by("pk")
    ),
)


def timeline(message: Message, *, staff: bool = False) -> list[TimelineEntry]:
    """The message's history from its events; the public sees no private details or names."""
    from .transitions import TRANSITIONS

    events: Iterable[Event]
    if staff:
        events = (
            Event.objects.filter(message=message)
            .select_related("actor", "actor_org")
            .order_by("pk")
        )
    else:
        # The public sees a body's name; a person's only for the author without a nickname.
        events = attach(_public_events(message.pk), "actor_org", NAMES)
    out: list[TimelineEntry] = []
    for e in events:
        label = (
            str(TRANSITIONS[e.action].label)
            if e.action in TRANSITIONS
            else _escalation_label(e.details)
            if e.action == "escalate"
            else str(_EXTRA_LABELS.get(e.action, e.action))
        )
        by_author = e.actor_id is not None and e.actor_id == message.author_id
        if by_author:
            # The author appears under the public nickname everywhere, never the login name.
            actor = message.author_nickname or (str(e.actor.public_name) if e.actor else "")
        elif staff:
            actor = str(e.actor_org or "") + (f" · {e.actor.get_username()}" if e.actor else "")
        else:
            actor = str(e.actor_org) if e.actor_org else ""
        if staff:
            details = e.details
        else:
            details = {k: v for k, v in e.details.items() if k in PUBLIC_DETAIL_KEYS}
        out.append(
            {
                "action": e.action,
                "label": label,
                "at": e.at,
                "status": e.to_status,
                "actor": actor,
                "by_author": by_author,
                "details": details,
            }
        )
    return out


_EXTRA_LABELS = {"submit": gettext_lazy("提交留言"), "escalate": gettext_lazy("超期预警")}
# The deadline job's notices, named by level in the timeline.
_ESCALATION_LABELS = {
    "warning": gettext_lazy("临期预警"),
    "reminder": gettext_lazy("超期催办"),
    "yellow": gettext_lazy("黄牌督办"),
    "red": gettext_lazy("红牌督办"),
}


def _escalation_label(details: dict[str, Any]) -> str:
    return str(_ESCALATION_LABELS.get(str(details.get("level", "")), _EXTRA_LABELS["escalate"]))
