"""Reads of the platform's hot issues (the rows the store writes)."""

from __future__ import annotations

from django.db.models import QuerySet

from liuyanban.accounts.models import Role
from liuyanban.accounts.selectors import AnyUser, role_paths, subtree_q
from liuyanban.core.errors import NotFound
from liuyanban.lifecycle.models import Message
from liuyanban.lifecycle.selectors import public_messages

from ..models import HotIssue, HotIssueStatus
from .config import hot_config


def active_issues() -> QuerySet[HotIssue]:
    """Issues shown to the public, hottest first."""
    return HotIssue.objects.filter(
        status=HotIssueStatus.ACTIVE, message_count__gte=hot_config()["min_messages"]
    ).order_by("-heat", "pk")


def get_issue(issue_id: int) -> HotIssue:
    """One issue (active or closed); ``NotFound`` when missing."""
    issue = HotIssue.objects.select_related("office", "region").filter(pk=issue_id).first()
    if issue is None:
        raise NotFound()
    return issue


def public_members(issue: HotIssue) -> list[Message]:
    """The issue's public messages, oldest first."""
    return list(public_messages().filter(hot_membership__issue=issue).order_by("published_at"))


def held_ids(issue: HotIssue) -> list[int]:
    """Message ids of an issue's member rows."""
    return list(issue.members.values_list("message_id", flat=True))


def members_of(issues: list[HotIssue], per_issue: int = 10) -> list[tuple[HotIssue, Message]]:
    """(issue, message) rows of the detail table: up to ``per_issue`` messages per issue."""
    rows: list[tuple[HotIssue, Message]] = []
    for issue in issues:
        rows.extend((issue, m) for m in public_members(issue)[:per_issue])
    return rows


def issues_for_supervisor(user: AnyUser, limit: int = 10) -> list[HotIssue]:
    """The hottest active issues whose responsible office lies under the supervisor's bodies."""
    paths = role_paths(user, [Role.SUPERVISOR])
    if not paths:
        return []
    return list(active_issues().filter(subtree_q(paths, "office")).select_related("office")[:limit])
