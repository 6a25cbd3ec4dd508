"""The staff message page (every role) and its action forms.

Each action panel is shown only when ``available_actions`` lists the action; each POST
goes to one action function. Errors: a bad field re-renders the page with the form open
(400); anything else goes through ``core.error_pages.error_response`` (a stale page flashes
"可能已被他人处理" and redirects; 404/403 pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from liuyanban.accounts.models import User
from liuyanban.core.error_pages import add_field_errors, error_response, raise_for
from liuyanban.core.errors import DomainError, InvalidInput
from liuyanban.intelligence import actions as intel_actions
from liuyanban.intelligence import selectors as intel_selectors
from liuyanban.intelligence.redaction import KIND_LABELS, Finding
from liuyanban.lifecycle import actions, permissions, selectors
from liuyanban.lifecycle.models import (
    AttachmentState,
    Message,
    MessageContact,
    ReplyState,
    Status,
)
from liuyanban.lifecycle.transitions import TRANSITIONS
from liuyanban.supervision import actions as supervision_actions
from liuyanban.supervision import selectors as supervision_selectors
from liuyanban.taxonomy.models import Domain
from liuyanban.web import staff_forms as f
from liuyanban.web import workbench
from liuyanban.web.views.staff import queue_links
from liuyanban.web.views.staff_common import deadline_of, staff_user

StrOrPromise = str | Promise
Run = Callable[[User, Message, dict[str, Any]], object]


@dataclass(frozen=True)
class Spec:
    """How one action is offered: its form, how to call it, what to say when done."""

    form: type[forms.Form]
    run: Run
    done: StrOrPromise
    template: str = "web/staff/_panel_generic.html"


def _merge(user: User, m: Message, d: dict[str, Any]) -> object:
    target = selectors.public_messages().filter(tracking_number=d["into"].strip()).first()
    return actions.merge_message(actor=user, message_id=m.pk, into_id=target.pk if target else 0)


SPECS: dict[str, Spec] = {
    "approve": Spec(
        f.ApproveForm,
        lambda u, m, d: actions.approve_message(
            actor=u,
            message_id=m.pk,
            public_title=d["public_title"],
            public_body=d["public_body"],
            images=d.get("images"),
        ),
        gettext_lazy("已审核通过并公开"),
        "web/staff/_panel_approve.html",
    ),
    "reject": Spec(
        f.RejectForm,
        lambda u, m, d: actions.reject_message(actor=u, message_id=m.pk, reason=d["reason"]),
        gettext_lazy("已审核不通过"),
    ),
    "moderate_images": Spec(
        f.ImagesForm,
        lambda u, m, d: actions.moderate_images(actor=u, message_id=m.pk, decisions=d["decisions"]),
        gettext_lazy("图片审核结果已保存"),
        "web/staff/_panel_images.html",
    ),
    "merge": Spec(
        f.MergeForm, _merge, gettext_lazy("已合并为重复留言"), "web/staff/_panel_merge.html"
    ),
    "edit_public": Spec(
        f.PublicTextForm,
        lambda u, m, d: actions.edit_public_text(
            actor=u, message_id=m.pk, public_title=d["public_title"], public_body=d["public_body"]
        ),
        gettext_lazy("公开内容已修改"),
    ),
    "accept": Spec(
        f.EmptyForm,
        lambda u, m, d: actions.accept_message(actor=u, message_id=m.pk),
        gettext_lazy("已受理"),
    ),
    "transfer": Spec(
        f.RouteForm,
        lambda u, m, d: actions.transfer_message(
            actor=u,
            message_id=m.pk,
            to_org_id=d["target_id"],
            requirements=d["requirements"],
            due=d["due"],
        ),
        gettext_lazy("已转办"),
        "web/staff/_panel_route.html",
    ),
    "assign": Spec(
        f.RouteForm,
        lambda u, m, d: actions.assign_message(
            actor=u,
            message_id=m.pk,
            lead_id=d["target_id"],
            assist_ids=d["assist_ids"],
            requirements=d["requirements"],
            due=d["due"],
        ),
        gettext_lazy("已交办"),
        "web/staff/_panel_route.html",
    ),
    "sign": Spec(
        f.EmptyForm,
        lambda u, m, d: actions.sign_message(actor=u, message_id=m.pk),
        gettext_lazy("已签收"),
    ),
    "return": Spec(
        f.ReturnForm,
        lambda u, m, d: actions.return_message(actor=u, message_id=m.pk, reason=d["reason"]),
        gettext_lazy("已退回受理单位"),
    ),
    "approve_reply": Spec(
        f.ReviewReplyForm,
        lambda u, m, d: actions.approve_reply(
            actor=u, message_id=m.pk, public_body=d["public_body"]
        ),
        gettext_lazy("回复已审核通过并公开"),
    ),
    "send_back_reply": Spec(
        f.SendBackForm,
        lambda u, m, d: actions.send_back_reply(actor=u, message_id=m.pk, comment=d["comment"]),
        gettext_lazy("回复已退回修改"),
    ),
    "request_extension": Spec(
        f.ExtensionRequestForm,
        lambda u, m, d: actions.request_extension(
            actor=u, message_id=m.pk, reason=d["reason"], working_days=d["working_days"]
        ),
        gettext_lazy("延期申请已提交"),
    ),
    "decide_extension": Spec(
        f.ExtensionDecisionForm,
        lambda u, m, d: actions.decide_extension(
            actor=u, message_id=m.pk, approve=d["approve"], note=d["note"]
        ),
        gettext_lazy("延期申请已审批"),
    ),
    "follow_up": Spec(
        f.FollowUpForm,
        lambda u, m, d: actions.record_follow_up(
            actor=u,
            message_id=m.pk,
            channel=d["channel"],
            date_=d["date"],
            summary=d["summary"],
            satisfied=d["satisfied"],
        ),
        gettext_lazy("回访已记录"),
    ),
    "close": Spec(
        f.EmptyForm,
        lambda u, m, d: actions.close_message(actor=u, message_id=m.pk),
        gettext_lazy("已办结"),
    ),
    "reopen": Spec(
        f.ReopenForm,
        lambda u, m, d: actions.reopen_message(actor=u, message_id=m.pk, reason=d["reason"]),
        gettext_lazy("已发回重办"),
    ),
    "supervise": Spec(
        f.SupervisionForm,
        lambda u, m, d: supervision_actions.issue_supervision(
            actor=u,
            message_id=m.pk,
            level=d["level"],
            note=d["note"],
            response_due=d["response_due"],
            round_id=d["round"],
        ),
        gettext_lazy("督办单已下达"),
    ),
    "respond_supervision": Spec(
        f.RespondSupervisionForm,
        lambda u, m, d: supervision_actions.respond_supervision(
            actor=u, message_id=m.pk, order_id=d["order"], response=d["response"]
        ),
        gettext_lazy("督办反馈已提交"),
    ),
    "instruct": Spec(
        f.InstructionForm,
        lambda u, m, d: supervision_actions.give_instruction(
            actor=u, message_id=m.pk, text=d["text"]
        ),
        gettext_lazy("批示已提交"),
    ),
}
REPLY_ACTIONS = ("reply_interim", "reply_final")


# ---------------------------------------------------------------------------
# Forms with their context
# ---------------------------------------------------------------------------


def _pending_reply_text(message: Message) -> str:
    reply = message.replies.filter(state=ReplyState.PENDING_REVIEW).order_by("-id").first()
    return reply.public_body if reply else ""


def _form_kwargs(action: str, user: User, message: Message) -> dict[str, Any]:
    """Constructor arguments a form needs from the message (choices, limits, initial values)."""
    if action in ("transfer", "assign"):
        return {
            "units": workbench.local_units(message.office),
            "rule_due": workbench.rule_due(message),
        }
    if action in ("approve", "edit_public"):
        kwargs: dict[str, Any] = {
            "initial": {"public_title": message.public_title, "public_body": message.public_body}
        }
        if action == "approve":
            pending = message.attachments.filter(state=AttachmentState.PENDING).order_by("pk")
            kwargs["images"] = list(pending.values_list("pk", flat=True))
        return kwargs
    if action == "moderate_images":
        return {"images": list(message.attachments.order_by("pk").values_list("pk", "state"))}
    if action == "approve_reply":
        return {"initial": {"public_body": _pending_reply_text(message)}}
    if action == "supervise":
        rounds = [(r.round.pk, r.round.name) for r in supervision_selectors.rounds_for(user)]
        return {"rounds": rounds}
    if action == "respond_supervision":
        open_orders = supervision_selectors.open_orders(message)
        return {"orders": [(o.pk, f"{o.get_level_display()} · {o.note[:30]}") for o in open_orders]}
    return {}


def make_form(action: str, user: User, message: Message, data: Any = None) -> forms.Form:
    """The action's form, bound to ``data`` when given."""
    kwargs = _form_kwargs(action, user, message)
    return SPECS[action].form(data, auto_id=f"id_{action}_%s", **kwargs)


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of the original text, highlighted when it is a suggested redaction."""

    text: str
    finding: Finding | None
    label: str = ""


def segments(text: str, findings: list[Finding]) -> list[Segment]:
    """Split ``text`` at the findings so the template can mark them."""
    out, pos = [], 0
    for item in findings:
        if item.start > pos:
            out.append(Segment(text[pos : item.start], None))
        out.append(
            Segment(text[item.start : item.end], item, KIND_LABELS.get(item.kind, item.kind))
        )
        pos = item.end
    if pos < len(text):
        out.append(Segment(text[pos:], None))
    return out


def _panels(
    user: User, message: Message, allowed: list[str], bound: dict[str, forms.Form]
) -> list[dict[str, Any]]:
    panels = []
    for action in allowed:
        spec = SPECS.get(action)
        # Transfer and assign share one routing panel (two submit buttons).
        if spec is None or (action == "transfer" and "assign" in allowed):
            continue
        # Before approval, the approve panel carries the per-image decisions.
        if action == "moderate_images" and "approve" in allowed:
            continue
        form = bound.get(action) or make_form(action, user, message)
        label = TRANSITIONS[action].label
        if action == "assign":
            form = bound.get("assign") or bound.get("transfer") or form
            label = _("转办 / 交办") if "transfer" in allowed else label
        panels.append(
            {
                "action": action,
                "label": label,
                "form": form,
                "template": spec.template,
                "open": action in bound or (action == "assign" and "transfer" in bound),
                "url": reverse("web:work_act", args=[message.tracking_number, action]),
            }
        )
    return panels


def _moderation_aids(message: Message) -> dict[str, Any]:
    """Redaction suggestions, flags and near-duplicates — for moderators' eyes."""
    title_findings = workbench.personal_data(message, message.title)
    body_findings = workbench.personal_data(message, message.body)
    return {
        "title_segments": segments(message.title, title_findings),
        "body_segments": segments(message.body, body_findings),
        "findings": [
            (item, KIND_LABELS.get(item.kind, item.kind)) for item in title_findings + body_findings
        ],
        "flags": workbench.flags(f"{message.title}\n{message.body}"),
        "similar": intel_selectors.similar_published(message=message),
    }


