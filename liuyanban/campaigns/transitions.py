"""The one table of what can happen to a suggestion: status × action, and who may take it.

The shape of ``lifecycle.transitions``: every interface that asks "may this user do X
to this suggestion now" — the actions, the web buttons, the REST API — derives its
answer from this table and the predicates and guards in ``permissions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from .models import SuggestionStatus

S = SuggestionStatus


@dataclass(frozen=True)
class Transition:
    """One row: the action, the statuses it starts from, where it leads, who, and the refusals."""

    action: str
    sources: frozenset[str]
    # The statuses the action may lead to; empty means the status stays the same.
    targets: frozenset[str]
    permission: str
    # Who may know the action exists: "anyone" who sees the suggestion, or only the
    # campaign's "reviewer"s (for everyone else the suggestion answers 404, as if missing).
    audience: str
    # Lazy: translated when shown, in the viewer's language.
    label: StrOrPromise
    # The 409 message when the suggestion is no longer in a source status.
    stale: StrOrPromise
    # The 403 message when the permission is missing (None: the generic one).
    forbidden: StrOrPromise | None = None


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "support",
            frozenset({S.PUBLISHED}),
            frozenset(),
            "citizen",
            "anyone",
            _("附议"),
            stale=_("只能附议已公开的建言"),
            forbidden=_("不能附议自己的建言"),
        ),
        Transition(
            "publish",
            frozenset({S.SUBMITTED}),
            frozenset({S.PUBLISHED}),
            "moderator",
            "reviewer",
            _("审核通过"),
            stale=_("该建言已审核，请刷新后查看"),
        ),
        Transition(
            "reject",
            frozenset({S.SUBMITTED}),
            frozenset({S.REJECTED}),
            "moderator",
            "reviewer",
            _("审核不通过"),
            stale=_("该建言已审核，请刷新后查看"),
        ),
        # Adopting again edits the public response (the event is then "respond").
        Transition(
            "adopt",
            frozenset({S.PUBLISHED}),
            frozenset(),
            "manager",
            "reviewer",
            _("采纳"),
            stale=_("只能采纳已公开的建言"),
        ),
        Transition(
            "convert",
            frozenset({S.SUBMITTED, S.PUBLISHED}),
            frozenset(),
            "manager",
            "reviewer",
            _("转为留言"),
            stale=_("该建言不能转为留言"),
        ),
    ]
}


def transition(action: str) -> Transition:
    """The table row for ``action`` (KeyError for an unknown action is a programming error)."""
    return TRANSITIONS[action]
