"""Lifecycle actions on one message: one endpoint, one input schema and one action call each.

Each endpoint finds the message through ``get_message_for_user`` (404 when missing
or not yours) and calls the lifecycle or supervision action, which checks the
status (409) and the caller's permission (403) against the transitions table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from liuyanban.accounts.models import User
from liuyanban.core.errors import InvalidInput, NotFound
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Message
from liuyanban.lifecycle.selectors import get_message_for_user
from liuyanban.organizations.models import Organization
from liuyanban.supervision import actions as supervision

from ..auth import AUTHENTICATED, signed_in
from .errors import ERROR_RESPONSES
from .schemas import ActionOut, detail

router = Router(tags=["workflow"])
RESPONSES = {200: ActionOut, **ERROR_RESPONSES}
PATH = "/messages/{tracking_number}/"


def _outcome(user: User, message_id: int, action: str) -> dict[str, object]:
    """The new status, and the message if the caller can still see it (a return hands it on)."""
    status = Message.objects.filter(pk=message_id).values_list("status", flat=True).first()
    try:
        shown: dict[str, object] | None = detail(user, get_message_for_user(user, pk=message_id))
    except NotFound:
        shown = None
    return {"action": action, "status": status or "", "message": shown}


def perform(
    request: HttpRequest, tracking_number: str, action: str, call: Callable[[User, int], object]
) -> dict[str, object]:
    """Find the message through the funnel, run the action, report the outcome."""
    user = signed_in(request)
    message = get_message_for_user(user, tracking_number=tracking_number)
    call(user, message.pk)
    return _outcome(user, message.pk, action)


def _org_id(code: str, field: str) -> int:
    pk = Organization.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise InvalidInput(fields={field: ["机构不存在或已停用"]})
    return int(pk)


def _message_id(user: User, tracking_number: str, field: str) -> int:
    try:
        return get_message_for_user(user, tracking_number=tracking_number).pk
    except NotFound:
        raise InvalidInput(fields={field: ["留言不存在"]}) from None


# --- moderation ---------------------------------------------------------------


ImageDecision = Literal["published", "withheld"]


class ApproveIn(Schema):
    public_title: str | None = Field(None, max_length=200)
    public_body: str | None = Field(None, max_length=10000)
    images: dict[int, ImageDecision] = Field(
        default_factory=dict,
        description="image id → published or withheld; images not named stay pending (not public)",
    )


@router.post(PATH + "approve", response=RESPONSES, auth=AUTHENTICATED)
def approve(request: HttpRequest, tracking_number: str, payload: ApproveIn) -> dict[str, object]:
    """Publish (审核通过), optionally with an edited public version."""
    return perform(
        request,
        tracking_number,
        "approve",
        lambda u, m: actions.approve_message(
            actor=u,
            message_id=m,
            public_title=payload.public_title,
            public_body=payload.public_body,
            images=payload.images,
        ),
    )


class ImagesIn(Schema):
    images: dict[int, ImageDecision] = Field(..., description="image id → published or withheld")


@router.post(PATH + "moderate-images", response=RESPONSES, auth=AUTHENTICATED)
def moderate_images(
    request: HttpRequest, tracking_number: str, payload: ImagesIn
) -> dict[str, object]:
    """Publish or withhold images one by one (审核图片), before or after the text is approved."""
    return perform(
        request,
        tracking_number,
        "moderate_images",
        lambda u, m: actions.moderate_images(actor=u, message_id=m, decisions=payload.images),
    )


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


@router.post(PATH + "reject", response=RESPONSES, auth=AUTHENTICATED)
def reject(request: HttpRequest, tracking_number: str, payload: ReasonIn) -> dict[str, object]:
    """Reject with a reason the author sees (审核不通过)."""
    return perform(
        request,
        tracking_number,
        "reject",
        lambda u, m: actions.reject_message(actor=u, message_id=m, reason=payload.reason),
    )


class MergeIn(Schema):
    into: str = Field(..., max_length=20, description="tracking number of the canonical message")


@router.post(PATH + "merge", response=RESPONSES, auth=AUTHENTICATED)
def merge(request: HttpRequest, tracking_number: str, payload: MergeIn) -> dict[str, object]:
    """Merge a duplicate into a published message."""
    return perform(
        request,
        tracking_number,
        "merge",
        lambda u, m: actions.merge_message(
            actor=u, message_id=m, into_id=_message_id(u, payload.into, "into")
        ),
    )


class EditPublicIn(Schema):
    public_title: str | None = Field(None, max_length=200)
    public_body: str | None = Field(None, max_length=10000)


@router.post(PATH + "edit-public", response=RESPONSES, auth=AUTHENTICATED)
def edit_public(
    request: HttpRequest, tracking_number: str, payload: EditPublicIn
) -> dict[str, object]:
    """Correct the public version later (e.g. personal data found after publishing)."""
    return perform(
        request,
        tracking_number,
        "edit_public",
        lambda u, m: actions.edit_public_text(
            actor=u,
            message_id=m,
            public_title=payload.public_title,
            public_body=payload.public_body,
        ),
    )


# --- routing --------------------------------------------------------------------


@router.post(PATH + "accept", response=RESPONSES, auth=AUTHENTICATED)
def accept(request: HttpRequest, tracking_number: str) -> dict[str, object]:
    """Accept (受理); the reply deadline starts."""
    return perform(
        request,
        tracking_number,
        "accept",
        lambda u, m: actions.accept_message(actor=u, message_id=m),
    )


class TransferIn(Schema):
    to: str = Field(..., max_length=64, description="code of the receiving body")
    requirements: str = Field("", max_length=2000)
    due: date | None = None


@router.post(PATH + "transfer", response=RESPONSES, auth=AUTHENTICATED)
def transfer(request: HttpRequest, tracking_number: str, payload: TransferIn) -> dict[str, object]:
    """Hand over to another body (转办)."""
    return perform(
        request,
        tracking_number,
        "transfer",
        lambda u, m: actions.transfer_message(
            actor=u,
            message_id=m,
            to_org_id=_org_id(payload.to, "to"),
            requirements=payload.requirements,
            due=payload.due,
        ),
    )


class AssignIn(Schema):
    lead: str = Field(..., max_length=64, description="code of the lead unit")
    assist: list[str] = Field(default_factory=list, max_length=10)
    requirements: str = Field("", max_length=2000)
    due: date | None = None


@router.post(PATH + "assign", response=RESPONSES, auth=AUTHENTICATED)
def assign(request: HttpRequest, tracking_number: str, payload: AssignIn) -> dict[str, object]:
    """Assign to a lead unit and optional assisting units (交办)."""
    return perform(
        request,
        tracking_number,
        "assign",
        lambda u, m: actions.assign_message(
            actor=u,
            message_id=m,
            lead_id=_org_id(payload.lead, "lead"),
            assist_ids=[_org_id(code, "assist") for code in payload.assist],
            requirements=payload.requirements,
            due=payload.due,
        ),
    )


# --- handling ---------------------------------------------------------------------


@router.post(PATH + "sign", response=RESPONSES, auth=AUTHENTICATED)
def sign(request: HttpRequest, tracking_number: str) -> dict[str, object]:
    """Sign for the message (签收) and start handling."""
    return perform(
        request, tracking_number, "sign", lambda u, m: actions.sign_message(actor=u, message_id=m)
    )


@router.post(PATH + "return", response=RESPONSES, auth=AUTHENTICATED)
def return_(request: HttpRequest, tracking_number: str, payload: ReasonIn) -> dict[str, object]:
    """Return as not ours (退回)."""
    return perform(
        request,
        tracking_number,
        "return",
        lambda u, m: actions.return_message(actor=u, message_id=m, reason=payload.reason),
    )


class InterimReplyIn(Schema):
    body: str = Field(..., max_length=10000)


@router.post(PATH + "reply-interim", response=RESPONSES, auth=AUTHENTICATED)
def reply_interim(
    request: HttpRequest, tracking_number: str, payload: InterimReplyIn
) -> dict[str, object]:
    """Publish an interim reply (阶段性回复)."""
    return perform(
        request,
        tracking_number,
        "reply_interim",
        lambda u, m: actions.reply_interim(actor=u, message_id=m, body=payload.body),
    )


class FinalReplyIn(Schema):
    body: str = Field(..., max_length=10000)
    resolution: Literal["solved", "partly", "explained", "not_ours", "duplicate"]


@router.post(PATH + "reply-final", response=RESPONSES, auth=AUTHENTICATED)
def reply_final(
    request: HttpRequest, tracking_number: str, payload: FinalReplyIn
) -> dict[str, object]:
    """Write the final reply (正式回复); public now or after the office's review."""
    return perform(
        request,
        tracking_number,
        "reply_final",
        lambda u, m: actions.reply_final(
            actor=u, message_id=m, body=payload.body, resolution=payload.resolution
        ),
    )