def _records(message: Message, *, private: bool, insider: bool) -> dict[str, Any]:
    """Everything staff see about the handling so far; the private parts only if theirs to see.

    ``private`` (contact data, original words) and ``insider`` (drafts, call notes, private
    timeline steps) come from ``lifecycle.permissions``, as on every other interface.
    """
    replies = message.replies.select_related("organization").order_by("id")
    return {
        "contact": MessageContact.objects.filter(message=message).first() if private else None,
        "assignments": message.assignments.select_related("from_org", "to_org", "created_by"),
        "replies": replies if insider else replies.filter(state=ReplyState.PUBLISHED),
        "evaluations": message.evaluations.all(),
        "follow_ups": message.follow_ups.order_by("date", "id") if insider else [],
        "extensions": message.extensions.select_related("organization").order_by("id"),
        "orders": supervision_selectors.orders_of(message),
        "instructions": supervision_selectors.instructions_of(message),
        "timeline": selectors.timeline(message, staff=insider),
    }


def render_detail(
    request: HttpRequest,
    user: User,
    message: Message,
    *,
    bound: dict[str, forms.Form] | None = None,
    reply_form: f.ReplyForm | None = None,
    quality: Any = None,
    status: int = 200,
) -> HttpResponse:
    """The staff message page, with any bound (erroneous) forms left open."""
    allowed = selectors.available_actions(user, message)
    can_reply = [a for a in REPLY_ACTIONS if a in allowed]
    private = permissions.may_see_private(user, message)
    insider = permissions.is_insider(user, message)
    pending = (
        message.replies.filter(state=ReplyState.PENDING_REVIEW).order_by("-id").first()
        if insider
        else None
    )
    context: dict[str, Any] = {
        "message": message,
        "private": private,
        "insider": insider,
        "deadline": deadline_of(message),
        "allowed": allowed,
        "panels": _panels(user, message, allowed, bound or {}),
        "can_reply": can_reply,
        "reply_form": reply_form or (f.ReplyForm(initial={"kind": "final"}) if can_reply else None),
        "quality": quality,
        "pending_quality": workbench.reply_quality(message, pending.body) if pending else None,
        # The aids quote the original: only for those who may read it.
        "show_aids": private
        and (message.status in (Status.SUBMITTED, Status.PUBLISHED) or "edit_public" in allowed),
        "queues": queue_links(user),
        "intel": intel_selectors.for_message(message),
        "can_classify": "reclassify" in allowed,
        "domains": Domain.objects.filter(level=1, is_active=True),
        "routing": intel_selectors.routing_suggestions(message) if "assign" in allowed else [],
        "images": selectors.images_for(user, message),
        **_records(message, private=private, insider=insider),
    }
    if context["show_aids"]:
        context.update(_moderation_aids(message))
    return render(request, "web/staff/message.html", context, status=status)


