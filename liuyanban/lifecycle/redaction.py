"""The publishing step's redaction hook.

The lifecycle guarantees that nothing becomes public without passing through
``public_text`` (messages, ratings, campaign answers) or ``public_reply_text`` (staff
replies). The redactor is a module named by ``LIUYANBAN["REDACTOR"]`` (default: the
intelligence app's detector) that provides both functions. There is no weaker fallback:
a redactor that cannot be loaded is a system-check error (``lifecycle.E001``), so the
site refuses to start instead of publishing with a handful of regular expressions.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any, Protocol

from django.conf import settings
from django.core import checks

from .models import Message, MessageContact

DEFAULT_REDACTOR = "liuyanban.intelligence.redaction"


class _PublicText(Protocol):
    def __call__(
        self,
        text: str,
        *,
        author_names: Iterable[str] = ...,
        author_nicknames: Iterable[str] = ...,
        author_numbers: Iterable[str] = ...,
    ) -> str: ...


@dataclass(frozen=True)
class Identity:
    """What the redactor knows about a message's author: their names and phone numbers."""

    names: tuple[str, ...] = ()
    nicknames: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()


def redactor_path() -> str:
    """The configured redactor module."""
    return str(settings.LIUYANBAN.get("REDACTOR", DEFAULT_REDACTOR))


@lru_cache(maxsize=1)
def _redactor() -> ModuleType:
    return importlib.import_module(redactor_path())


def _function(name: str) -> _PublicText:
    fn: _PublicText = getattr(_redactor(), name)
    return fn


def public_text(text: str, identity: Identity | None = None) -> str:
    """What the platform publishes for a citizen's ``text``."""
    who = identity or Identity()
    return _function("public_text")(
        text, author_names=who.names, author_nicknames=who.nicknames, author_numbers=who.numbers
    )


def public_reply_text(text: str, identity: Identity | None = None) -> str:
    """What the platform publishes for a staff reply (the unit's own contact stays)."""
    who = identity or Identity()
    return _function("public_reply_text")(
        text, author_names=who.names, author_nicknames=who.nicknames, author_numbers=who.numbers
    )


def author_identity(message: Message) -> Identity:
    """The author's real names, nicknames and phone numbers for a message (account and contact)."""
    names: list[str] = []
    nicknames = [message.author_nickname]
    numbers: list[str] = []
    contact = MessageContact.objects.filter(message_id=message.pk).first()
    if contact is not None:
        names.append(contact.real_name)
        numbers.append(contact.phone)
    if message.author is not None:
        names.append(message.author.real_name)
        nicknames.append(message.author.nickname)
        numbers.append(message.author.phone)
    return Identity(
        names=tuple(n for n in names if n),
        nicknames=tuple(n for n in nicknames if n),
        numbers=tuple(n for n in numbers if n),
    )


def check_redactor(**kwargs: Any) -> list[checks.CheckMessage]:
    """System check: the configured redactor loads and provides both functions."""
    path = redactor_path()
    try:
        module = importlib.import_module(path)
    except Exception as exc:  # any failure to load means nothing can be published safely
        return [
            checks.Error(
                f"The redactor {path!r} cannot be loaded: {exc!r}",
                hint="Set LIUYANBAN['REDACTOR'] to a module providing public_text and "
                "public_reply_text, and install its dependencies.",
                id="lifecycle.E001",
            )
        ]
    missing = [
        n for n in ("public_text", "public_reply_text") if not callable(getattr(module, n, None))
    ]
    if missing:
        return [
            checks.Error(
                f"The redactor {path!r} lacks {', '.join(missing)}",
                id="lifecycle.E001",
            )
        ]
    return []