class ApproveReplyIn(Schema):
    public_body: str | None = Field(None, max_length=10000)


@router.post(PATH + "approve-reply", response=RESPONSES, auth=AUTHENTICATED)
def approve_reply(
    request: HttpRequest, tracking_number: str, payload: ApproveReplyIn
) -> dict[str, object]:
    """Approve the final reply under review; it becomes public."""
    return perform(
        request,
        tracking_number,
        "approve_reply",
        lambda u, m: actions.approve_reply(actor=u, message_id=m, public_body=payload.public_body),
    )


class SendBackIn(Schema):
    comment: str = Field(..., max_length=2000)


@router.post(PATH + "send-back-reply", response=RESPONSES, auth=AUTHENTICATED)
def send_back_reply(
    request: HttpRequest, tracking_number: str, payload: SendBackIn
) -> dict[str, object]:
    """Send the final reply back to the unit with comments."""
    return perform(
        request,
        tracking_number,
        "send_back_reply",
        lambda u, m: actions.send_back_reply(actor=u, message_id=m, comment=payload.comment),
    )


class ExtensionIn(Schema):
    reason: str = Field(..., max_length=2000)
    working_days: int = Field(..., ge=1, le=30)


@router.post(PATH + "request-extension", response=RESPONSES, auth=AUTHENTICATED)
def request_extension(
    request: HttpRequest, tracking_number: str, payload: ExtensionIn
) -> dict[str, object]:
    """Ask once for more working days (延期)."""
    return perform(
        request,
        tracking_number,
        "request_extension",
        lambda u, m: actions.request_extension(
            actor=u, message_id=m, reason=payload.reason, working_days=payload.working_days
        ),
    )


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=1000)


