"""Who may do what with hot issues."""

from __future__ import annotations

from liuyanban.accounts.models import Role
from liuyanban.accounts.selectors import AnyUser, is_staff_member, role_paths


def can_mark_issue(user: AnyUser) -> bool:
    """Any staff member may mark an issue as wrongly grouped or labelled."""
    return is_staff_member(user)


def can_read_feedback(user: AnyUser) -> bool:
    """Analysts, supervisors and admins read the report of staff marks."""
    return bool(role_paths(user, [Role.ANALYST, Role.SUPERVISOR, Role.ADMIN]))
