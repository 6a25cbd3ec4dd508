"""Staff decisions on the intelligence's suggestions; corrections become training data."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liuyanban.accounts.models import User
from liuyanban.core.errors import InvalidInput, NotFound
from liuyanban.lifecycle import actions as lifecycle
from liuyanban.lifecycle.models import Message
from liuyanban.lifecycle.permissions import is_triage
from liuyanban.lifecycle.selectors import get_message_for_user
from liuyanban.taxonomy.models import Domain, Kind

from .models import DuplicateLink, LinkState, Prediction


@transaction.atomic
def confirm_classification(
    *, actor: User, message_id: int, domain_code: str, kind_code: str | None = None
) -> Message:
    """Confirm or correct the suggested domain (and kind); the message changes through the lifecycle."""
    message = get_message_for_user(actor, pk=message_id)
    domain = Domain.objects.filter(code=domain_code, is_active=True).first()
    if domain is None:
        raise InvalidInput(fields={"domain": [_("请选择领域")]})
    kind = Kind.objects.filter(code=kind_code).first() if kind_code else None
    if kind_code and kind is None:
        raise InvalidInput(fields={"kind": [_("请选择类型")]})
    if domain.pk != message.domain_id or (kind and kind.pk != message.kind_id):
        message = lifecycle.reclassify_message(
            actor=actor,
            message_id=message.pk,
            domain_id=domain.pk,
            kind_id=kind.pk if kind else None,
        )
    elif not is_triage(actor, message):
        raise NotFound()
    now = timezone.now()
    Prediction.objects.filter(message=message, target="domain").update(
        confirmed_code=domain.code, confirmed_by=actor, confirmed_at=now
    )
    if kind is not None:
        Prediction.objects.filter(message=message, target="kind").update(
            confirmed_code=kind.code, confirmed_by=actor, confirmed_at=now
        )
    return message


@transaction.atomic
def dismiss_duplicate(*, actor: User, link_id: int) -> DuplicateLink:
    """Mark a suggested duplicate as not a duplicate."""
    link = DuplicateLink.objects.select_related("message").filter(pk=link_id).first()
    if link is None:
        raise NotFound()
    message = get_message_for_user(actor, pk=link.message_id)
    if not is_triage(actor, message):
        raise NotFound()
    link.state = LinkState.DISMISSED
    link.save(update_fields=["state"])
    return link
