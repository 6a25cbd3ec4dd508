"""Extensions (延期): asked once before the deadline, decided by the office."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from liuyanban.accounts.models import Role, User
from liuyanban.core.errors import (
    InvalidInput,
)
from liuyanban.core.inputs import checked_text as _text
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import notice

from ..models import (
    AssignmentState,
    Extension,
    ExtensionState,
)
from ._base import _check, _lock, _record, _staff_of, _url

# ---------------------------------------------------------------------------
# Extensions
# ---------------------------------------------------------------------------


@transaction.atomic
def request_extension(*, actor: User, message_id: int, reason: str, working_days: int) -> Extension:
    """The unit asks once, before the deadline, for more working days (延期)."""
    message = _lock(message_id)
    _check(actor, message, "request_extension")
    reason = _text(reason, field_name="reason", label=_("延期理由"), min_len=4, max_len=1000)
    if not 1 <= working_days <= 30:
        raise InvalidInput(fields={"working_days": [_("延期天数应为 1 到 30 个工作日")]})
    assert message.reply_due is not None
    extension = Extension.objects.create(
        message=message,
        organization=message.unit or message.office,
        requested_by=actor,
        reason=reason,
        working_days=working_days,
        old_due=message.reply_due,
        created_at=timezone.now(),
    )
    _record(
        message=message,
        action="request_extension",
        from_status=message.status,
        actor=actor,
        actor_org=extension.organization,
        details={"extension": extension.pk, "days": working_days},
        public=False,
    )
    notify(
        users=_staff_of(message.office, Role.CLERK),
        verb="extension",
        text=notice(gettext_noop("延期申请：%s"), message.public_title),
        message_id=message.pk,
        url=_url(message),
    )
    return extension


@transaction.atomic
def decide_extension(*, actor: User, message_id: int, approve: bool, note: str = "") -> Extension:
    """The office approves or refuses the pending extension; either way it was the one try."""
    message = _lock(message_id)
    _check(actor, message, "decide_extension")
    extension = message.extensions.filter(state=ExtensionState.PENDING).order_by("-id").first()
    assert extension is not None  # the guard checked it
    from ..workdays import add_working_days

    extension.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = note.strip()[:1000]
    if approve:
        extension.new_due = add_working_days(extension.old_due, extension.working_days)
        message.reply_due = extension.new_due
        message.current_due = extension.new_due
        message.assignments.filter(
            state__in=[AssignmentState.PENDING, AssignmentState.SIGNED]
        ).update(due_date=extension.new_due)
    extension.save()
    message.extension_used = True
    message.save()
    _record(
        message=message,
        action="decide_extension",
        from_status=message.status,
        actor=actor,
        actor_org=message.office,
        details={
            "extension": extension.pk,
            "approved": approve,
            "new_due": extension.new_due.isoformat() if extension.new_due else None,
        },
        public=approve,
    )
    notify(
        users=_staff_of(extension.organization, Role.OFFICER),
        verb="extension_decided",
        text=notice(
            gettext_noop("%(d)s：%(t)s"),
            d=notice(gettext_noop("延期申请已同意") if approve else gettext_noop("延期申请未同意")),
            t=message.public_title,
        ),
        message_id=message.pk,
        url=_url(message),
    )
    return extension