@router.post(PATH + "decide-extension", response=RESPONSES, auth=AUTHENTICATED)
def decide_extension(
    request: HttpRequest, tracking_number: str, payload: DecisionIn
) -> dict[str, object]:
    """Approve or refuse the pending extension."""
    return perform(
        request,
        tracking_number,
        "decide_extension",
        lambda u, m: actions.decide_extension(
            actor=u, message_id=m, approve=payload.approve, note=payload.note
        ),
    )


# --- rating, follow-up, closing -------------------------------------------------------


class EvaluationIn(Schema):
    solved: int = Field(..., ge=1, le=5)
    attitude: int = Field(..., ge=1, le=5)
    speed: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=1000)


@router.post(PATH + "evaluate", response=RESPONSES, auth=AUTHENTICATED)
def evaluate(
    request: HttpRequest, tracking_number: str, payload: EvaluationIn
) -> dict[str, object]:
    """Rate the final reply once (评价)."""
    return perform(
        request,
        tracking_number,
        "evaluate",
        lambda u, m: actions.evaluate_message(
            actor=u,
            message_id=m,
            solved=payload.solved,
            attitude=payload.attitude,
            speed=payload.speed,
            comment=payload.comment,
        ),
    )


class FollowUpIn(Schema):
    channel: Literal["phone", "visit", "sms", "online"]
    date: date
    summary: str = Field(..., max_length=2000)
    satisfied: bool


