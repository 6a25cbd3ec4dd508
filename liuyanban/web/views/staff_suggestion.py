"""A campaign suggestion on the moderator's workbench: the same redaction view as a message."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liuyanban.campaigns import actions, permissions, selectors
from liuyanban.campaigns.models import Suggestion
from liuyanban.core.error_pages import add_field_errors
from liuyanban.core.errors import DomainError, InvalidInput, NotFound
from liuyanban.intelligence.redaction import KIND_LABELS, find_personal_data
from liuyanban.web import workbench
from liuyanban.web.views.staff import queue_links
from liuyanban.web.views.staff_common import staff_user
from liuyanban.web.views.staff_message import segments


class SuggestionModerationForm(forms.Form):
    """Publish with the (edited) public version, or reject with a reason the author sees."""

    public_title = forms.CharField(label=gettext_lazy("公开标题"), max_length=50, required=False)
    public_body = forms.CharField(
        label=gettext_lazy("公开内容"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("不通过理由（作者可见）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        required=False,
    )


def _aids(suggestion: Suggestion) -> dict[str, object]:
    """Suggested redactions in the author's own words, and flagged words."""
    author = suggestion.author
    names = [author.real_name] if author is not None and author.real_name else []
    nicks = [n for n in (suggestion.nickname, author.nickname if author else "") if n]
    numbers = [author.phone] if author is not None and author.phone else []
    found = {
        part: find_personal_data(
            text, author_names=names, author_nicknames=nicks, author_numbers=numbers
        )
        for part, text in (("title", suggestion.title), ("body", suggestion.body))
    }
    return {
        "title_segments": segments(suggestion.title, found["title"]),
        "body_segments": segments(suggestion.body, found["body"]),
        "findings": [
            (item, KIND_LABELS.get(item.kind, item.kind)) for item in found["title"] + found["body"]
        ],
        "flags": workbench.flags(f"{suggestion.title}\n{suggestion.body}"),
    }


@login_required
def moderate_suggestion(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """The moderator reads the original beside the public version, then publishes or rejects."""
    user = staff_user(request)
    try:
        suggestion = selectors.get_suggestion_to_moderate(user, suggestion_id)
    except NotFound:
        raise Http404 from None
    initial = {"public_title": suggestion.public_title, "public_body": suggestion.public_body}
    form = SuggestionModerationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("decision") == "reject":
                actions.reject_suggestion(
                    actor=user, suggestion_id=suggestion.pk, reason=data["reason"]
                )
                messages.success(request, _("已驳回，作者会收到通知"))
            else:
                actions.publish_suggestion(
                    actor=user,
                    suggestion_id=suggestion.pk,
                    public_title=data["public_title"] or None,
                    public_body=data["public_body"] or None,
                )
                messages.success(request, _("已公开"))
        except InvalidInput as exc:
            add_field_errors(form, exc)
            status = exc.status
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            return redirect(reverse("web:work_moderation") + "#suggestions-h")
    elif request.method == "POST":
        status = 400
    ctx = {
        "queues": queue_links(user),
        "s": suggestion,
        "form": form,
        "pending": "publish" in permissions.available_actions(user, suggestion),
        **_aids(suggestion),
    }
    return render(request, "web/staff/suggestion.html", ctx, status=status)
