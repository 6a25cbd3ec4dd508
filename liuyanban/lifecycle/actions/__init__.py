"""Every change to a message: one function per action, one event per change.

Each action is keyword-only and typed, takes the ``actor``, runs in a transaction,
locks the message row, checks the source status and the permission against the
transitions table, writes exactly one ``Event`` and schedules notifications on
commit. Web views, the REST API, Open311 and commands all call these; the package
is split by stage of the process and re-exports everything here.
"""

from ._base import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN, _authors, _check, _lock, _record, _url
from .extensions import decide_extension, request_extension
from .moderation import (
    approve_message,
    edit_public_text,
    merge_message,
    moderate_images,
    reclassify_message,
    reject_message,
)
from .rating import (
    close_message,
    evaluate_message,
    record_follow_up,
    reopen_message,
    request_rehandling,
)
from .replies import approve_reply, reply_final, reply_interim, send_back_reply
from .routing import accept_message, assign_message, return_message, sign_message, transfer_message
from .supports import staff_members, support_message
from .writing import (
    Contact,
    Draft,
    new_tracking_number,
    submit_message,
)

# The building blocks, for sibling apps' actions on messages (supervision).
lock_message = _lock
check_action = _check
record_event = _record
authors_of = _authors
message_url = _url

__all__ = [
    "BODY_MAX",
    "BODY_MIN",
    "TITLE_MAX",
    "TITLE_MIN",
    "Contact",
    "Draft",
    "accept_message",
    "approve_message",
    "approve_reply",
    "assign_message",
    "authors_of",
    "check_action",
    "close_message",
    "decide_extension",
    "edit_public_text",
    "evaluate_message",
    "lock_message",
    "merge_message",
    "message_url",
    "moderate_images",
    "new_tracking_number",
    "reclassify_message",
    "record_event",
    "record_follow_up",
    "reject_message",
    "reopen_message",
    "reply_final",
    "reply_interim",
    "request_extension",
    "request_rehandling",
    "return_message",
    "send_back_reply",
    "sign_message",
    "staff_members",
    "submit_message",
    "support_message",
    "transfer_message",
]
