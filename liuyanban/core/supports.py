"""Supports (附议) of anything people can support: one row per person, a counter on the thing.

Messages and campaign suggestions count supports the same way: the unique row is the
proof (a second support by the same person is a Conflict, even when two requests race),
and the counter on the supported row moves in the same transaction, without a read.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F, Model

from .errors import Conflict


def add_support(
    supports: type[Model], *, target: Model, field: str, user: Model, already: str
) -> None:
    """Record ``user``'s support of ``target`` in ``supports`` and count it on ``target``.

    ``field`` names the support row's link to ``target``; ``already`` is the Conflict's
    message when the user has supported it before. Call inside the action's transaction.
    """
    try:
        with transaction.atomic():
            supports._default_manager.create(**{field: target, "user": user})
    except IntegrityError:
        raise Conflict(already) from None
    type(target)._default_manager.filter(pk=target.pk).update(support_count=F("support_count") + 1)
