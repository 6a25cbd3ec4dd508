"""Small helpers shared by the staff views: deadline labels, rows, role checks, redirects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liuyanban.accounts.models import User
from liuyanban.lifecycle import selectors
from liuyanban.lifecycle.models import Message
from liuyanban.web import workbench

ROW_LIMIT = 100


@dataclass(frozen=True)
class Deadline:
    """A deadline as staff read it: working days left, a level, a colour class and a text label."""

    due: date | None
    days: int | None
    level: str
    css: str
    label: str


def _label(days: int, level: str) -> str:
    if level == "red":
        return _("红牌督办 · 超期 %d 个工作日") % -days
    if level == "yellow":
        return _("黄牌督办 · 超期 %d 个工作日") % -days
    if days < 0:
        return ngettext("已超期 %d 个工作日", "已超期 %d 个工作日", -days) % -days
    if days == 0:
        return _("今日到期")
    text = ngettext("剩 %d 个工作日", "剩 %d 个工作日", days) % days
    return _("临期 · %s") % text if level == "warning" else text


def deadline_of(message: Message, today: date | None = None) -> Deadline:
    """The message's current deadline with its escalation level and a label that needs no colour."""
    today = today or timezone.localdate()
    days = selectors.working_days_left(message, today)
    if days is None:
        return Deadline(None, None, "", "dl-none", _("无期限"))
    level = selectors.escalation_level(message, today)
    if days < 0 and not level:
        level = "reminder"
    return Deadline(message.current_due, days, level, f"dl-{level or 'ok'}", _label(days, level))


@dataclass(frozen=True)
class Row:
    """One line of a queue."""

    message: Message
    deadline: Deadline


def rows(messages: Iterable[Message], limit: int = ROW_LIMIT) -> list[Row]:
    """Queue rows with their deadlines, at most ``limit``."""
    today = timezone.localdate()
    out = []
    for m in messages:
        out.append(Row(m, deadline_of(m, today)))
        if len(out) >= limit:
            break
    return out


def staff_user(request: HttpRequest) -> User:
    """The signed-in user (views are wrapped in ``login_required``)."""
    user = request.user
    assert isinstance(user, User)
    return user


def require_role(user: User, *roles: str) -> set[str]:
    """403 unless the user holds one of ``roles``; returns all their roles."""
    have = workbench.staff_roles(user)
    if not have & set(roles):
        raise PermissionDenied(_("您没有该工作台的权限"))
    return have


def parse_ids(request: HttpRequest) -> list[int]:
    """The ticked message ids of a bulk form."""
    return [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
