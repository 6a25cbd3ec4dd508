"""Hot-issue pages: the public ranking and issue pages, staff marks and the feedback report.

Reads and writes go through the ``intelligence.hot`` package (selectors, permissions,
actions) and ``intelligence.selectors.feedback_report``; these views only map errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liuyanban.core.errors import DomainError, InvalidInput, NotFound
from liuyanban.intelligence.hot import selectors as hot
from liuyanban.intelligence.hot.actions import record_issue_feedback
from liuyanban.intelligence.hot.config import hot_config
from liuyanban.intelligence.hot.heat import GROWTH_WINDOW, RECENCY_HALF_LIFE_DAYS
from liuyanban.intelligence.hot.permissions import can_mark_issue, can_read_feedback
from liuyanban.intelligence.models import HotIssueVerdict
from liuyanban.intelligence.selectors import feedback_report as marks_report
from liuyanban.intelligence.tasks import HOT_ISSUES
from liuyanban.web.pagecache import public_page
from liuyanban.web.views.staff_common import staff_user

LIST_SIZE = 20
DETAIL_ISSUES = 5
DETAIL_MESSAGES = 10


def _formula() -> dict[str, object]:
    return {
        "half_life": int(RECENCY_HALF_LIFE_DAYS),
        "growth_days": GROWTH_WINDOW.days,
        "window_days": hot_config()["days"],
        "min_messages": hot_config()["min_messages"],
    }


@public_page(lambda: (HOT_ISSUES,))
@require_GET
def issues(request: HttpRequest) -> HttpResponse:
    """热点问题表 (top issues) and 热点问题留言明细表 (messages of the top five)."""
    top = list(hot.active_issues()[:LIST_SIZE])
    rows = hot.members_of(top[:DETAIL_ISSUES], per_issue=DETAIL_MESSAGES)
    return render(
        request, "web/hot/issues.html", {"issues": top, "detail_rows": rows, **_formula()}
    )


@public_page(lambda pk: (HOT_ISSUES,))
@require_GET
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    """One issue with all its public messages; staff see the form to mark it wrong."""
    try:
        found = hot.get_issue(pk)
    except NotFound as err:
        raise Http404(err.message) from err
    return render(
        request,
        "web/hot/issue.html",
        {
            "issue": found,
            "members": hot.public_members(found),
            "can_mark": can_mark_issue(request.user),
            "verdicts": HotIssueVerdict.choices,
            **_formula(),
        },
    )


@login_required
@require_POST
def issue_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff mark an issue as wrong (not one issue / not hot / wrong label); 404 for others."""
    user = staff_user(request)
    try:
        record_issue_feedback(
            actor=user,
            issue_id=pk,
            verdict=request.POST.get("verdict", ""),
            note=request.POST.get("note", ""),
        )
    except InvalidInput as err:
        text = "；".join(t for errors in err.fields.values() for t in errors) or err.message
        messages.error(request, text)
        return redirect("web:hot_issue", pk=pk)
    except DomainError as err:
        raise Http404(err.message) from err
    messages.success(request, _("已记录您的纠错意见，感谢反馈"))
    return redirect("web:hot_issue", pk=pk)


@login_required
@require_GET
def feedback_report(request: HttpRequest) -> HttpResponse:
    """Counts of staff marks and the marked items (analysts and supervisors); 404 for others."""
    if not can_read_feedback(request.user):
        raise Http404()
    return render(request, "web/hot/feedback.html", {"report": marks_report()})
