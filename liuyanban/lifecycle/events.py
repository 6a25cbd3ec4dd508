"""What each kind of event carries in ``Event.details``: one TypedDict per kind.

The recording function (``actions._base._record``, ``actions.record_event`` for sibling
apps) is overloaded on the action, so mypy checks every call's details against its
kind. ``DETAILS`` maps each kind to its TypedDict, and ``problems`` checks a stored
event against it at run time (the tests walk every kind). Dates are ISO strings and
ids are integers: the details are JSON.
"""

# No ``from __future__ import annotations`` here: TypedDict reads NotRequired[...] from
# evaluated annotations only (Python 3.11), and ``problems`` needs the required keys.
import types
from collections.abc import Mapping
from typing import TypeAlias, TypedDict, Union, get_args, get_origin, get_type_hints

from liuyanban.core.inputs import PublicTextEdits

# -- kinds that carry nothing beyond the event's own columns -------------------------


class SubmitDetails(TypedDict):
    pass


class AcceptDetails(TypedDict):
    pass


class SignDetails(TypedDict):
    pass


class CloseDetails(TypedDict):
    pass


class SupportDetails(TypedDict):
    pass


# -- moderation ----------------------------------------------------------------------


class EditPublicDetails(PublicTextEdits, total=False):
    """Which parts of the public version the moderator rewrote (title_edited, body_edited)."""


class ModerateImagesDetails(TypedDict, total=False):
    """Attachment ids by decision (a list is left out when empty)."""

    images_published: list[int]
    images_withheld: list[int]


class ApproveDetails(EditPublicDetails, ModerateImagesDetails, total=False):
    """Publishing may rewrite the public text and decide images in the same step."""


class RejectDetails(TypedDict):
    reason: str


class MergeDetails(TypedDict):
    into: str  # the tracking number of the message kept


class ReclassifyDetails(TypedDict, total=False):
    """[old code, new code] for what changed."""

    domain: list[str]
    kind: list[str]


# -- routing -------------------------------------------------------------------------


class TransferDetails(TypedDict):
    to: str
    to_code: str
    due: str


class AssignDetails(TypedDict):
    lead: str
    lead_code: str
    assist: list[str]
    due: str


# "from" is a keyword: the functional form.
ReturnDetails = TypedDict("ReturnDetails", {"reason": str, "from": str, "repeated": bool})


# -- replies -------------------------------------------------------------------------


class ReplyInterimDetails(TypedDict):
    reply: int


class ReplyForReviewDetails(TypedDict):
    """A final reply waiting for the office's review (``review`` is always true)."""

    reply: int
    review: bool


class PublishedReplyDetails(TypedDict):
    """A final reply published: sent without review, or approved by the office."""

    reply: int
    resolution: str


ReplyFinalDetails: TypeAlias = ReplyForReviewDetails | PublishedReplyDetails
ApproveReplyDetails: TypeAlias = PublishedReplyDetails


class SendBackReplyDetails(TypedDict):
    reply: int
    comment: str


# -- extensions ----------------------------------------------------------------------


class RequestExtensionDetails(TypedDict):
    extension: int
    days: int


class DecideExtensionDetails(TypedDict):
    extension: int
    approved: bool
    new_due: str | None


# -- rating and follow-up ------------------------------------------------------------


class EvaluateDetails(TypedDict):
    solved: int
    attitude: int
    speed: int


class FollowUpDetails(TypedDict):
    channel: str
    satisfied: bool


class ReopenDetails(TypedDict):
    reason: str
    due: str


class RequestRehandlingDetails(TypedDict):
    reason: str
    due: str


# -- supervision ---------------------------------------------------------------------


class SuperviseDetails(TypedDict):
    order: int
    level: str
    response_due: str


class RespondSupervisionDetails(TypedDict):
    order: int


class InstructDetails(TypedDict):
    instruction: int


class EscalateDetails(TypedDict):
    level: str
    due: str


# A kind's details: its TypedDict, or a union of TypedDicts where one kind has two forms.
DETAILS: dict[str, object] = {
    "submit": SubmitDetails,
    "approve": ApproveDetails,
    "reject": RejectDetails,
    "merge": MergeDetails,
    "edit_public": EditPublicDetails,
    "reclassify": ReclassifyDetails,
    "moderate_images": ModerateImagesDetails,
    "accept": AcceptDetails,
    "transfer": TransferDetails,
    "assign": AssignDetails,
    "sign": SignDetails,
    "return": ReturnDetails,
    "reply_interim": ReplyInterimDetails,
    "reply_final": ReplyFinalDetails,
    "approve_reply": ApproveReplyDetails,
    "send_back_reply": SendBackReplyDetails,
    "request_extension": RequestExtensionDetails,
    "decide_extension": DecideExtensionDetails,
    "evaluate": EvaluateDetails,
    "follow_up": FollowUpDetails,
    "close": CloseDetails,
    "reopen": ReopenDetails,
    "request_rehandling": RequestRehandlingDetails,
    "supervise": SuperviseDetails,
    "respond_supervision": RespondSupervisionDetails,
    "instruct": InstructDetails,
    "support": SupportDetails,
    "escalate": EscalateDetails,
}


def _matches(value: object, hint: object) -> bool:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_matches(value, arm) for arm in get_args(hint))
    if origin is list:
        (item,) = get_args(hint)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if hint is type(None):
        return value is None
    if hint is int:  # a bool is an int to Python, not to the details
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(hint, type) and isinstance(value, hint)


def shapes(action: str) -> list[type]:
    """The TypedDicts a kind's details may take (one, or the arms of a union)."""
    shape = DETAILS[action]
    return [shape] if isinstance(shape, type) else list(get_args(shape))


def _departures(action: str, shape: type, details: Mapping[str, object]) -> list[str]:
    hints = get_type_hints(shape)
    required: frozenset[str] = getattr(shape, "__required_keys__", frozenset())
    found = [f"{action}: missing {key!r}" for key in sorted(required - details.keys())]
    for key, value in details.items():
        if key not in hints:
            found.append(f"{action}: unexpected {key!r}")
        elif not _matches(value, hints[key]):
            found.append(f"{action}: {key!r}={value!r} is not {hints[key]}")
    return found


def problems(action: str, details: Mapping[str, object]) -> list[str]:
    """How ``details`` departs from its kind's TypedDict (empty when it conforms).

    For a kind with two forms, the departures from the closest one.
    """
    if action not in DETAILS:
        return [f"no TypedDict for event kind {action!r}"]
    return min((_departures(action, shape, details) for shape in shapes(action)), key=len)
