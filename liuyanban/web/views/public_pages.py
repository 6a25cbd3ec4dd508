"""Public reading pages: a board, a message, search; and the two buttons on a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liuyanban.accounts.models import User
from liuyanban.campaigns.selectors import campaign_link_for_message
from liuyanban.core.error_pages import add_field_errors, error_response, handles_domain_errors
from liuyanban.core.errors import Conflict, InvalidInput, InvalidTransition, NotPermitted
from liuyanban.core.redirects import local_url
from liuyanban.intelligence.selectors import similar_published
from liuyanban.lifecycle import actions, search, selectors, stats_public
from liuyanban.lifecycle.deadlines import rehandling_window_days
from liuyanban.lifecycle.models import PUBLIC_STATUSES, Message
from liuyanban.lifecycle.versions import board_name, message_name
from liuyanban.web.forms import EvaluateForm, ListFilterForm, RehandlingForm, SearchForm
from liuyanban.web.pagecache import public_page
from liuyanban.web.views.public import is_htmx, login_redirect

PAGE_SIZE = 20


def _query_without_cursor(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("cursor", None)
    return params.urlencode()


@public_page(lambda code: (board_name(code),))
def board(request: HttpRequest, code: str) -> HttpResponse:
    """A board: its messages (filtered, keyset-paginated) and its public record."""
    the_board = stats_public.active_board(code)
    if the_board is None:
        raise Http404
    form = ListFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    filters["board_id"] = the_board.pk
    page = selectors.keyset_page(
        selectors.public_messages(filters),
        field="published_at",
        cursor=request.GET.get("cursor"),
        limit=PAGE_SIZE,
    )
    ctx: dict[str, Any] = {
        "board": the_board,
        "form": form,
        "page": page,
        "query": _query_without_cursor(request),
        "list_url": reverse("web:board", args=[the_board.code]),
        "terms": [],
    }
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "web/public/_message_rows.html", ctx)
    ctx["record"] = stats_public.board_record(the_board)
    return render(request, "web/public/board.html", ctx)


def _message_context(request: HttpRequest, message: Message) -> dict[str, Any]:
    user = request.user
    allowed = selectors.available_actions(user, message)
    return {
        "message": message,
        "is_author": user.is_authenticated and message.author_id == user.pk,
        "allowed": allowed,
        # Anonymous visitors see the button too; pressing it asks them to log in.
        "can_support": "support" in allowed
        or (not user.is_authenticated and message.status in PUBLIC_STATUSES),
        "timeline": selectors.timeline(message),
        "replies": stats_public.published_replies(message),
        "evaluations": stats_public.evaluations_of(message),
        # Only published images, for the author too: this page is what the public sees.
        "images": selectors.published_image_list(message),
        "campaign_suggestion": campaign_link_for_message(message),
        "rehandling_days": rehandling_window_days(),
        "absolute_url": request.build_absolute_uri(
            reverse("web:message", args=[message.tracking_number])
        ),
    }


@public_page(lambda tracking: (message_name(tracking),))
@handles_domain_errors
def message_detail(request: HttpRequest, tracking: str) -> HttpResponse:
    """One message as the viewer may see it: public text, timeline, replies, ratings."""
    message = selectors.get_message_for_user(request.user, tracking_number=tracking)
    ctx = _message_context(request, message)
    if "evaluate" in ctx["allowed"]:
        ctx["evaluate_form"] = EvaluateForm()
    if "request_rehandling" in ctx["allowed"]:
        ctx["rehandling_form"] = RehandlingForm()
    return render(request, "web/public/message.html", ctx)


@public_page(lambda tracking: (message_name(tracking),), htmx=True)
@handles_domain_errors
def message_similar(request: HttpRequest, tracking: str) -> HttpResponse:
    """Published messages like this one: the fragment the message page loads once the
    visitor scrolls to it (htmx), or a page of its own (the link without JavaScript).

    Apart from the page because no visitor needs it first: the page itself stays one
    message, its history and its answers, and the lookup runs only when it is looked at.
    """
    message = selectors.get_message_for_user(request.user, tracking_number=tracking)
    ctx = {"message": message, "similar": similar_published(message=message)}
    if is_htmx(request):
        return render(request, "web/public/_message_similar.html", ctx)
    return render(request, "web/public/message_similar.html", ctx)


def _author_post(
    request: HttpRequest,
    tracking: str,
    *,
    form_class: type[forms.Form],
    form_key: str,
    act: Callable[[User, Message, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """A form the author posts from the message page; errors come back beside its fields."""
    url = reverse("web:message", args=[tracking])
    user = request.user
    if not isinstance(user, User):
        return login_redirect(request, url)
    message = selectors.get_message_for_user(user, tracking_number=tracking)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(user, message, form.cleaned_data)
        except InvalidInput as exc:
            add_field_errors(form, exc)
        else:
            flash.success(request, done)
            return redirect(local_url(request, request.POST.get("back"), default=url))
    ctx = _message_context(request, message)
    ctx[form_key] = form
    return render(request, "web/public/message.html", ctx, status=400)


@require_POST
@handles_domain_errors
def request_rehandling(request: HttpRequest, tracking: str) -> HttpResponse:
    """The author, not satisfied with the answer, asks once for the matter to be handled again."""
    return _author_post(
        request,
        tracking,
        form_class=RehandlingForm,
        form_key="rehandling_form",
        act=lambda user, m, d: actions.request_rehandling(
            actor=user, message_id=m.pk, reason=d["reason"]
        ),
        done=_("已申请重办，受理机构将重新交办并在期限内答复"),
    )


@require_POST
@handles_domain_errors
def support(request: HttpRequest, tracking: str) -> HttpResponse:
    """The "me too" button: one support per person; htmx swaps in the new count."""
    url = reverse("web:message", args=[tracking])
    if not request.user.is_authenticated:
        return login_redirect(request, url)
    message = selectors.get_message_for_user(request.user, tracking_number=tracking)
    try:
        message = actions.support_message(actor=request.user, message_id=message.pk)
    except (Conflict, InvalidTransition, NotPermitted, InvalidInput) as exc:
        if is_htmx(request):
            ctx = {"message": message, "error": exc.message}
            return render(request, "web/public/_support.html", ctx, status=exc.status)
        return error_response(request, exc, back=url)
    if is_htmx(request):
        return render(
            request, "web/public/_support.html", {"message": message, "just_supported": True}
        )
    flash.success(request, _("已附议，感谢您的关注"))
    return redirect(url)


@require_POST
@handles_domain_errors
def evaluate(request: HttpRequest, tracking: str) -> HttpResponse:
    """The author rates the final reply once; errors come back next to the scales."""
    return _author_post(
        request,
        tracking,
        form_class=EvaluateForm,
        form_key="evaluate_form",
        act=lambda user, m, d: actions.evaluate_message(
            actor=user,
            message_id=m.pk,
            solved=d["solved"],
            attitude=d["attitude"],
            speed=d["speed"],
            comment=d["comment"],
        ),
        done=_("感谢您的评价"),
    )


def search_page(request: HttpRequest) -> HttpResponse:
    """Chinese full-text search with filters; htmx loads the next page in place."""
    form = SearchForm(request.GET or None)
    ctx: dict[str, Any] = {"form": form, "list_url": reverse("web:search")}
    query = (form.cleaned_data.get("q") or "") if form.is_bound and form.is_valid() else ""
    if query:
        filters = form.filters()
        board_code = form.cleaned_data.get("board") or ""
        the_board = stats_public.active_board(board_code) if board_code else None
        if the_board is not None:
            filters["board_id"] = the_board.pk
        ctx["board"] = the_board
        ctx["result"] = search.search_messages(
            query, filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
        ctx["page"] = ctx["result"]
        ctx["terms"] = ctx["result"].marks
        ctx["query"] = _query_without_cursor(request)
        if is_htmx(request) and request.GET.get("cursor"):
            return render(request, "web/public/_message_rows.html", ctx)
    ctx["q"] = query
    return render(request, "web/public/search.html", ctx)


@require_GET
@handles_domain_errors
def image(request: HttpRequest, pk: int) -> HttpResponse:
    """One attached image: published ones for everyone, the rest for the message's staff."""
    attachment = selectors.get_attachment_for_user(request.user, pk)
    try:
        with attachment.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    # Images are small once re-encoded (bounded by IMAGE_MAX_SIDE), so they are read whole.
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{attachment.pk}.{attachment.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    # A moderator may withhold an image later: shared caches keep published ones briefly only.
    public = (
        attachment.state == "published"
        and selectors.published_images(attachment.message).filter(pk=pk).exists()
    )
    response["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response