def _load(user: User, tracking: str) -> Message:
    try:
        return selectors.get_staff_message(user, tracking)
    except DomainError as err:
        raise_for(err)
        raise


def _after(user: User, message: Message) -> str:
    """Back to the message if the user still handles it, else to the workbench."""
    if selectors.staff_messages(user).filter(pk=message.pk).exists():
        return reverse("web:work_message", args=[message.tracking_number])
    return reverse("web:workbench")


@login_required
@require_GET
def detail(request: HttpRequest, tracking: str) -> HttpResponse:
    """The staff message page; 404 unless the message is within the user's reach."""
    user = staff_user(request)
    return render_detail(request, user, _load(user, tracking))


@login_required
@require_POST
def act(request: HttpRequest, tracking: str, action: str) -> HttpResponse:
    """Run one action from its panel."""
    user = staff_user(request)
    message = _load(user, tracking)
    if action not in SPECS:
        from django.http import Http404

        raise Http404()
    form = make_form(action, user, message, request.POST)
    if not form.is_valid():
        return render_detail(request, user, message, bound={action: form}, status=400)
    try:
        SPECS[action].run(user, message, form.cleaned_data)
    except InvalidInput as err:
        add_field_errors(form, err)
        return render_detail(request, user, message, bound={action: form}, status=400)
    except DomainError as err:
        back = reverse("web:work_message", args=[message.tracking_number])
        return error_response(request, err, back=back)
    messages.success(request, str(SPECS[action].done))
    return redirect(_after(user, message))


