"""Permission predicates named in the transitions table, and the derived "what may I do now".

A role held at an organisation covers it and everything below it
(``accounts.selectors.has_role_over``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from liuyanban.accounts.models import Role
from liuyanban.accounts.selectors import AnyUser, has_role_over

from .deadlines import rehandling_window_days
from .models import POOR_SOLVED, AssignmentMode, ExtensionState, Message
from .transitions import TRANSITIONS
from .workdays import working_days_between

Predicate = Callable[[AnyUser, Message], bool]


def is_moderator(user: AnyUser, message: Message) -> bool:
    """Moderators over the board's body (platform moderators sit at the root)."""
    return has_role_over(user, message.board.organization, Role.MODERATOR)


def is_office(user: AnyUser, message: Message) -> bool:
    """Clerks of the body that currently holds the message."""
    return has_role_over(user, message.office, Role.CLERK)


def is_triage(user: AnyUser, message: Message) -> bool:
    """Those who sort messages: moderators and the holding office's clerks."""
    return is_moderator(user, message) or is_office(user, message)


def is_unit(user: AnyUser, message: Message) -> bool:
    """Officers of the lead handling unit; for a transfer, the receiving body's clerks too."""
    if message.unit_id is None or not user.is_authenticated:
        return False  # a stranger holds no role: no query for the last assignment
    if has_role_over(user, message.unit, Role.OFFICER):
        return True
    last = message.assignments.order_by("-id").first()
    return (
        last is not None
        and last.mode == AssignmentMode.TRANSFER
        and has_role_over(user, message.unit, Role.CLERK)
    )


def is_handler(user: AnyUser, message: Message) -> bool:
    """Whoever handles it now: the unit or the office."""
    return is_unit(user, message) or is_office(user, message)


def is_supervisor(user: AnyUser, message: Message) -> bool:
    """Supervisors over the office or the unit."""
    return has_role_over(user, message.office, Role.SUPERVISOR) or (
        message.unit_id is not None and has_role_over(user, message.unit, Role.SUPERVISOR)
    )


def is_leader(user: AnyUser, message: Message) -> bool:
    """The board's own leader, or a leader over the board's body."""
    if not user.is_authenticated:
        return False
    return message.board.leader_id == user.pk or has_role_over(
        user, message.board.organization, Role.LEADER
    )


def is_author(user: AnyUser, message: Message) -> bool:
    """The author, or the author of a message merged into this one."""
    if not user.is_authenticated:
        return False
    if message.author_id == user.pk:
        return True
    return message.merged_messages.filter(author_id=user.pk).exists()


def is_citizen(user: AnyUser, message: Message) -> bool:
    """Any signed-in person other than the author."""
    return bool(user.is_authenticated) and message.author_id != user.pk


PREDICATES: dict[str, Predicate] = {
    "moderator": is_moderator,
    "office": is_office,
    "triage": is_triage,
    "unit": is_unit,
    "handler": is_handler,
    "supervisor": is_supervisor,
    "leader": is_leader,
    "author": is_author,
    "citizen": is_citizen,
}


# Who works on a message in a role of its own: they read the author's words and contact.
INSIDER_PREDICATES = ("moderator", "office", "unit", "supervisor", "leader")


def is_insider(user: AnyUser, message: Message) -> bool:
    """Whether ``user`` works on this message (moderates, holds, handles, supervises, leads it).

    Seeing a message is wider: an analyst or a clerk of a parent body sees it for
    statistics and oversight, but is not an insider.
    """
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser) or any(
        PREDICATES[name](user, message) for name in INSIDER_PREDICATES
    )


def may_see_private(user: AnyUser, message: Message) -> bool:
    """The one answer, on every interface, for the author's contact data and original text.

    The author (of this message, not of one merged into it) and insiders; everyone
    else, staff included, reads the public version only.
    """
    if not user.is_authenticated:
        return False
    return message.author_id == user.pk or is_insider(user, message)


def _can_reopen(user: AnyUser, message: Message) -> bool:
    # Reopened once at most, and only after a poor rating or a dissatisfied follow-up.
    if message.reopen_count > 0:
        return False
    return (
        message.evaluations.filter(solved__lte=POOR_SOLVED).exists()
        or message.follow_ups.filter(satisfied=False).exists()
    )


def _can_request_rehandling(user: AnyUser, message: Message) -> bool:
    # Once per message (shared with the office's reopen), after the author's own poor
    # rating, within the configured number of working days of that rating.
    if message.reopen_count > 0 or user.pk is None:
        return False
    rating = message.evaluations.filter(author_id=user.pk, solved__lte=POOR_SOLVED).first()
    if rating is None:
        return False
    rated_on = timezone.localdate(rating.created_at)
    return working_days_between(rated_on, timezone.localdate()) <= rehandling_window_days()


def _can_request_extension(user: AnyUser, message: Message) -> bool:
    # Asked once, at least one working day before the deadline.
    if message.extension_used or message.reply_due is None:
        return False
    if message.extensions.filter(state=ExtensionState.PENDING).exists():
        return False
    return working_days_between(timezone.localdate(), message.reply_due) >= 1


def _has_pending_extension(user: AnyUser, message: Message) -> bool:
    return message.extensions.filter(state=ExtensionState.PENDING).exists()


def _has_not_evaluated(user: AnyUser, message: Message) -> bool:
    return not message.evaluations.filter(author_id=user.pk).exists()


def _has_open_order(user: AnyUser, message: Message) -> bool:
    return message.supervision_orders.filter(responded_at__isnull=True).exists()


def _has_not_supported(user: AnyUser, message: Message) -> bool:
    return user.pk is not None and not message.supports.filter(user_id=user.pk).exists()


def _has_images(user: AnyUser, message: Message) -> bool:
    return message.attachments.exists()


# Conditions beyond status and role, so that buttons appear only when the action can succeed.
GUARDS: dict[str, Predicate] = {
    "reopen": _can_reopen,
    "request_rehandling": _can_request_rehandling,
    "request_extension": _can_request_extension,
    "decide_extension": _has_pending_extension,
    "evaluate": _has_not_evaluated,
    "respond_supervision": _has_open_order,
    "support": _has_not_supported,
    "moderate_images": _has_images,
}


def may(user: AnyUser, message: Message, action: str, *, check_guard: bool = True) -> bool:
    """Whether ``user`` may take ``action`` on ``message`` in its current status."""
    if not user.is_authenticated:
        # Every predicate asks for an account or a role: a stranger may do nothing (and
        # the public page need not load the bodies the role checks would look at).
        return False
    row = TRANSITIONS[action]
    if message.status not in row.sources:
        return False
    if not PREDICATES[row.permission](user, message):
        return False
    guard = GUARDS.get(action)
    return not (check_guard and guard is not None and not guard(user, message))


def available_actions(user: AnyUser, message: Message) -> list[str]:
    """Every action the table allows this user on this message now, in table order."""
    return [action for action in TRANSITIONS if may(user, message, action)]
