"""Campaign pages: thin views over ``campaigns.selectors`` (reads) and ``campaigns.actions`` (writes)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from liuyanban.campaigns import actions, permissions, selectors
from liuyanban.campaigns.models import Campaign, CampaignKind, Phase, Suggestion, SuggestionStatus
from liuyanban.campaigns.tasks import compute_topics
from liuyanban.core import tabular
from liuyanban.core.error_pages import form_error, raise_for, user_text
from liuyanban.core.errors import DomainError, NotFound
from liuyanban.core.redirects import local_url
from liuyanban.lifecycle.attachments import Upload
from liuyanban.taxonomy.models import Domain, Kind
from liuyanban.web.pagecache import public_page

REVIEW_PAGE_SIZE = 50
PUBLIC_PAGE_SIZE = 30


# --- Helpers ----------------------------------------------------------------------


def _campaign_or_404(campaign_id: int) -> Campaign:
    try:
        return selectors.get_campaign(campaign_id)
    except NotFound:
        raise Http404() from None


def _do(request: HttpRequest, work: Callable[[], object], done: str) -> str | None:
    """Run one action for a button; flash ``done`` or the error. Returns the error, if any."""
    try:
        work()
    except DomainError as exc:
        raise_for(exc)
        messages.error(request, user_text(exc))
        return exc.message
    messages.success(request, done)
    return None


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page the button was on (only a local path), else ``fallback``."""
    return redirect(local_url(request, request.POST.get("next"), default=fallback))


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _with_actions(user: Any, campaign: Campaign, items: list[Suggestion]) -> permissions.Viewer:
    """One viewer for the page; each suggestion gets ``.actions``, what the user may do to it."""
    v = permissions.viewer(user, campaign, [s.pk for s in items])
    for s in items:
        s.actions = permissions.available_actions(user, s, v=v)  # type: ignore[attr-defined]
    return v


def _csv(rows: Iterable[Sequence[object]], filename: str) -> StreamingHttpResponse:
    """Stream rows as UTF-8 CSV with a BOM, so spreadsheet programs read the Chinese."""
    response = StreamingHttpResponse(tabular.csv_chunks(rows), content_type=tabular.CSV_MIME)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Public pages -------------------------------------------------------------------


