"""Writing a message: board picker, preview, submit, confirmation.

The typed text is never lost: every preview and every error re-renders the form
with the input and keeps a server-side draft in the session; a hidden
idempotency key makes a double click create one message.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from liuyanban.core.clientip import client_ip
from liuyanban.core.error_pages import add_field_errors, handles_domain_errors
from liuyanban.core.errors import InvalidInput, RateLimited
from liuyanban.intelligence.selectors import SimilarMessage, similar_published
from liuyanban.lifecycle import actions, drafts, selectors, stats_public
from liuyanban.lifecycle.models import DraftImage
from liuyanban.organizations.models import Board
from liuyanban.web.forms import WriteForm
from liuyanban.web.views.public import is_htmx

DRAFT_KEY = "write_draft"
# The tokens of images kept in the draft store, inside the session's draft.
KEPT_KEY = "kept_images"
# Action error keys that belong to a differently named form field.
FIELD_ALIASES = {"attachments": "images"}


def _picker(request: HttpRequest) -> dict[str, Any]:
    """The board picker's state: a name/pinyin search and a province's boards."""
    q = request.GET.get("q", "").strip()[:50]
    province_code = request.GET.get("province", "")
    provinces = list(stats_public.provinces())
    province = next((p for p in provinces if p.code == province_code), None)
    return {
        "board_q": q,
        "suggestions": stats_public.suggest_boards(q) if q else [],
        "provinces": provinces,
        "province": province,
        "province_boards": stats_public.boards_under(province) if province else [],
    }


def _chosen_board(request: HttpRequest, form: WriteForm) -> Board | None:
    code = request.GET.get("board")
    if code and request.method == "GET":
        return stats_public.active_board(code)
    value = form.data.get("board") if form.is_bound else form.initial.get("board")
    try:
        return stats_public.board_by_id(int(value)) if value else None
    except (TypeError, ValueError):
        return None


def _render(request: HttpRequest, form: WriteForm, status: int = 200, **extra: Any) -> HttpResponse:
    board = _chosen_board(request, form)
    ctx: dict[str, Any] = {"form": form, "board": board, **_picker(request), **extra}
    if board is not None and not form.is_bound:
        form.initial["board"] = board.pk
    return render(request, "web/public/write.html", ctx, status=status)


@login_required
@handles_domain_errors
def write(request: HttpRequest) -> HttpResponse:
    """GET shows the form (restoring a draft); POST previews or submits."""
    if request.method != "POST":
        initial = dict(request.session.get(DRAFT_KEY, {}))
        if request.GET.get("change"):
            initial.pop("board", None)
        kept = _kept(request, list(initial.pop(KEPT_KEY, [])))
        return _render(request, WriteForm(initial=initial), kept=kept)
    form = WriteForm(request.POST, request.FILES)
    valid = form.is_valid()
    kept = (
        _keep_images(request, form)
        if valid
        else _kept(request, request.POST.getlist("kept_images"))
    )
    request.session[DRAFT_KEY] = {**form.saved_fields(), KEPT_KEY: [d.token for d in kept]}
    if not valid or form.errors:
        return _render(request, form, status=400, kept=kept)
    if request.POST.get("preview"):
        d = form.cleaned_data
        return _render(
            request,
            form,
            preview=_preview(form),
            similar=_similar_to(d.get("title", ""), d.get("body", "")),
            kept=kept,
        )
    return _submit(request, form, kept)


def _kept(request: HttpRequest, tokens: list[str]) -> list[DraftImage]:
    return drafts.draft_images(owner=request.user, tokens=[t[:32] for t in tokens])  # type: ignore[arg-type]


def _keep_images(request: HttpRequest, form: WriteForm) -> list[DraftImage]:
    """The images still ticked plus the newly chosen ones, re-encoded and kept server-side.

    The browser forgets chosen files after a preview; kept images survive it, and the
    form shows them as thumbnails the citizen can untick.
    """
    kept = _kept(request, form.cleaned_data.get("kept_images") or [])
    new = form.uploads()
    if not new:
        return kept
    try:
        added = drafts.keep_draft_images(owner=request.user, uploads=new, already=len(kept))  # type: ignore[arg-type]
    except InvalidInput as exc:
        for message in exc.fields.get("attachments", [exc.message]):
            form.add_error("images", message)
        return kept
    return kept + added


def _similar_to(title: str, body: str) -> list[SimilarMessage]:
    """Published messages like the one being written ("已有类似留言")."""
    return similar_published(text=f"{title} {body}")


@login_required
def write_similar(request: HttpRequest) -> HttpResponse:
    """htmx: similar published messages while the citizen is still typing."""
    title = request.POST.get("title", "")[:50]
    body = request.POST.get("body", "")[:3000]
    return render(request, "web/public/_similar.html", {"similar": _similar_to(title, body)})


def _preview(form: WriteForm) -> dict[str, Any]:
    """What the public page will show (before moderation and redaction)."""
    d = form.cleaned_data
    domains = dict(form.fields["domain"].choices)  # type: ignore[attr-defined]
    kinds = dict(form.fields["kind"].choices)  # type: ignore[attr-defined]
    return {
        "title": d.get("title", ""),
        "body": d.get("body", ""),
        "domain": domains.get(d.get("domain") or "", ""),
        "kind": kinds.get(d.get("kind") or "", ""),
        "location": d.get("location", ""),
        "nickname": d.get("nickname", ""),
    }


def _submit(request: HttpRequest, form: WriteForm, kept: list[DraftImage]) -> HttpResponse:
    try:
        draft = form.draft()
        draft.attachments = drafts.draft_uploads(
            owner=request.user,  # type: ignore[arg-type]
            tokens=[d.token for d in kept],
        )
        message = actions.submit_message(
            author=request.user,  # type: ignore[arg-type]
            draft=draft,
            ip=client_ip(request),
        )
    except InvalidInput as exc:
        fields = {FIELD_ALIASES.get(k, k): v for k, v in exc.fields.items()}
        add_field_errors(form, InvalidInput(exc.message, fields=fields))
        return _render(request, form, status=400, kept=kept)
    except RateLimited as exc:
        form.add_error(None, exc.message)
        return _render(request, form, status=429, kept=kept)
    request.session.pop(DRAFT_KEY, None)
    return redirect("web:write_done", tracking=message.tracking_number)


@login_required
@handles_domain_errors
def write_done(request: HttpRequest, tracking: str) -> HttpResponse:
    """The confirmation with the tracking number; only the author reaches it."""
    message = selectors.get_message_for_user(request.user, tracking_number=tracking)
    if message.author_id != request.user.pk:
        return redirect("web:message", tracking=tracking)
    return render(request, "web/public/write_done.html", {"message": message, "cleared": True})


def board_suggest(request: HttpRequest) -> HttpResponse:
    """htmx suggestions for the board search; without htmx, the write page itself."""
    q = request.GET.get("q", "").strip()[:50]
    if not is_htmx(request):
        return redirect(reverse("web:write") + ("?q=" + q if q else ""))
    return render(
        request,
        "web/public/_board_suggestions.html",
        {"board_q": q, "suggestions": stats_public.suggest_boards(q) if q else []},
    )


@login_required
@handles_domain_errors
def draft_image(request: HttpRequest, token: str) -> HttpResponse:
    """A kept image's thumbnail source, for its owner only."""
    kept = drafts.get_draft_image(owner=request.user, token=token[:32])  # type: ignore[arg-type]
    with kept.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=kept.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