@router.post(PATH + "follow-up", response=RESPONSES, auth=AUTHENTICATED)
def follow_up(request: HttpRequest, tracking_number: str, payload: FollowUpIn) -> dict[str, object]:
    """Record a follow-up (回访)."""
    return perform(
        request,
        tracking_number,
        "follow_up",
        lambda u, m: actions.record_follow_up(
            actor=u,
            message_id=m,
            channel=payload.channel,
            date_=payload.date,
            summary=payload.summary,
            satisfied=payload.satisfied,
        ),
    )


@router.post(PATH + "close", response=RESPONSES, auth=AUTHENTICATED)
def close(request: HttpRequest, tracking_number: str) -> dict[str, object]:
    """Close a replied message (办结)."""
    return perform(
        request, tracking_number, "close", lambda u, m: actions.close_message(actor=u, message_id=m)
    )


@router.post(PATH + "reopen", response=RESPONSES, auth=AUTHENTICATED)
def reopen(request: HttpRequest, tracking_number: str, payload: ReasonIn) -> dict[str, object]:
    """Reopen once for re-handling (重办)."""
    return perform(
        request,
        tracking_number,
        "reopen",
        lambda u, m: actions.reopen_message(actor=u, message_id=m, reason=payload.reason),
    )


@router.post(PATH + "request-rehandling", response=RESPONSES, auth=AUTHENTICATED)
def request_rehandling(
    request: HttpRequest, tracking_number: str, payload: ReasonIn
) -> dict[str, object]:
    """The dissatisfied author asks once for re-handling (申请重办)."""
    return perform(
        request,
        tracking_number,
        "request_rehandling",
        lambda u, m: actions.request_rehandling(actor=u, message_id=m, reason=payload.reason),
    )


@router.post(PATH + "support", response=RESPONSES, auth=AUTHENTICATED)
def support(request: HttpRequest, tracking_number: str) -> dict[str, object]:
    """Say "me too" (附议), once per person."""
    return perform(
        request,
        tracking_number,
        "support",
        lambda u, m: actions.support_message(actor=u, message_id=m),
    )


# --- supervision ------------------------------------------------------------------------


class SuperviseIn(Schema):
    level: Literal["reminder", "supervise", "key"]
    note: str = Field(..., max_length=2000)
    response_due: date


@router.post(PATH + "supervise", response=RESPONSES, auth=AUTHENTICATED)
def supervise(
    request: HttpRequest, tracking_number: str, payload: SuperviseIn
) -> dict[str, object]:
    """Issue a supervision order (督办)."""
    return perform(
        request,
        tracking_number,
        "supervise",
        lambda u, m: supervision.issue_supervision(
            actor=u,
            message_id=m,
            level=payload.level,
            note=payload.note,
            response_due=payload.response_due,
        ),
    )


class SupervisionResponseIn(Schema):
    order_id: int
    response: str = Field(..., max_length=4000)


@router.post(PATH + "respond-supervision", response=RESPONSES, auth=AUTHENTICATED)
def respond_supervision(
    request: HttpRequest, tracking_number: str, payload: SupervisionResponseIn
) -> dict[str, object]:
    """Report back on an open supervision order."""
    return perform(
        request,
        tracking_number,
        "respond_supervision",
        lambda u, m: supervision.respond_supervision(
            actor=u, message_id=m, order_id=payload.order_id, response=payload.response
        ),
    )


class InstructionIn(Schema):
    text: str = Field(..., max_length=2000)


@router.post(PATH + "instruct", response=RESPONSES, auth=AUTHENTICATED)
def instruct(
    request: HttpRequest, tracking_number: str, payload: InstructionIn
) -> dict[str, object]:
    """A leader's instruction (批示)."""
    return perform(
        request,
        tracking_number,
        "instruct",
        lambda u, m: supervision.give_instruction(actor=u, message_id=m, text=payload.text),
    )
