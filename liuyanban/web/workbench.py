"""Extra reads for the staff workbench: queues, roles, the organisation picker, duplicates.

Every list here starts from the permission funnels in ``lifecycle.selectors`` (the
inbox selectors, ``staff_messages`` — the staff scope — or ``messages_visible_to``)
and narrows them; nothing widens what a user
may see. Heavier reads are bounded (top 20 bodies, the last 2,000 messages of a board).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from liuyanban.accounts.models import Role
from liuyanban.accounts.selectors import AnyUser
from liuyanban.campaigns.selectors import suggestions_to_moderate
from liuyanban.intelligence.flags import Flag, find_flags
from liuyanban.intelligence.redaction import Finding, find_personal_data
from liuyanban.intelligence.replyquality import ReplyQuality, score_reply
from liuyanban.lifecycle import selectors
from liuyanban.lifecycle.deadlines import due_date
from liuyanban.lifecycle.models import (
    OPEN_STATUSES,
    ExtensionState,
    Message,
    Status,
    Step,
)
from liuyanban.lifecycle.redaction import author_identity
from liuyanban.lifecycle.workdays import working_days_between
from liuyanban.organizations.models import Organization

PICKER_LIMIT = 20
LOCAL_UNITS_LIMIT = 200


# ---------------------------------------------------------------------------
# Scope and roles
# ---------------------------------------------------------------------------


def staff_roles(user: AnyUser) -> set[str]:
    """The roles a user holds anywhere, plus "leader" for a board's own leader."""
    if not user.is_authenticated:
        return set()
    roles = set(user.memberships.values_list("role", flat=True))
    if user.boards.exists():
        roles.add(Role.LEADER)
    return roles


# ---------------------------------------------------------------------------
# Queues
# ---------------------------------------------------------------------------


def office_sections(user: AnyUser) -> dict[str, QuerySet[Message]]:
    """The office inbox split into the jobs a clerk does."""
    inbox = selectors.office_inbox(user)
    return {
        "to_accept": inbox.filter(status=Status.PUBLISHED),
        "to_route": inbox.filter(status=Status.ACCEPTED),
        "to_review": inbox.filter(status=Status.REVIEWING),
        "extensions": inbox.filter(extensions__state=ExtensionState.PENDING),
        "follow_up": inbox.filter(status=Status.REPLIED),
    }


def unit_sections(user: AnyUser) -> dict[str, QuerySet[Message]]:
    """The unit inbox split into "to sign" and "in handling"."""
    inbox = selectors.unit_inbox(user)
    return {
        "to_sign": inbox.filter(status=Status.ASSIGNED),
        "handling": inbox.filter(status=Status.IN_HANDLING),
    }


def supervision_sections(user: AnyUser, today: date | None = None) -> dict[str, QuerySet[Message]]:
    """A supervisor's board: due soon, overdue (reminder), yellow and red, open messages only."""
    qs = selectors.supervised_messages(user).filter(status__in=sorted(OPEN_STATUSES))
    return {
        "due_soon": selectors.due_soon(qs, today),
        "reminder": selectors.overdue(qs, today, level="reminder"),
        "yellow": selectors.overdue(qs, today, level="yellow"),
        "red": selectors.overdue(qs, today, level="red"),
    }


def queue_counts(user: AnyUser) -> dict[str, int]:
    """How many items wait in each queue the user's roles give."""
    roles = staff_roles(user)
    counts: dict[str, int] = {}
    if Role.MODERATOR in roles:
        # Messages and campaign suggestions wait in the one moderation queue.
        counts["moderation"] = (
            selectors.moderation_queue(user).count() + suggestions_to_moderate(user).count()
        )
    if Role.CLERK in roles:
        counts["office"] = selectors.office_inbox(user).count()
    if roles & {Role.OFFICER, Role.CLERK}:
        counts["unit"] = selectors.unit_inbox(user).count()
    if Role.SUPERVISOR in roles:
        counts["supervision"] = selectors.overdue(selectors.supervised_messages(user)).count()
    if Role.LEADER in roles:
        counts["leader"] = (
            selectors.leader_messages(user).filter(status__in=sorted(OPEN_STATUSES)).count()
        )
    return counts


def pick(qs: QuerySet[Message], ids: list[int]) -> list[Message]:
    """The selected messages of a bulk action, limited to those in the queue ``qs``."""
    return list(qs.filter(pk__in=ids[:200]))


# ---------------------------------------------------------------------------
# Organisation picker
# ---------------------------------------------------------------------------


def search_organizations(query: str, limit: int = PICKER_LIMIT) -> list[Organization]:
    """Active bodies whose code or pinyin starts with, or whose name contains, ``query``.

    Prefix matches come first (they use the indexes); the name scan fills the rest.
    """
    q = query.strip()[:50]
    if not q:
        return []
    low = q.lower().replace(" ", "")
    base = Organization.objects.filter(is_active=True).select_related("parent")
    found = list(base.filter(Q(code__startswith=q) | Q(pinyin__startswith=low))[:limit])
    if len(found) < limit:
        seen = [o.pk for o in found]
        more = base.filter(Q(name__icontains=q) | Q(pinyin__icontains=low)).exclude(pk__in=seen)
        found += list(more.order_by("path")[: limit - len(found)])
    return found


def local_units(office: Organization) -> list[Organization]:
    """The office's own units and sub-bodies (the no-JavaScript picker), nearest first."""
    return list(
        Organization.objects.filter(path__startswith=office.path, is_active=True)
        .exclude(pk=office.pk)
        .order_by("path")[:LOCAL_UNITS_LIMIT]
    )


def rule_due(message: Message, today: date | None = None) -> date:
    """The final-reply deadline the rules give if the office routed the message today."""
    if message.reply_due is not None:
        return message.reply_due
    return due_date(
        start=today or timezone.localdate(),
        organization=message.office,
        kind=message.kind,
        step=Step.REPLY,
    )


# ---------------------------------------------------------------------------
# Moderation aids
# ---------------------------------------------------------------------------


def personal_data(message: Message, text: str) -> list[Finding]:
    """Suggested redactions in the author's original words (their own names included)."""
    who = author_identity(message)
    return find_personal_data(
        text, author_names=who.names, author_nicknames=who.nicknames, author_numbers=who.numbers
    )


def flags(text: str) -> list[Flag]:
    """Abuse and sensitive-content words in the text, from the admins' word lists."""
    from liuyanban.intelligence.analysis import wordlists

    return find_flags(text, wordlists())


# ---------------------------------------------------------------------------
# Reply quality
# ---------------------------------------------------------------------------


def reply_quality(message: Message, text: str, today: date | None = None) -> ReplyQuality:
    """Score a draft reply to ``message`` as if it were sent today."""
    today = today or timezone.localdate()
    started = (message.accepted_at or message.published_at or message.submitted_at).date()
    spent = working_days_between(started, today)
    allowed = working_days_between(started, message.reply_due) if message.reply_due else None
    return score_reply(message.title, message.body, text, spent, allowed)