@login_required
@require_POST
def reply(request: HttpRequest, tracking: str) -> HttpResponse:
    """Interim or final reply; a perfunctory final reply needs the confirm box ticked."""
    user = staff_user(request)
    message = _load(user, tracking)
    form = f.ReplyForm(request.POST)
    if not form.is_valid():
        return render_detail(request, user, message, reply_form=form, status=400)
    data = form.cleaned_data
    quality = workbench.reply_quality(message, data["body"])
    checking = "check" in request.POST
    if checking or (data["kind"] == "final" and quality.perfunctory and not data["confirm"]):
        return render_detail(request, user, message, reply_form=form, quality=quality)
    try:
        if data["kind"] == "final":
            actions.reply_final(
                actor=user, message_id=message.pk, body=data["body"], resolution=data["resolution"]
            )
        else:
            actions.reply_interim(actor=user, message_id=message.pk, body=data["body"])
    except InvalidInput as err:
        add_field_errors(form, err)
        return render_detail(request, user, message, reply_form=form, status=400)
    except DomainError as err:
        back = reverse("web:work_message", args=[message.tracking_number])
        return error_response(request, err, back=back)
    done = _("正式回复已提交") if data["kind"] == "final" else _("阶段性回复已公开")
    messages.success(request, done)
    return redirect(_after(user, message))


