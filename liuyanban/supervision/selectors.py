"""Reads of supervision: a supervisor's orders and rounds, a message's orders and instructions.

Like every app's selectors, each read is scoped by the user's roles
(``accounts.selectors.role_paths``): nothing here widens what a user may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from liuyanban.accounts.models import Role
from liuyanban.accounts.selectors import AnyUser, role_paths, subtree_q
from liuyanban.lifecycle.models import Message, Status
from liuyanban.organizations.models import Organization

from .models import Escalation, Instruction, SupervisionOrder, SupervisionRound

ROUNDS_LIMIT = 100


def orders_issued_by(user: AnyUser, limit: int = 50) -> QuerySet[SupervisionOrder]:
    """The supervisor's recent orders with their responses, newest first."""
    if not user.is_authenticated:
        return SupervisionOrder.objects.none()
    return (
        SupervisionOrder.objects.filter(issued_by_id=user.pk)
        .select_related("message")
        .order_by("-created_at", "-pk")[:limit]
    )


def open_orders(message: Message) -> QuerySet[SupervisionOrder]:
    """The message's orders still waiting for the handling side's response."""
    return message.supervision_orders.filter(responded_at__isnull=True).order_by("pk")


def orders_of(message: Message) -> QuerySet[SupervisionOrder]:
    """Every order on the message, oldest first (the staff page)."""
    return message.supervision_orders.select_related("organization").order_by("pk")


def instructions_of(message: Message) -> QuerySet[Instruction]:
    """The leaders' instructions on the message, oldest first (the staff page)."""
    return message.instructions.select_related("leader").order_by("pk")


def escalations_of(message: Message) -> QuerySet[Escalation]:
    """The deadline job's notices for the message, oldest first."""
    return Escalation.objects.filter(message=message).order_by("created_at", "pk")


@dataclass(frozen=True)
class RoundProgress:
    """A supervision round and how far it has got."""

    round: SupervisionRound
    orders: int
    answered: int
    messages: int
    closed: int


def rounds_for(user: AnyUser) -> list[RoundProgress]:
    """Rounds within the supervisor's organisations, with answered/closed counts (newest first)."""
    paths = role_paths(user, [Role.SUPERVISOR])
    rounds = (
        SupervisionRound.objects.filter(subtree_q(paths, "organization"))
        .select_related("organization")
        .annotate(
            n_orders=Count("orders", distinct=True),
            n_answered=Count("orders", filter=Q(orders__responded_at__isnull=False), distinct=True),
            n_messages=Count("orders__message", distinct=True),
            n_closed=Count(
                "orders__message",
                filter=Q(orders__message__status=Status.CLOSED),
                distinct=True,
            ),
        )
    )
    return [
        RoundProgress(r, r.n_orders, r.n_answered, r.n_messages, r.n_closed)
        for r in rounds[:ROUNDS_LIMIT]
    ]


def round_progress(user: AnyUser, round_id: int) -> RoundProgress | None:
    """One round within the supervisor's reach, or None (missing and not yours alike)."""
    return next((r for r in rounds_for(user) if r.round.pk == round_id), None)


def supervisor_organizations(user: AnyUser) -> QuerySet[Organization]:
    """Where the user holds the supervisor role (the roots of their rounds)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        memberships__user_id=user.pk, memberships__role=Role.SUPERVISOR
    ).distinct()
