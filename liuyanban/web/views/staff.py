"""The staff workbench's queues: landing page, moderation, office, unit, supervision, leader.

Views read through ``lifecycle.selectors`` / ``lifecycle.workbench`` and write through
the actions; bulk actions call the action once per message and report each failure.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from liuyanban.accounts.models import Role, User
from liuyanban.campaigns import selectors as campaign_selectors
from liuyanban.core.error_pages import add_field_errors, raise_for, user_text
from liuyanban.core.errors import DomainError, InvalidInput
from liuyanban.intelligence.hot.selectors import issues_for_supervisor
from liuyanban.lifecycle import actions, selectors
from liuyanban.lifecycle.models import Message
from liuyanban.notifications import selectors as notification_selectors
from liuyanban.supervision import actions as supervision_actions
from liuyanban.supervision import selectors as supervision_selectors
from liuyanban.web import workbench
from liuyanban.web.staff_forms import RoundForm
from liuyanban.web.views.staff_common import parse_ids, require_role, rows, staff_user

QUEUES = [
    ("moderation", "web:work_moderation", gettext_lazy("审核队列")),
    ("office", "web:work_office", gettext_lazy("受理工作台")),
    ("unit", "web:work_unit", gettext_lazy("办理工作台")),
    ("supervision", "web:work_supervision", gettext_lazy("督查工作台")),
    ("leader", "web:work_leader", gettext_lazy("领导阅批")),
]


def queue_links(user: User) -> list[dict[str, object]]:
    """The queues this user's roles give, with their counts (the subnav and the landing page)."""
    counts = workbench.queue_counts(user)
    return [
        {"key": key, "url": reverse(name), "label": label, "count": counts[key]}
        for key, name, label in QUEUES
        if key in counts
    ]


def _page(request: HttpRequest, template: str, user: User, **ctx: object) -> HttpResponse:
    return render(request, template, {"queues": queue_links(user), **ctx})


@login_required
@require_GET
def workbench_home(request: HttpRequest) -> HttpResponse:
    """Landing page: the user's queues with counts, and their latest notifications."""
    user = staff_user(request)
    roles = require_role(user, *Role.values)
    notes = notification_selectors.notifications_for(user, limit=10)
    admin = user.is_superuser or Role.ADMIN in roles
    return _page(request, "web/staff/workbench.html", user, notifications=notes, admin=admin)


@login_required
@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    """Messages awaiting moderation, oldest first, with flag counts and bulk approval."""
    user = staff_user(request)
    require_role(user, Role.MODERATOR)
    queue = selectors.moderation_queue(user).annotate(image_count=Count("attachments"))
    items = [
        {"row": r, "flags": len(workbench.flags(f"{r.message.title} {r.message.body}"))}
        for r in rows(queue)
    ]
    images = selectors.image_review_queue(user).annotate(
        pending_images=Count("attachments", filter=Q(attachments__state="pending"))
    )
    suggestions = campaign_selectors.suggestions_to_moderate(user)
    return _page(
        request,
        "web/staff/moderation.html",
        user,
        items=items,
        total=queue.count(),
        image_queue=list(images[:100]),
        suggestions=[
            {"suggestion": s, "flags": len(workbench.flags(f"{s.title} {s.body}"))}
            for s in suggestions[:100]
        ],
        suggestion_total=suggestions.count(),
    )


def _bulk(
    request: HttpRequest,
    queue: Callable[[User], object],
    run: Callable[[User, Message], object],
    *,
    done: Callable[[int], str],
    back: str,
) -> HttpResponse:
    """Run one action per selected message; report successes and each failure."""
    user = staff_user(request)
    ids = parse_ids(request)
    if not ids:
        messages.error(request, _("请先勾选留言"))
        return redirect(back)
    found = workbench.pick(queue(user), ids)  # type: ignore[arg-type]
    ok = 0
    for message in found:
        try:
            run(user, message)
            ok += 1
        except DomainError as err:
            messages.error(request, f"{message.tracking_number}：{user_text(err)}")
    missing = len(set(ids)) - len(found)
    if missing:
        messages.error(request, _("%d 条留言已不在队列中（已被他人处理），请刷新") % missing)
    if ok:
        messages.success(request, done(ok))
    return redirect(back)


@login_required
@require_POST
def bulk_approve(request: HttpRequest) -> HttpResponse:
    """Approve several messages, each through ``approve_message`` with its suggested public text."""
    require_role(staff_user(request), Role.MODERATOR)
    return _bulk(
        request,
        selectors.moderation_queue,
        lambda u, m: actions.approve_message(actor=u, message_id=m.pk),
        done=lambda n: ngettext("已审核通过 %d 条留言", "已审核通过 %d 条留言", n) % n,
        back=reverse("web:work_moderation"),
    )