@public_page(lambda: (actions.CAMPAIGNS,))
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Open, upcoming and closed campaigns."""
    ctx = {
        "lists": selectors.campaign_lists(),
        "can_create": bool(selectors.host_choices(request.user)),
    }
    return render(request, "web/campaigns/list.html", ctx)


class _RequiredByAction(forms.CharField):
    """Shown as required (label, ``required`` attribute); the action checks it, with its message."""

    def validate(self, value: Any) -> None:
        return None


class SuggestionForm(forms.Form):
    """A suggestion, plus one field per structured question of the campaign."""

    # Lengths and required answers are the action's rules; the form only reads the input.
    title = _RequiredByAction(label=gettext_lazy("标题"))
    body = _RequiredByAction(
        label=gettext_lazy("建言内容"), widget=forms.Textarea(attrs={"rows": 6})
    )
    region = forms.TypedChoiceField(
        label=gettext_lazy("所在地区"), coerce=int, required=False, empty_value=None
    )
    domain = forms.TypedChoiceField(
        label=gettext_lazy("领域"), coerce=int, required=False, empty_value=None
    )
    nickname = forms.CharField(label=gettext_lazy("公开昵称"), max_length=30, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        regions = [(r.pk, r.local_name) for r in selectors.region_choices(campaign)]
        self.fields["region"].choices = [("", _("请选择")), *regions]  # type: ignore[attr-defined]
        domains = [(d.pk, d.local_name) for d in campaign.domains.all()]
        if domains:
            self.fields["domain"].choices = [("", _("请选择")), *domains]  # type: ignore[attr-defined]
        else:
            del self.fields["domain"]
        for q in campaign.questions:
            kind = _RequiredByAction if q.get("required") else forms.CharField
            field = kind(label=q["label"], required=False, widget=forms.Textarea(attrs={"rows": 2}))
            field.required = bool(q.get("required"))
            field.widget.attrs.update({"maxlength": q.get("max_length", 500)})
            self.fields[f"answer_{q['key']}"] = field

    def draft(self) -> actions.SuggestionDraft:
        d = self.cleaned_data
        return actions.SuggestionDraft(
            title=d["title"],
            body=d["body"],
            answers={q["key"]: d.get(f"answer_{q['key']}", "") for q in self.campaign.questions},
            region_id=d.get("region"),
            domain_id=d.get("domain"),
            nickname=d.get("nickname", ""),
            idempotency_key=d.get("idempotency_key", ""),
        )


@public_page(lambda campaign_id: (actions.campaign_name(campaign_id),))
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """A campaign: description, questions, the submit form and the published suggestions."""
    campaign = _campaign_or_404(campaign_id)
    form = SuggestionForm(
        request.POST or None,
        campaign=campaign,
        initial={"idempotency_key": secrets.token_urlsafe(16)},
    )
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        if form.is_valid():
            try:
                actions.submit_suggestion(
                    author=request.user, campaign_id=campaign.pk, draft=form.draft()
                )
            except DomainError as exc:
                status = form_error(form, exc)
            else:
                messages.success(request, _("建言已提交，审核通过后公开。感谢您的参与！"))
                return redirect("web:campaign", campaign_id=campaign.pk)
        else:
            status = 400
    sort = request.GET.get("sort", "support")
    page = Paginator(selectors.public_suggestions(campaign, sort), PUBLIC_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    items = list(page.object_list)
    v = _with_actions(request.user, campaign, items)
    ctx = {
        "campaign": campaign,
        "phase": campaign.phase(),
        "form": form,
        "page": page,
        "items": items,
        "sort": sort,
        "supported": v.supported,
        "mine": selectors.my_suggestions(request.user, campaign),
        "campaign_actions": permissions.campaign_actions(request.user, campaign, v=v),
    }
    return render(request, "web/campaigns/detail.html", ctx, status=status)


def suggestion_detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """One suggestion with its answers, response and the message it became."""
    try:
        s = selectors.get_suggestion_for_user(request.user, suggestion_id)
    except NotFound:
        raise Http404() from None
    labels = {q["key"]: q["label"] for q in s.campaign.questions}
    v = permissions.viewer(request.user, s.campaign, [s.pk])
    allowed = permissions.available_actions(request.user, s, v=v)
    convert = "convert" in allowed
    ctx = {
        "s": s,
        "campaign": s.campaign,
        "answers": [(labels.get(k, k), value) for k, value in s.public_answers.items()],
        "actions": allowed,
        "fields": permissions.visible_fields(request.user, s, v=v),
        "supported": s.pk in v.supported,
        "boards": selectors.boards_for_conversion(s.campaign) if convert else [],
        "kinds": Kind.objects.all() if convert else [],
    }
    return render(request, "web/campaigns/suggestion.html", ctx)


@login_required
@require_POST
def support(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Support (附议) a suggestion once."""
    _do(
        request,
        lambda: actions.support_suggestion(actor=request.user, suggestion_id=suggestion_id),
        _("已附议"),
    )
    return _back(request, reverse("web:campaign_suggestion", args=[suggestion_id]))


