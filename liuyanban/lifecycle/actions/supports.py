"""Supports (附议) and small helpers for sibling apps."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from liuyanban.accounts.models import User
from liuyanban.core.supports import add_support
from liuyanban.organizations.models import Organization

from ..models import (
    Message,
    Support,
)
from ._base import _check, _lock, _record, _staff_of

# ---------------------------------------------------------------------------
# Supports
# ---------------------------------------------------------------------------


def support_message(*, actor: User, message_id: int) -> Message:
    """A citizen's "me too" (附议); once per person, counted on the message."""
    with transaction.atomic():
        message = _lock(message_id)
        _check(actor, message, "support")
        add_support(
            Support, target=message, field="message", user=actor, already=_("您已附议过该留言")
        )
        _record(
            message=message, action="support", from_status=message.status, actor=actor, public=False
        )
    message.refresh_from_db(fields=["support_count"])
    return message


def staff_members(org: Organization, *roles: str) -> list[User]:
    """Public helper for other apps: who works at ``org`` in ``roles``."""
    return _staff_of(org, *roles)