@login_required
@require_GET
def office(request: HttpRequest) -> HttpResponse:
    """The receiving office's jobs: accept, route, review replies, extensions, follow-up."""
    user = staff_user(request)
    require_role(user, Role.CLERK)
    sections = {k: rows(qs) for k, qs in workbench.office_sections(user).items()}
    return _page(request, "web/staff/office.html", user, sections=sections)


@login_required
@require_GET
def unit(request: HttpRequest) -> HttpResponse:
    """The handling unit's jobs: sign (in bulk), handle and reply."""
    user = staff_user(request)
    require_role(user, Role.OFFICER, Role.CLERK)
    sections = {k: rows(qs) for k, qs in workbench.unit_sections(user).items()}
    return _page(request, "web/staff/unit.html", user, sections=sections)


@login_required
@require_POST
def bulk_sign(request: HttpRequest) -> HttpResponse:
    """Sign for several messages, each through ``sign_message``."""
    require_role(staff_user(request), Role.OFFICER, Role.CLERK)
    return _bulk(
        request,
        selectors.unit_inbox,
        lambda u, m: actions.sign_message(actor=u, message_id=m.pk),
        done=lambda n: ngettext("已签收 %d 条留言", "已签收 %d 条留言", n) % n,
        back=reverse("web:work_unit"),
    )


def _supervision_page(
    request: HttpRequest, user: User, form: RoundForm, status: int = 200
) -> HttpResponse:
    sections = workbench.supervision_sections(user)
    lists = {k: rows(qs) for k, qs in sections.items()}
    counts = {k: qs.count() for k, qs in sections.items()}
    response = _page(
        request,
        "web/staff/supervision.html",
        user,
        lists=lists,
        counts=counts,
        orders=supervision_selectors.orders_issued_by(user),
        rounds=supervision_selectors.rounds_for(user),
        round_form=form,
        hot_issues=issues_for_supervisor(user),
    )
    response.status_code = status
    return response


def _round_form(user: User, data: object = None) -> RoundForm:
    return RoundForm(data, organizations=supervision_selectors.supervisor_organizations(user))


@login_required
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    """The supervisor's board: due soon, overdue, yellow, red; orders; rounds; hot issues."""
    user = staff_user(request)
    require_role(user, Role.SUPERVISOR)
    return _supervision_page(request, user, _round_form(user))


@login_required
@require_POST
def round_create(request: HttpRequest) -> HttpResponse:
    """Open a supervision round; errors re-render the board with the form."""
    user = staff_user(request)
    require_role(user, Role.SUPERVISOR)
    form = _round_form(user, request.POST)
    if not form.is_valid():
        return _supervision_page(request, user, form, status=400)
    try:
        new = supervision_actions.create_round(actor=user, **form.cleaned_data)
    except InvalidInput as err:
        add_field_errors(form, err)
        return _supervision_page(request, user, form, status=400)
    except DomainError as err:
        raise_for(err)
        raise
    messages.success(request, _("已创建督查批次“%s”") % new.name)
    return redirect("web:work_round", pk=new.pk)


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One round's progress: orders answered of total, messages closed of total."""
    user = staff_user(request)
    require_role(user, Role.SUPERVISOR)
    progress = supervision_selectors.round_progress(user, pk)
    if progress is None:
        raise Http404()
    orders = progress.round.orders.select_related("message").order_by("response_due")
    return _page(request, "web/staff/round.html", user, progress=progress, orders=orders)


@login_required
@require_GET
def leader(request: HttpRequest) -> HttpResponse:
    """The leader's boards: their messages with status; instructions on the detail page."""
    user = staff_user(request)
    require_role(user, Role.LEADER)
    return _page(request, "web/staff/leader.html", user, rows=rows(selectors.leader_messages(user)))


@login_required
@require_GET
def org_picker(request: HttpRequest) -> HttpResponse:
    """htmx: the top 20 bodies matching a name, pinyin or code, as radio buttons or checkboxes."""
    require_role(staff_user(request), Role.CLERK)
    field = "assist_pick" if request.GET.get("field") == "assist" else "lead_pick"
    query = request.GET.get("q") or request.GET.get(field.replace("_pick", "_q")) or ""
    return render(
        request,
        "web/staff/_org_results.html",
        {"results": workbench.search_organizations(query), "field": field, "query": query},
    )
