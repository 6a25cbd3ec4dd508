"""The admins' background-work page: what the sweeper finds missing, and a button to sweep now."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from liuyanban.accounts.models import Role
from liuyanban.core import sweeper
from liuyanban.core.models import SweepRun
from liuyanban.web import workbench
from liuyanban.web.views.staff_common import staff_user


@login_required
@require_http_methods(["GET", "POST"])
def background_work(request: HttpRequest) -> HttpResponse:
    """GET: missing work per check, now and at the last sweep. POST: sweep now (idempotent)."""
    user = staff_user(request)
    if not (user.is_superuser or Role.ADMIN in workbench.staff_roles(user)):
        raise PermissionDenied(_("只有平台管理员可以查看后台任务状态"))
    if request.method == "POST":
        found = sweeper.sweep()
        messages.success(
            request, _("巡检完成，重新排队 %d 项") % sum(n for n in found.values() if n > 0)
        )
        return redirect("web:work_system")
    last = SweepRun.objects.order_by("-ran_at").first()
    now = sweeper.counts()
    rows = [
        {
            "name": check.name,
            "label": check.label,
            "count": now[check.name],
            "last": last.found.get(check.name) if last else None,
        }
        for check in sweeper.checks()
    ]
    return render(request, "web/staff/system.html", {"rows": rows, "last": last})