@public_page(lambda campaign_id: (actions.campaign_name(campaign_id),))
def results(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The public results: counts by day, participants by region, topics, adopted suggestions."""
    campaign = _campaign_or_404(campaign_id)
    r = selectors.results(campaign)
    peak = max((n for _d, n in r.by_day), default=1)
    ctx = {"campaign": campaign, "r": r, "peak": peak, "phase": campaign.phase()}
    return render(request, "web/campaigns/results.html", ctx)


def results_csv(request: HttpRequest, campaign_id: int) -> StreamingHttpResponse:
    """The results as a CSV download."""
    campaign = _campaign_or_404(campaign_id)
    return _csv(selectors.results_rows(campaign), f"campaign-{campaign.pk}-results.csv")


# --- Host pages --------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.ReviewFilters:
    g = request.GET
    return selectors.ReviewFilters(
        status=g.get("status", ""),
        adopted=g.get("adopted", ""),
        region_id=_int(g.get("region")),
        domain_id=_int(g.get("domain")),
        topic_id=_int(g.get("topic")),
        similar=_int(g.get("similar")),
        q=g.get("q", "").strip()[:50],
        sort=g.get("sort", "new"),
        collapse=g.get("collapse") == "1",
    )


def _reviewable(request: HttpRequest, campaign_id: int) -> Campaign:
    try:
        return selectors.get_campaign_for_review(request.user, campaign_id)
    except NotFound:
        raise Http404() from None


@login_required
def review(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The host's review queue: filter, search, sort, topic groups, near-duplicates, actions."""
    campaign = _reviewable(request, campaign_id)
    f = _filters(request)
    page = Paginator(selectors.review_queue(request.user, campaign, f), REVIEW_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    items = list(page.object_list)
    v = _with_actions(request.user, campaign, items)
    sizes = selectors.similar_counts(items)
    for s in items:
        s.similar_size = sizes.get(s.similar_group or 0, 0)
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "campaign": campaign,
        "f": f,
        "page": page,
        "items": items,
        "counts": selectors.status_counts(campaign),
        "topics": selectors.topic_groups(campaign),
        "regions": selectors.region_choices(campaign),
        "domains": list(campaign.domains.all()),
        "statuses": SuggestionStatus.choices,
        "query": query.urlencode(),
        "campaign_actions": permissions.campaign_actions(request.user, campaign, v=v),
    }
    return render(request, "web/campaigns/review.html", ctx)


@login_required
def review_csv(request: HttpRequest, campaign_id: int) -> StreamingHttpResponse:
    """The filtered review queue as CSV."""
    campaign = _reviewable(request, campaign_id)
    rows = selectors.export_rows(request.user, campaign, _filters(request))
    return _csv(rows, f"campaign-{campaign.pk}-suggestions.csv")


@login_required
@require_POST
def refresh_topics(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Queue the topic grouping in the background."""
    campaign = _reviewable(request, campaign_id)
    compute_topics.enqueue(campaign.pk)
    messages.success(request, _("已开始重新归类，完成后刷新本页即可看到主题分组"))
    return redirect("web:campaign_review", campaign_id=campaign.pk)


@login_required
@require_POST
def moderate(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Publish or reject a suggestion."""
    if request.POST.get("decision") == "reject":
        reason = request.POST.get("reason", "")
        _do(
            request,
            lambda: actions.reject_suggestion(
                actor=request.user, suggestion_id=suggestion_id, reason=reason
            ),
            _("已驳回"),
        )
    else:
        _do(
            request,
            lambda: actions.publish_suggestion(actor=request.user, suggestion_id=suggestion_id),
            _("已公开"),
        )
    return _back(request, reverse("web:campaign_suggestion", args=[suggestion_id]))


@login_required
@require_POST
def bulk_publish(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Publish the suggestions ticked in the review queue."""
    campaign = _reviewable(request, campaign_id)
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
    own = list(
        selectors.review_queue(request.user, campaign, selectors.ReviewFilters())
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    count = 0
    try:
        count = actions.publish_suggestions(actor=request.user, suggestion_ids=own)
    except DomainError as exc:
        messages.error(request, user_text(exc))
    else:
        messages.success(request, _("已公开 %d 条建言") % count)
    return _back(request, reverse("web:campaign_review", args=[campaign.pk]))


@login_required
@require_POST
def adopt(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Mark a suggestion adopted with a public response."""
    response = request.POST.get("response", "")
    _do(
        request,
        lambda: actions.adopt_suggestion(
            actor=request.user, suggestion_id=suggestion_id, response=response
        ),
        _("已采纳并公开回应"),
    )
    return _back(request, reverse("web:campaign_suggestion", args=[suggestion_id]))


@login_required
@require_POST
def convert(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Turn a suggestion into a message on the chosen board."""
    board_id = _int(request.POST.get("board")) or 0
    kind_id = _int(request.POST.get("kind"))
    _do(
        request,
        lambda: actions.convert_to_message(
            actor=request.user, suggestion_id=suggestion_id, board_id=board_id, kind_id=kind_id
        ),
        _("已转为留言，进入办理流程"),
    )
    return redirect("web:campaign_suggestion", suggestion_id=suggestion_id)


class CampaignForm(forms.Form):
    """Create or edit a campaign."""

    host = forms.TypedChoiceField(label=gettext_lazy("主办单位"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=CampaignKind.choices)
    title = forms.CharField(label=gettext_lazy("主题"), max_length=80)
    description = forms.CharField(
        label=gettext_lazy("说明"), widget=forms.Textarea(attrs={"rows": 6})
    )
    opens_at = forms.DateTimeField(
        label=gettext_lazy("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    domains = forms.ModelMultipleChoiceField(
        label=gettext_lazy("涉及领域"),
        queryset=Domain.objects.filter(level=1, is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    questions = forms.CharField(
        label=gettext_lazy("征集问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("每行一个问题；行首加 * 表示必答；行尾加 |200 限定字数。"),
    )
    cover = forms.FileField(label=gettext_lazy("封面图片"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(o.pk, o.local_name) for o in selectors.host_choices(user)]
        self.fields["host"].choices = choices  # type: ignore[attr-defined]

    def data_input(self) -> actions.CampaignInput:
        d = self.cleaned_data
        upload = d.get("cover")
        return actions.CampaignInput(
            host_id=d["host"],
            kind=d["kind"],
            title=d["title"],
            description=d["description"],
            opens_at=d["opens_at"],
            closes_at=d["closes_at"],
            domain_ids=[x.pk for x in d["domains"]],
            questions=actions.questions_from_lines(d["questions"]),
            cover=Upload(upload.name, upload.read()) if upload else None,
        )


def _questions_text(campaign: Campaign) -> str:
    return "\n".join(
        ("*" if q.get("required") else "") + q["label"] + f"|{q.get('max_length', 500)}"
        for q in campaign.questions
    )


@login_required
def campaign_edit(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    """Create a campaign (no id) or edit one; the host's staff only."""
    campaign = _campaign_or_404(campaign_id) if campaign_id else None
    if campaign is not None and "edit" not in permissions.campaign_actions(request.user, campaign):
        raise Http404()
    if campaign is None and not selectors.host_choices(request.user):
        raise Http404()
    initial: dict[str, Any] = {"opens_at": timezone.localtime().replace(second=0, microsecond=0)}
    if campaign is not None:
        initial = {
            "host": campaign.host_id,
            "kind": campaign.kind,
            "title": campaign.title,
            "description": campaign.description,
            "opens_at": timezone.localtime(campaign.opens_at),
            "closes_at": timezone.localtime(campaign.closes_at),
            "domains": list(campaign.domains.all()),
            "questions": _questions_text(campaign),
        }
    form = CampaignForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if campaign is None:
                    campaign = actions.create_campaign(actor=request.user, data=form.data_input())
                else:
                    actions.update_campaign(
                        actor=request.user,
                        campaign_id=campaign.pk,
                        data=form.data_input(),
                    )
            except DomainError as exc:
                status = form_error(form, exc)
            else:
                messages.success(request, _("征集活动已保存"))
                return redirect("web:campaign", campaign_id=campaign.pk)
    ctx = {"form": form, "campaign": campaign, "phases": Phase}
    return render(request, "web/campaigns/form.html", ctx, status=status)
