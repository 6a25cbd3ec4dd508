"""A citizen's own pages: my messages (any status) and notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liuyanban.lifecycle import selectors, stats_public
from liuyanban.lifecycle.models import ANSWERED_STATUSES
from liuyanban.notifications import selectors as notification_selectors
from liuyanban.notifications.actions import mark_read
from liuyanban.web.forms import EvaluateForm

PAGE_SIZE = 20


@login_required
def my_messages(request: HttpRequest) -> HttpResponse:
    """The user's messages, newest first, with status, rejection reasons, replies, ratings."""
    page = selectors.keyset_page(
        stats_public.authored_messages(int(request.user.pk or 0)),
        field="submitted_at",
        cursor=request.GET.get("cursor"),
        limit=PAGE_SIZE,
    )
    rateable = {
        m.pk
        for m in page.items
        if m.status in ANSWERED_STATUSES
        and not m.own_evaluations  # type: ignore[attr-defined]
        and "evaluate" in selectors.available_actions(request.user, m)
    }
    ctx: dict[str, Any] = {"page": page, "rateable": rateable, "evaluate_form": EvaluateForm()}
    return render(request, "web/public/my_messages.html", ctx)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's latest notifications, unread first marked."""
    items = list(notification_selectors.notifications_for(request.user))
    return render(request, "web/public/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or all of them read."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() else None
    count = mark_read(user=request.user, ids=ids)  # type: ignore[arg-type]
    if ids is None:
        flash.success(request, _("已将 %d 条通知标为已读") % count)
    return redirect("web:notifications")
