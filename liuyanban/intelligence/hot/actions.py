"""Staff decisions on hot issues."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from liuyanban.accounts.models import User
from liuyanban.core.errors import InvalidInput, NotFound
from liuyanban.core.inputs import checked_text

from ..models import NOTE_MAX, HotIssueFeedback, HotIssueVerdict
from .permissions import can_mark_issue
from .selectors import get_issue, held_ids


@transaction.atomic
def record_issue_feedback(
    *, actor: User, issue_id: int, verdict: str, note: str = ""
) -> HotIssueFeedback:
    """Keep a staff member's mark that an issue is wrong, with a snapshot of the issue."""
    if not can_mark_issue(actor):
        raise NotFound()
    issue = get_issue(issue_id)
    if verdict not in HotIssueVerdict.values:
        raise InvalidInput(fields={"verdict": [_("请选择问题类型")]})
    snapshot = {
        "label": issue.label,
        "description": issue.description,
        "heat": issue.heat,
        "messages": held_ids(issue),
    }
    return HotIssueFeedback.objects.create(
        issue=issue,
        user=actor,
        verdict=verdict,
        note=checked_text(note, field_name="note", label=_("说明"), min_len=0, max_len=NOTE_MAX),
        snapshot=snapshot,
    )
