"""Early warning (未诉先办): tell the responsible office when an issue is rising."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_noop

from liuyanban.accounts.models import Role, User
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import notice

from ..models import HotIssue
from .config import warning_config


def is_rising(times: list[datetime], now: datetime) -> bool:
    """At least ``min_messages`` in the last ``days`` and ``growth`` times the period before."""
    cfg = warning_config()
    span = timedelta(days=cfg["days"])
    recent = sum(1 for t in times if now - span < t <= now)
    before = sum(1 for t in times if now - 2 * span < t <= now - span)
    return recent >= cfg["min_messages"] and recent > before and recent >= cfg["growth"] * before


def issue_url(issue: HotIssue) -> str:
    """The public page of an issue ("" when the web pages are not installed)."""
    try:
        return reverse("web:hot_issue", args=[issue.pk])
    except NoReverseMatch:
        return ""


@transaction.atomic
def warn_if_rising(issue: HotIssue, *, now: datetime) -> bool:
    """Notify the responsible office's clerks of a rising issue, at most once a week per issue."""
    if not issue.rising or issue.office_id is None:
        return False
    week_ago = now - timedelta(days=7)
    # The conditional update is the lock: of two workers only one changes the row.
    won = (
        HotIssue.objects.filter(pk=issue.pk)
        .filter(Q(warned_at__isnull=True) | Q(warned_at__lte=week_ago))
        .update(warned_at=now)
    )
    if not won:
        return False
    issue.warned_at = now
    days = warning_config()["days"]
    recent = issue.members.filter(message__published_at__gt=now - timedelta(days=days)).count()
    clerks = User.objects.filter(
        memberships__organization_id=issue.office_id, memberships__role=Role.CLERK, is_active=True
    ).distinct()
    # A key and its values, rendered in each reader's language when shown (notifications
    # migration 0002); the label and description are the issue's own words.
    text = notice(
        gettext_noop(
            "热点预警（未诉先办）：“%(label)s”近 %(days)d 日有 %(n)d 条留言，呈上升趋势——%(desc)s"
        ),
        label=issue.label,
        days=days,
        n=recent,
        desc=issue.description,
    )
    notify(users=clerks, verb="hot_warning", text=text, url=issue_url(issue))
    return True
