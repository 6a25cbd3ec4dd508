"""Checks of what people type, shared by every app's actions: one rule, one message.

``checked_text`` is the length rule of every free-text field (titles, bodies, reasons,
responses); ``set_public_text`` applies a moderator's edit of a public version (a
message's or a suggestion's) and says what was edited, for the change's event.
"""

from __future__ import annotations

from typing import Protocol, TypedDict

from django.utils.translation import gettext as _

from .errors import InvalidInput


def checked_text(value: str, *, field_name: str, label: str, min_len: int, max_len: int) -> str:
    """Stripped ``value``, or an InvalidInput naming the field and the limit it missed."""
    value = (value or "").strip()
    if len(value) < min_len:
        msg = _("%(label)s至少需要 %(n)d 个字") % {"label": label, "n": min_len}
        raise InvalidInput(fields={field_name: [msg]})
    if len(value) > max_len:
        msg = _("%(label)s不能超过 %(n)d 个字") % {"label": label, "n": max_len}
        raise InvalidInput(fields={field_name: [msg]})
    return value


class PublicTextEdits(TypedDict, total=False):
    """Which parts of a public version were rewritten (the edit's event details)."""

    title_edited: bool
    body_edited: bool


class HasPublicText(Protocol):
    """Anything published in a moderated public version (a message, a suggestion)."""

    public_title: str
    public_body: str


def set_public_text(
    target: HasPublicText,
    *,
    title: str | None,
    body: str | None,
    title_max: int,
    body_max: int,
) -> PublicTextEdits:
    """Set the edited public title and body (None: unchanged); the event's details of the edit."""
    edited: PublicTextEdits = {}
    if title is not None:
        target.public_title = checked_text(
            title, field_name="public_title", label=_("公开标题"), min_len=1, max_len=title_max
        )
        edited["title_edited"] = True
    if body is not None:
        target.public_body = checked_text(
            body, field_name="public_body", label=_("公开内容"), min_len=1, max_len=body_max
        )
        edited["body_edited"] = True
    return edited
