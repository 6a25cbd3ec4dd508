"""Notification texts rendered in the reader's language, at read time.

A notice is stored as a message key (the Chinese source text, marked with
``gettext_noop`` where it is written) and its parameters; pages render it with the
reader's active language, email copies with the site's default language. A
parameter may itself be a notice (a status or level name), rendered the same way;
user content (titles, reasons) is passed as it is.

    notify(users=…, verb="accepted", text=notice(gettext_noop("您的留言“%s”已受理"), title))

Rows written before keys existed keep their stored ``text`` and show it unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

Params = list[Any] | dict[str, Any]
_NESTED = "__notice__"


@dataclass(frozen=True)
class Notice:
    """A message key and its parameters (positional or named), rendered when shown."""

    key: str
    params: Params

    def render(self) -> str:
        """The text in the active language (falls back to the source text if a translation is broken)."""
        return render(self.key, self.stored_params())

    def stored_params(self) -> Params:
        """The parameters as JSON (nested notices as ``{"__notice__": key, "params": …}``)."""
        return _store(self.params)


def notice(key: str, *args: Any, **kwargs: Any) -> Notice:
    """A notice from its key (mark it with ``gettext_noop``) and its values.

    ``notice(k, a, b)`` fills ``%s`` in order; ``notice(k, t=…)`` or ``notice(k, {"t": …})``
    fills ``%(t)s``.
    """
    if args and kwargs:
        raise TypeError("notice() takes positional or named parameters, not both")
    if len(args) == 1 and isinstance(args[0], dict):
        return Notice(key, dict(args[0]))
    return Notice(key, dict(kwargs) if kwargs else list(args))


def label(text: str | Promise) -> Notice:
    """A translatable label (e.g. a model choice's ``gettext_lazy`` label) as a nested notice."""
    with translation.override(None):  # no active language: the message id itself
        return Notice(str(text), [])


def _store(value: Any) -> Any:
    if isinstance(value, Notice):
        return {_NESTED: value.key, "params": value.stored_params()}
    if isinstance(value, dict):
        return {k: _store(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_store(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _value(value: Any) -> Any:
    if isinstance(value, dict) and _NESTED in value:
        return render(str(value[_NESTED]), value.get("params") or [])
    return value


def _fill(key: str, params: Params | None, value: Any, escape: Any) -> str:
    params = params or []
    for template in (gettext(key), key):  # a broken translation falls back to the source text
        template = escape(template)
        try:
            if isinstance(params, dict):
                return template % {k: value(v) for k, v in params.items()} if params else template
            return template % tuple(value(v) for v in params) if params else template
        except (KeyError, TypeError, ValueError):
            logger.warning("notification text %r does not fit its parameters", template)
    return escape(key)


def render(key: str, params: Params | None) -> str:
    """Render a stored key and parameters in the active language (plain text)."""
    return _fill(key, params, _value, str)


def _html_value(value: Any) -> str:
    if isinstance(value, dict) and _NESTED in value:
        return conditional_escape(render(str(value[_NESTED]), value.get("params") or []))
    # Titles, reasons, names: user content, shown as written in any language.
    return format_html("<span data-user-content>{}</span>", value)


def render_html(key: str, params: Params | None) -> SafeString:
    """The same text as HTML for pages: escaped, the values marked as user content."""
    return mark_safe(_fill(key, params, _html_value, conditional_escape))
