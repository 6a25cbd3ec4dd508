"""Public reads for the web's public pages: headline figures, a board's record, lists.

Simple aggregate queries over the lifecycle's tables (the home page's platform-wide
figures come from the analytics rollups instead). Everything here is public: only published,
unmerged messages count.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet

from liuyanban.core.prepared import Prepared, attach
from liuyanban.organizations.models import Board, Level, Organization, OrgKind

from .models import (
    ANSWERED_STATUSES,
    PUBLIC_STATUSES,
    Evaluation,
    Event,
    Message,
    Reply,
    ReplyState,
)
from .selectors import NAMES
from .workdays import working_days_between

# How many recent replies the average working days to reply is computed over.
RECENT_REPLIES = 200


class Satisfaction(TypedDict):
    count: int
    solved: float | None
    attitude: float | None
    speed: float | None
    mean: float | None


class BoardRecord(TypedDict):
    received: int
    answered: int
    reply_rate: float | None
    on_time_rate: float | None
    avg_working_days: float | None
    satisfaction: Satisfaction


def _public() -> QuerySet[Message]:
    return Message.objects.filter(status__in=PUBLIC_STATUSES, canonical__isnull=True)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def satisfaction(messages: QuerySet[Message]) -> Satisfaction:
    """Mean of each 1–5 scale over the ratings of ``messages``."""
    agg = Evaluation.objects.filter(message__in=messages).aggregate(
        count=Count("pk"), solved=Avg("solved"), attitude=Avg("attitude"), speed=Avg("speed")
    )
    scales = [agg["solved"], agg["attitude"], agg["speed"]]
    mean = sum(scales) / 3 if all(s is not None for s in scales) else None
    return {
        "count": agg["count"],
        "solved": _round(agg["solved"]),
        "attitude": _round(agg["attitude"]),
        "speed": _round(agg["speed"]),
        "mean": _round(mean),
    }


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def board_record(board: Board) -> BoardRecord:
    """A board's public record: received, reply and on-time rates, speed, satisfaction."""
    qs = _public().filter(board=board)
    agg = qs.aggregate(
        received=Count("pk"),
        answered=Count("pk", filter=Q(replied_at__isnull=False)),
        with_due=Count("pk", filter=Q(replied_at__isnull=False, reply_due__isnull=False)),
        on_time=Count("pk", filter=Q(replied_at__date__lte=F("reply_due"))),
    )
    return {
        "received": agg["received"],
        "answered": agg["answered"],
        "reply_rate": _rate(agg["answered"], agg["received"]),
        "on_time_rate": _rate(agg["on_time"], agg["with_due"]),
        "avg_working_days": _avg_working_days(qs),
        "satisfaction": satisfaction(qs),
    }


def _avg_working_days(qs: QuerySet[Message]) -> float | None:
    """Average working days from publication to the final reply, over recent replies."""
    rows = (
        qs.filter(replied_at__isnull=False, published_at__isnull=False)
        .order_by("-replied_at")
        .values_list("published_at", "replied_at")[:RECENT_REPLIES]
    )
    days = [max(0, working_days_between(p.date(), r.date())) for p, r in rows if p and r]
    return round(sum(days) / len(days), 1) if days else None


def latest_answered(limit: int = 8) -> list[Message]:
    """The most recently answered public messages, with their board, domain and kind."""
    return list(
        _public()
        .filter(status__in=ANSWERED_STATUSES, replied_at__isnull=False)
        .select_related("board", "domain", "kind")
        .order_by("-replied_at", "-pk")[:limit]
    )


# The message page's reads, compiled once (``core.prepared``).
def _published_replies_in(order: tuple[str, ...]) -> Prepared[Reply]:
    return Prepared(
        Reply,
        lambda message_id: (
            Reply.objects.filter(message_id=message_id, state=ReplyState.PUBLISHED)
            .annotate(
                organization_name=F("organization__name"),
                organization_name_en=F("organization__name_en"),
            )
            .order_by(*order)
        ),
    )


# The page lists them as they went public; the API as they were written.
_published_replies = {
    "published": _published_replies_in(("published_at", "pk")),
    "written": _published_replies_in(("pk",)),
}
_evaluations = Prepared(
    Evaluation,
    lambda message_id: Evaluation.objects.filter(message_id=message_id).order_by(
        "created_at", "pk"
    ),
)


def published_replies(
    message: Message, order: Literal["published", "written"] = "published"
) -> list[Reply]:
    """The message's published replies (interim and final) with the replying body's
    names, in the order they went public (or were written)."""
    if message.first_reply_at is None:  # set when the first reply is published
        return []
    return attach(_published_replies[order](message.pk), "organization", NAMES)


def evaluations_of(message: Message) -> list[Evaluation]:
    """The ratings of a message, oldest first."""
    # Only the author of an answered message rates it; a poor rating may have reopened it.
    if message.status not in ANSWERED_STATUSES and not message.reopen_count:
        return []
    if not getattr(message, "has_evaluations", True):  # known from the public read
        return []
    return list(_evaluations(message.pk))


# ---------------------------------------------------------------------------
# Boards
# ---------------------------------------------------------------------------


def active_board(code: str) -> Board | None:
    """An active board by its code, with its body."""
    return (
        Board.objects.filter(code=code, is_active=True)
        .select_related("organization__region", "leader")
        .first()
    )


def board_by_id(pk: int | None) -> Board | None:
    """An active board by id (the write form's hidden choice)."""
    if pk is None:
        return None
    return Board.objects.filter(pk=pk, is_active=True).select_related("organization").first()


def provinces() -> QuerySet[Organization]:
    """Province-level governments, for the write page's region picker."""
    return (
        Organization.objects.filter(kind=OrgKind.GOVERNMENT, level=Level.PROVINCE, is_active=True)
        .select_related("region")
        .order_by("region__code", "code")
    )


def boards_under(org: Organization, limit: int = 500) -> list[Board]:
    """Active boards of a body and everything below it, for a plain select."""
    return list(
        Board.objects.filter(organization__path__startswith=org.path, is_active=True)
        .select_related("organization")
        .order_by("organization__path", "sort_order", "code")[:limit]
    )


def suggest_boards(query: str, limit: int = 10) -> list[Board]:
    """Boards whose name or pinyin contains the query (the write page's suggestions)."""
    q = query.strip().lower()
    if not q:
        return []
    return list(
        Board.objects.filter(
            Q(name__icontains=q)
            | Q(pinyin__icontains=q.replace(" ", ""))
            | Q(organization__name__icontains=q),
            is_active=True,
        )
        .select_related("organization")
        .order_by("sort_order", "code")[:limit]
    )


# ---------------------------------------------------------------------------
# The author's own messages
# ---------------------------------------------------------------------------


def authored_messages(user_id: int) -> QuerySet[Message]:
    """Every message the user wrote, any status, with replies, ratings and rejections."""
    return (
        Message.objects.filter(author_id=user_id)
        .select_related("board", "domain", "kind")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.filter(state=ReplyState.PUBLISHED)
                .select_related("organization")
                .order_by("pk"),
                to_attr="published_replies",
            ),
            Prefetch(
                "events",
                queryset=Event.objects.filter(action="reject").order_by("pk"),
                to_attr="reject_events",
            ),
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.filter(author_id=user_id),
                to_attr="own_evaluations",
            ),
        )
    )
