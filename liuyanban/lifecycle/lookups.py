"""The write path's constant lookups, remembered per process (see ``core.rowcache``).

Every submission reads its board (with the board's body and region), domain and kind,
and every step with a deadline reads the deadline rules: the same few rows for
thousands of messages. These memos answer them without a query; a change is seen at
once by the process that saved it and within ``rowcache.DEFAULT_TTL`` seconds by others.
Whether the row is usable (an active board or domain) is still checked by the caller
on every use.
"""

from __future__ import annotations

import copy

from django.db.models import Q

from liuyanban.core.rowcache import Memo
from liuyanban.organizations.models import Board, Organization, Region
from liuyanban.taxonomy.models import Domain, Kind

from .models import DeadlineRule


def _load_board(pk: int) -> Board | None:
    return Board.objects.select_related("organization__region").filter(pk=pk).first()


def _copy_board(board: Board) -> Board:
    # The body is copied too: a message keeps it as its office and may cache more on it.
    out = copy.copy(board)
    out.organization = copy.copy(board.organization)
    return out


boards: Memo[int, Board] = Memo(
    "boards", _load_board, watch=(Board, Organization, Region), copier=_copy_board
)
domains: Memo[int, Domain] = Memo(
    "domains", lambda pk: Domain.objects.filter(pk=pk).first(), watch=(Domain,)
)
kinds: Memo[int, Kind] = Memo("kinds", lambda pk: Kind.objects.filter(pk=pk).first(), watch=(Kind,))

# (the paths of an organisation and its ancestors, the kind, the step) -> the rules that
# may apply: (rule's organisation path or None, kind id or None, working days).
RuleRow = tuple[str | None, int | None, int]
RuleKey = tuple[tuple[str, ...], int | None, str]


def _load_rules(key: RuleKey) -> list[RuleRow]:
    paths, kind_id, step = key
    return list(
        DeadlineRule.objects.filter(
            Q(organization__isnull=True) | Q(organization__path__in=paths),
            Q(kind__isnull=True) | Q(kind_id=kind_id),
            step=step,
        ).values_list("organization__path", "kind_id", "working_days")
    )


deadline_rules: Memo[RuleKey, list[RuleRow]] = Memo(
    "deadline rules", _load_rules, watch=(DeadlineRule, Organization), copier=list
)