@login_required
@require_POST
def reply_quality(request: HttpRequest, tracking: str) -> HttpResponse:
    """htmx: score the draft reply and return the quality panel."""
    user = staff_user(request)
    message = _load(user, tracking)
    text = request.POST.get("body", "")[:5000]
    quality = workbench.reply_quality(message, text) if text.strip() else None
    return render(
        request,
        "web/staff/_quality.html",
        {"quality": quality, "checked": True, "message": message},
    )


@login_required
@require_POST
def quality_feedback(request: HttpRequest, tracking: str) -> HttpResponse:
    """Mark a reply-quality score as wrong: the pending reply's (review) or the draft's (editor)."""
    user = staff_user(request)
    message = _load(user, tracking)
    pending = None
    if request.POST.get("qf_target") == "pending":
        pending = message.replies.filter(state=ReplyState.PENDING_REVIEW).order_by("-id").first()
    text = pending.body if pending else request.POST.get("body", "")[:5000]
    back = reverse("web:work_message", args=[message.tracking_number])
    if not text.strip():
        messages.error(request, _("没有可纠错的回复内容"))
        return redirect(back)
    quality = workbench.reply_quality(message, text)
    try:
        intel_actions.record_quality_feedback(
            actor=user,
            message_id=message.pk,
            verdict=request.POST.get("qf_verdict", ""),
            quality=quality,
            reply_id=pending.pk if pending else None,
            text=text,
            note=request.POST.get("qf_note", ""),
        )
    except DomainError as err:
        return error_response(request, err, back=back)
    messages.success(request, _("已记录您对评分的纠错意见"))
    if pending:
        return redirect(back)
    # The draft must not be lost: show the editor again with the text and its scores.
    return render_detail(
        request, user, message, reply_form=f.ReplyForm(request.POST), quality=quality
    )


@login_required
@require_POST
def classify(request: HttpRequest, tracking: str) -> HttpResponse:
    """Confirm or correct the suggested domain; the correction is kept as training data."""
    user = staff_user(request)
    message = _load(user, tracking)
    try:
        intel_actions.confirm_classification(
            actor=user, message_id=message.pk, domain_code=request.POST.get("domain", "")
        )
    except DomainError as err:
        back = reverse("web:work_message", args=[message.tracking_number])
        return error_response(request, err, back=back)
    messages.success(request, _("已确认领域"))
    return redirect("web:work_message", tracking=message.tracking_number)
