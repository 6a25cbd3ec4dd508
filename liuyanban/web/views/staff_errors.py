"""Domain errors → staff pages' responses, built on ``web/errors.py``.

* ``InvalidInput``: the caller re-renders its form with ``web.errors.add_field_errors``.
* ``NotFound`` → 404, ``NotPermitted`` → 403.
* ``InvalidTransition`` / ``Conflict`` / ``RateLimited`` → a flash and a redirect back:
  the page the user acted on was stale.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from liuyanban.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
)


def stale_text() -> str:
    """What a user reads when someone else got there first."""
    return _("该留言已被他人处理，请刷新后查看")


def raise_for(err: DomainError) -> None:
    """404 and 403 are raised so Django's handlers render them."""
    if isinstance(err, NotFound):
        raise Http404(err.message)
    if isinstance(err, NotPermitted):
        raise PermissionDenied(err.message)


def error_redirect(request: HttpRequest, err: DomainError, *, back: str) -> HttpResponse:
    """Flash what went wrong and go back; used when there is no form to re-render."""
    raise_for(err)
    if isinstance(err, InvalidTransition):
        text = stale_text()
    elif err.fields:
        text = "；".join(t for errors in err.fields.values() for t in errors)
    else:
        text = err.message
    messages.error(request, text)
    return redirect(back)
