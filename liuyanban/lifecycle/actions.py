"""Every change to a message: one function per action, one event per change.

Each action is keyword-only and typed, takes the ``actor``, runs in a transaction,
locks the message row, checks the source status and the permission against the
transitions table, writes exactly one ``Event`` and schedules notifications on
commit. Web views, the REST API, Open311 and commands all call these.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from liuyanban.accounts.models import Membership, Role, User
from liuyanban.accounts.selectors import AnyUser
from liuyanban.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
    RateLimited,
)
from liuyanban.intelligence.text import segment_for_search
from liuyanban.notifications.actions import notify
from liuyanban.organizations.models import Board, Organization, Region
from liuyanban.taxonomy.models import Domain, Kind

from . import permissions, signals
from .attachments import Upload, check_uploads
from .deadlines import due_date
from .models import (
    Assignment,
    AssignmentMode,
    AssignmentRole,
    AssignmentState,
    Attachment,
    Evaluation,
    Event,
    Extension,
    ExtensionState,
    FollowUp,
    Message,
    MessageContact,
    Reply,
    ReplyKind,
    ReplyState,
    Resolution,
    Status,
    Step,
    Support,
)
from .redaction import public_text
from .transitions import TRANSITIONS

TITLE_MIN, TITLE_MAX = 5, 50
BODY_MIN, BODY_MAX = 10, 3000


# ---------------------------------------------------------------------------
# Shared machinery
# ---------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _lock(message_id: int) -> Message:
    """Lock the message row for the rest of the transaction (404 when missing)."""
    try:
        return (
            Message.objects.select_for_update(of=("self",))
            .select_related("board__organization", "office", "unit", "kind", "domain")
            .get(pk=message_id)
        )
    except Message.DoesNotExist:
        raise NotFound() from None


def _check(actor: AnyUser, message: Message, action: str) -> None:
    """Status first (a stale page gets 409), then the permission, then the action's guard."""
    row = TRANSITIONS[action]
    from .selectors import can_see

    if not can_see(actor, message):
        raise NotFound()
    if message.status not in row.sources:
        raise InvalidTransition()
    if not permissions.PREDICATES[row.permission](actor, message):
        raise NotPermitted()
    guard = permissions.GUARDS.get(action)
    if guard is not None and not guard(actor, message):
        raise Conflict(_("该操作的条件不满足：%s") % row.label)


def _record(
    *,
    message: Message,
    action: str,
    from_status: str,
    actor: AnyUser | None,
    actor_org: Organization | None = None,
    details: dict[str, Any] | None = None,
    public: bool = True,
) -> Event:
    """Append the one event of this change."""
    event = Event.objects.create(
        message=message,
        action=action,
        from_status=from_status,
        to_status=message.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_org=actor_org,
        at=timezone.now(),
        is_public=public,
        details=details or {},
    )
    transaction.on_commit(lambda: signals.message_event.send(sender=Event, event=event))
    return event


def _text(value: str, *, field_name: str, label: str, min_len: int, max_len: int) -> str:
    value = (value or "").strip()
    if len(value) < min_len:
        raise InvalidInput(
            fields={
                field_name: [_("%(label)s至少需要 %(n)d 个字") % {"label": label, "n": min_len}]
            }
        )
    if len(value) > max_len:
        raise InvalidInput(
            fields={
                field_name: [_("%(label)s不能超过 %(n)d 个字") % {"label": label, "n": max_len}]
            }
        )
    return value


def _staff_of(org: Organization | None, *roles: str) -> list[User]:
    """Users holding one of ``roles`` exactly at ``org`` (who get its work notices)."""
    if org is None:
        return []
    return list(
        User.objects.filter(
            memberships__organization=org, memberships__role__in=roles, is_active=True
        ).distinct()
    )


def _authors(message: Message) -> list[User | None]:
    """The author and the authors of messages merged into this one."""
    merged = User.objects.filter(authored_messages__canonical=message).distinct()
    return [message.author, *merged]


def _url(message: Message) -> str:
    return f"/messages/{message.tracking_number}/"


def _notify_authors(message: Message, verb: str, text: str) -> None:
    notify(users=_authors(message), verb=verb, text=text, message_id=message.pk, url=_url(message))


def _actor_org(actor: AnyUser, *candidates: Organization | None) -> Organization | None:
    """The organisation on whose behalf a staff member acted (first candidate they serve)."""
    from liuyanban.accounts.selectors import has_role_over

    for org in candidates:
        if org is not None and has_role_over(actor, org, *Role.values):
            return org
    return None


# ---------------------------------------------------------------------------
# Writing a message
# ---------------------------------------------------------------------------


@dataclass
class Contact:
    """The author's private contact data for one message."""

    real_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass
class Draft:
    """Everything a citizen submits; the same shape from every interface."""

    board_id: int
    domain_id: int
    kind_id: int
    title: str
    body: str
    region_id: int | None = None
    location: str = ""
    nickname: str = ""
    contact: Contact = field(default_factory=Contact)
    attachments: list[Upload] = field(default_factory=list)
    idempotency_key: str = ""
    source: str = "web"
    external_id: str = ""


def new_tracking_number() -> str:
    """A short, unguessable, human-friendly number: LY + date + 6 random digits."""
    return f"LY{timezone.localdate():%y%m%d}{secrets.randbelow(10**6):06d}"


def _check_rate_limits(author: User | None, ip: str | None) -> None:
    limits = settings.LIUYANBAN
    now = timezone.now()
    if author is not None:
        day = Message.objects.filter(
            author=author, submitted_at__range=(now - timedelta(days=1), now)
        )
        if day.count() >= limits["MESSAGES_PER_AUTHOR_PER_DAY"]:
            raise RateLimited(_("您今天提交的留言已达上限，请明天再试"))
    if ip:
        hour = Message.objects.filter(
            submit_ip=ip, submitted_at__range=(now - timedelta(hours=1), now)
        )
        if hour.count() >= limits["MESSAGES_PER_IP_PER_HOUR"]:
            raise RateLimited(_("该网络提交的留言过多，请稍后再试"))


def _validate_draft(draft: Draft) -> tuple[Board, Domain, Kind, Region | None]:
    errors: dict[str, list[str]] = {}
    board = (
        Board.objects.select_related("organization")
        .filter(pk=draft.board_id, is_active=True)
        .first()
    )
    if board is None:
        errors["board"] = [_("请选择留言对象")]
    domain = Domain.objects.filter(pk=draft.domain_id, is_active=True).first()
    if domain is None:
        errors["domain"] = [_("请选择领域")]
    kind = Kind.objects.filter(pk=draft.kind_id).first()
    if kind is None:
        errors["kind"] = [_("请选择类型")]
    region = None
    if draft.region_id is not None:
        region = Region.objects.filter(pk=draft.region_id).first()
        if region is None:
            errors["region"] = [_("地区不存在")]
    for name, label, lo, hi in (
        ("title", _("标题"), TITLE_MIN, TITLE_MAX),
        ("body", _("内容"), BODY_MIN, BODY_MAX),
    ):
        try:
            _text(getattr(draft, name), field_name=name, label=label, min_len=lo, max_len=hi)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if len(draft.location) > 200:
        errors["location"] = [_("地点不能超过 200 个字")]
    if errors:
        raise InvalidInput(fields=errors)
    assert board is not None and domain is not None and kind is not None
    return board, domain, kind, region


def submit_message(*, author: User | None, draft: Draft, ip: str | None = None) -> Message:
    """Create a message awaiting moderation; a repeated idempotency key returns the first one."""
    if author is not None and draft.idempotency_key:
        existing = Message.objects.filter(
            author=author, idempotency_key=draft.idempotency_key
        ).first()
        if existing is not None:
            return existing
    board, domain, kind, region = _validate_draft(draft)
    images = check_uploads(draft.attachments)
    _check_rate_limits(author, ip)
    try:
        with transaction.atomic():
            message = _create_message(author, draft, board, domain, kind, region, ip)
            for image in images:
                Attachment.objects.create(
                    message=message,
                    file=image.as_file(),
                    content_type=image.content_type,
                    extension=image.extension,
                    size=len(image.data),
                    sha256=image.sha256,
                )
            _record(message=message, action="submit", from_status="", actor=author)
    except IntegrityError:
        # Two identical submissions raced: the other one won; return it.
        existing = Message.objects.filter(
            author=author, idempotency_key=draft.idempotency_key
        ).first()
        if existing is None or not draft.idempotency_key:
            raise
        return existing
    return message


def _create_message(
    author: User | None,
    draft: Draft,
    board: Board,
    domain: Domain,
    kind: Kind,
    region: Region | None,
    ip: str | None,
) -> Message:
    title, body = draft.title.strip(), draft.body.strip()
    message = Message.objects.create(
        tracking_number=new_tracking_number(),
        board=board,
        office=board.organization,
        author=author,
        author_nickname=(draft.nickname or (author.nickname if author else "") or _("网友"))[:30],
        source=draft.source,
        external_id=draft.external_id,
        domain=domain,
        kind=kind,
        region=region,
        location=draft.location.strip(),
        title=title,
        body=body,
        # The suggested public version; the moderator confirms or edits it.
        public_title=public_text(title)[:50],
        public_body=public_text(body),
        public_location=public_text(draft.location.strip())[:200],
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
        idempotency_key=draft.idempotency_key[:64],
        submit_ip=ip,
    )
    c = draft.contact
    MessageContact.objects.create(
        message=message,
        real_name=c.real_name[:50],
        phone=c.phone[:30],
        email=c.email[:254],
        address=c.address[:200],
    )
    return message


# ---------------------------------------------------------------------------
# Moderation
# ---------------------------------------------------------------------------


def _set_public(message: Message, title: str | None, body: str | None) -> dict[str, bool]:
    changed = {}
    if title is not None:
        message.public_title = _text(
            title, field_name="public_title", label=_("公开标题"), min_len=1, max_len=TITLE_MAX
        )
        changed["title_edited"] = True
    if body is not None:
        message.public_body = _text(
            body, field_name="public_body", label=_("公开内容"), min_len=1, max_len=BODY_MAX + 500
        )
        changed["body_edited"] = True
    message.search_text = segment_for_search(f"{message.public_title} {message.public_body}")
    return changed


@transaction.atomic
def approve_message(
    *, actor: User, message_id: int, public_title: str | None = None, public_body: str | None = None
) -> Message:
    """Publish a message (审核通过), with the moderator's final public version."""
    message = _lock(message_id)
    _check(actor, message, "approve")
    before = message.status
    edits = _set_public(message, public_title, public_body)
    today = _today()
    message.status = Status.PUBLISHED
    message.published_at = timezone.now()
    message.accept_due = due_date(
        start=today, organization=message.office, kind=message.kind, step=Step.ACCEPT
    )
    message.current_due = message.accept_due
    message.save()
    _record(message=message, action="approve", from_status=before, actor=actor, details=edits)
    _notify_authors(message, "published", _("您的留言“%s”已通过审核并公开") % message.public_title)
    return message


@transaction.atomic
def reject_message(*, actor: User, message_id: int, reason: str) -> Message:
    """Reject a message with a reason the author sees (审核不通过)."""
    message = _lock(message_id)
    _check(actor, message, "reject")
    reason = _text(reason, field_name="reason", label=_("理由"), min_len=2, max_len=500)
    before = message.status
    message.status = Status.REJECTED
    message.resolution = Resolution.REJECTED
    message.current_due = None
    message.closed_at = timezone.now()
    message.save()
    _record(
        message=message,
        action="reject",
        from_status=before,
        actor=actor,
        details={"reason": reason},
        public=False,
    )
    _notify_authors(
        message,
        "rejected",
        _("您的留言“%(t)s”未通过审核：%(r)s") % {"t": message.title, "r": reason},
    )
    return message


@transaction.atomic
def merge_message(*, actor: User, message_id: int, into_id: int) -> Message:
    """Merge a duplicate into a canonical message; its author follows the canonical one."""
    if message_id == into_id:
        raise InvalidInput(fields={"into": [_("不能合并到自身")]})
    message = _lock(message_id)
    _check(actor, message, "merge")
    target = Message.objects.select_related("board__organization").filter(pk=into_id).first()
    if (
        target is None
        or target.status not in TRANSITIONS["instruct"].sources
        or target.canonical_id
    ):
        raise InvalidInput(fields={"into": [_("只能合并到已公开的留言")]})
    before = message.status
    message.status = Status.MERGED
    message.canonical = target
    message.resolution = Resolution.DUPLICATE
    message.current_due = None
    message.save()
    _record(
        message=message,
        action="merge",
        from_status=before,
        actor=actor,
        details={"into": target.tracking_number},
    )
    notify(
        users=[message.author],
        verb="merged",
        text=_("您的留言与“%s”内容相同，已合并办理，您可以查看其回复并评价") % target.public_title,
        message_id=target.pk,
        url=_url(target),
    )
    return message


@transaction.atomic
def edit_public_text(
    *, actor: User, message_id: int, public_title: str | None = None, public_body: str | None = None
) -> Message:
    """Change the public version later (e.g. personal data found after publishing)."""
    message = _lock(message_id)
    _check(actor, message, "edit_public")
    edits = _set_public(message, public_title, public_body)
    message.save()
    _record(
        message=message,
        action="edit_public",
        from_status=message.status,
        actor=actor,
        details=edits,
        public=False,
    )
    return message


@transaction.atomic
def reclassify_message(
    *, actor: User, message_id: int, domain_id: int | None = None, kind_id: int | None = None
) -> Message:
    """Correct the domain or kind (e.g. after checking the classifier's suggestion)."""
    message = _lock(message_id)
    _check(actor, message, "reclassify")
    details: dict[str, Any] = {}
    if domain_id is not None and domain_id != message.domain_id:
        domain = Domain.objects.filter(pk=domain_id, is_active=True).first()
        if domain is None:
            raise InvalidInput(fields={"domain": [_("请选择领域")]})
        details["domain"] = [message.domain.code, domain.code]
        message.domain = domain
    if kind_id is not None and kind_id != message.kind_id:
        kind = Kind.objects.filter(pk=kind_id).first()
        if kind is None:
            raise InvalidInput(fields={"kind": [_("请选择类型")]})
        details["kind"] = [message.kind.code, kind.code]
        message.kind = kind
    message.save()
    _record(
        message=message,
        action="reclassify",
        from_status=message.status,
        actor=actor,
        details=details,
        public=False,
    )
    return message


# ---------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------


def _start_reply_clock(message: Message) -> None:
    """The final-reply deadline starts when the office takes the message on."""
    if message.reply_due is None:
        message.reply_due = due_date(
            start=_today(), organization=message.office, kind=message.kind, step=Step.REPLY
        )
    message.current_due = message.reply_due


@transaction.atomic
def accept_message(*, actor: User, message_id: int) -> Message:
    """The office accepts the message (受理); the reply deadline starts."""
    message = _lock(message_id)
    _check(actor, message, "accept")
    before = message.status
    message.status = Status.ACCEPTED
    message.accepted_at = timezone.now()
    _start_reply_clock(message)
    message.save()
    _record(
        message=message, action="accept", from_status=before, actor=actor, actor_org=message.office
    )
    _notify_authors(message, "accepted", _("您的留言“%s”已受理") % message.public_title)
    return message


def _check_target(org_id: int, *, label: str) -> Organization:
    org = Organization.objects.filter(pk=org_id, is_active=True).first()
    if org is None:
        raise InvalidInput(fields={label: [_("机构不存在或已停用")]})
    return org


def _assignment_due(message: Message, due: date | None) -> date:
    assert message.reply_due is not None
    if due is None:
        return message.reply_due
    if due < _today():
        raise InvalidInput(fields={"due_date": [_("办理期限不能早于今天")]})
    return due


@transaction.atomic
def transfer_message(
    *, actor: User, message_id: int, to_org_id: int, requirements: str = "", due: date | None = None
) -> Message:
    """Hand the message over to another body (转办), which takes it over once it signs."""
    message = _lock(message_id)
    _check(actor, message, "transfer")
    target = _check_target(to_org_id, label="to_org")
    if target.pk == message.office_id:
        raise InvalidInput(fields={"to_org": [_("不能转办给本单位")]})
    before = message.status
    if message.accepted_at is None:
        message.accepted_at = timezone.now()
    _start_reply_clock(message)
    assignment = Assignment.objects.create(
        message=message,
        mode=AssignmentMode.TRANSFER,
        from_org=message.office,
        to_org=target,
        requirements=requirements.strip(),
        due_date=_assignment_due(message, due),
        created_by=actor,
        created_at=timezone.now(),
    )
    message.status = Status.ASSIGNED
    message.unit = target
    message.current_due = assignment.due_date
    message.transfer_count = F("transfer_count") + 1
    message.save()
    message.refresh_from_db(fields=["transfer_count"])
    _record(
        message=message,
        action="transfer",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={"to": target.name, "to_code": target.code, "due": assignment.due_date.isoformat()},
    )
    _notify_new_work(message, [target])
    return message


@transaction.atomic
def assign_message(
    *,
    actor: User,
    message_id: int,
    lead_id: int,
    assist_ids: Sequence[int] = (),
    requirements: str = "",
    due: date | None = None,
) -> Message:
    """Assign to a unit (交办), optionally with assisting units (主办/协办); the office keeps watching."""
    message = _lock(message_id)
    _check(actor, message, "assign")
    lead = _check_target(lead_id, label="lead")
    assists = [_check_target(i, label="assist") for i in dict.fromkeys(assist_ids) if i != lead_id]
    before = message.status
    if message.accepted_at is None:
        message.accepted_at = timezone.now()
    _start_reply_clock(message)
    deadline = _assignment_due(message, due)
    now = timezone.now()
    for org, role in [(lead, AssignmentRole.LEAD), *[(a, AssignmentRole.ASSIST) for a in assists]]:
        Assignment.objects.create(
            message=message,
            mode=AssignmentMode.ASSIGN,
            role=role,
            from_org=message.office,
            to_org=org,
            requirements=requirements.strip(),
            due_date=deadline,
            created_by=actor,
            created_at=now,
        )
    message.status = Status.ASSIGNED
    message.unit = lead
    message.current_due = deadline
    message.save()
    _record(
        message=message,
        action="assign",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={
            "lead": lead.name,
            "lead_code": lead.code,
            "assist": [a.name for a in assists],
            "due": deadline.isoformat(),
        },
    )
    _notify_new_work(message, [lead, *assists])
    return message


def _notify_new_work(message: Message, orgs: list[Organization]) -> None:
    staff = [u for org in orgs for u in _staff_of(org, Role.OFFICER, Role.CLERK)]
    notify(
        users=staff,
        verb="new_work",
        text=_("新的待办留言：%s") % message.public_title,
        message_id=message.pk,
        url=_url(message),
    )
    _notify_authors(
        message,
        "routed",
        _("您的留言“%(t)s”已转交 %(o)s 办理") % {"t": message.public_title, "o": orgs[0].name},
    )


def _lead_assignment(message: Message) -> Assignment:
    assignment = (
        message.assignments.filter(to_org=message.unit, role=AssignmentRole.LEAD)
        .exclude(state__in=[AssignmentState.RETURNED, AssignmentState.CANCELLED])
        .order_by("-id")
        .first()
    )
    if assignment is None:
        raise InvalidTransition()
    return assignment


@transaction.atomic
def sign_message(*, actor: User, message_id: int) -> Message:
    """The unit signs for the message (签收) and starts handling it."""
    message = _lock(message_id)
    _check(actor, message, "sign")
    assignment = _lead_assignment(message)
    before = message.status
    assignment.state = AssignmentState.SIGNED
    assignment.signed_at = timezone.now()
    assignment.save(update_fields=["state", "signed_at"])
    if assignment.mode == AssignmentMode.TRANSFER:
        # A transfer hands the whole message over: the new body is now the office too.
        message.office = assignment.to_org
    message.status = Status.IN_HANDLING
    message.save()
    _record(message=message, action="sign", from_status=before, actor=actor, actor_org=message.unit)
    return message


@transaction.atomic
def return_message(*, actor: User, message_id: int, reason: str) -> Message:
    """The unit returns the message as not theirs (退回), back to the office to route again."""
    message = _lock(message_id)
    _check(actor, message, "return")
    reason = _text(reason, field_name="reason", label=_("退回理由"), min_len=4, max_len=500)
    assignment = _lead_assignment(message)
    before = message.status
    unit = message.unit
    now = timezone.now()
    message.assignments.filter(state__in=[AssignmentState.PENDING, AssignmentState.SIGNED]).update(
        state=AssignmentState.RETURNED, returned_at=now
    )
    Assignment.objects.filter(pk=assignment.pk).update(return_reason=reason)
    message.office = assignment.from_org
    message.unit = None
    message.status = Status.ACCEPTED
    message.return_count = message.return_count + 1
    # The office must route it again within the accept rule.
    message.current_due = due_date(
        start=_today(), organization=message.office, kind=message.kind, step=Step.ACCEPT
    )
    message.save()
    _record(
        message=message,
        action="return",
        from_status=before,
        actor=actor,
        actor_org=unit,
        details={
            "reason": reason,
            "from": unit.name if unit else "",
            "repeated": message.return_count > 1,
        },
    )
    notify(
        users=_staff_of(message.office, Role.CLERK),
        verb="returned",
        text=_("留言“%(t)s”被退回：%(r)s") % {"t": message.public_title, "r": reason},
        message_id=message.pk,
        url=_url(message),
    )
    return message


# ---------------------------------------------------------------------------
# Replies
# ---------------------------------------------------------------------------


def _reply_text(body: str) -> str:
    return _text(body, field_name="body", label=_("回复内容"), min_len=10, max_len=5000)


@transaction.atomic
def reply_interim(*, actor: User, message_id: int, body: str) -> Reply:
    """Publish an interim reply (阶段性回复); the message stays in handling."""
    message = _lock(message_id)
    _check(actor, message, "reply_interim")
    text = _reply_text(body)
    now = timezone.now()
    reply = Reply.objects.create(
        message=message,
        organization=message.unit or message.office,
        author=actor,
        kind=ReplyKind.INTERIM,
        body=text,
        public_body=public_text(text),
        state=ReplyState.PUBLISHED,
        created_at=now,
        published_at=now,
    )
    if message.first_reply_at is None:
        message.first_reply_at = now
        message.save(update_fields=["first_reply_at", "updated_at"])
    _record(
        message=message,
        action="reply_interim",
        from_status=message.status,
        actor=actor,
        actor_org=reply.organization,
        details={"reply": reply.pk},
    )
    _notify_authors(
        message, "interim_reply", _("您的留言“%s”有了阶段性回复") % message.public_title
    )
    return reply


@transaction.atomic
def reply_final(*, actor: User, message_id: int, body: str, resolution: str) -> Reply:
    """Write the final reply (正式回复); published now, or after the office's review."""
    message = _lock(message_id)
    _check(actor, message, "reply_final")
    text = _reply_text(body)
    valid = {r.value for r in Resolution} - {"", Resolution.REJECTED}
    if resolution not in valid:
        raise InvalidInput(fields={"resolution": [_("请选择办理结果")]})
    needs_review = message.office.requires_reply_review()
    now = timezone.now()
    reply = Reply.objects.create(
        message=message,
        organization=message.unit or message.office,
        author=actor,
        kind=ReplyKind.FINAL,
        body=text,
        public_body=public_text(text),
        resolution=resolution,
        state=ReplyState.PENDING_REVIEW if needs_review else ReplyState.PUBLISHED,
        created_at=now,
        published_at=None if needs_review else now,
    )
    before = message.status
    if needs_review:
        message.status = Status.REVIEWING
        message.save()
        _record(
            message=message,
            action="reply_final",
            from_status=before,
            actor=actor,
            actor_org=reply.organization,
            details={"reply": reply.pk, "review": True},
            public=False,
        )
        notify(
            users=_staff_of(message.office, Role.CLERK),
            verb="review",
            text=_("待审核的回复：%s") % message.public_title,
            message_id=message.pk,
            url=_url(message),
        )
    else:
        _publish_final(message, reply)
        _record(
            message=message,
            action="reply_final",
            from_status=before,
            actor=actor,
            actor_org=reply.organization,
            details={"reply": reply.pk, "resolution": resolution},
        )
        _notify_authors(
            message, "replied", _("您的留言“%s”已正式回复，欢迎评价") % message.public_title
        )
    return reply


def _publish_final(message: Message, reply: Reply) -> None:
    now = timezone.now()
    message.status = Status.REPLIED
    message.resolution = reply.resolution
    message.replied_at = now
    if message.first_reply_at is None:
        message.first_reply_at = now
    message.current_due = None
    message.save()
    message.assignments.filter(state=AssignmentState.SIGNED).update(state=AssignmentState.DONE)


def _pending_reply(message: Message) -> Reply:
    reply = (
        message.replies.filter(kind=ReplyKind.FINAL, state=ReplyState.PENDING_REVIEW)
        .order_by("-id")
        .first()
    )
    if reply is None:
        raise InvalidTransition()
    return reply


@transaction.atomic
def approve_reply(*, actor: User, message_id: int, public_body: str | None = None) -> Reply:
    """The office approves the final reply, which becomes public."""
    message = _lock(message_id)
    _check(actor, message, "approve_reply")
    reply = _pending_reply(message)
    if public_body is not None:
        reply.public_body = _reply_text(public_body)
    reply.state = ReplyState.PUBLISHED
    reply.published_at = timezone.now()
    reply.reviewed_by = actor
    reply.save()
    before = message.status
    _publish_final(message, reply)
    _record(
        message=message,
        action="approve_reply",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={"reply": reply.pk, "resolution": reply.resolution},
    )
    _notify_authors(
        message, "replied", _("您的留言“%s”已正式回复，欢迎评价") % message.public_title
    )
    return reply


@transaction.atomic
def send_back_reply(*, actor: User, message_id: int, comment: str) -> Reply:
    """The office sends the final reply back to the unit with comments."""
    message = _lock(message_id)
    _check(actor, message, "send_back_reply")
    comment = _text(comment, field_name="comment", label=_("修改意见"), min_len=2, max_len=1000)
    reply = _pending_reply(message)
    reply.state = ReplyState.SENT_BACK
    reply.review_comment = comment
    reply.reviewed_by = actor
    reply.save()
    before = message.status
    message.status = Status.IN_HANDLING
    message.save()
    _record(
        message=message,
        action="send_back_reply",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={"reply": reply.pk, "comment": comment},
        public=False,
    )
    notify(
        users=_staff_of(message.unit, Role.OFFICER),
        verb="sent_back",
        text=_("回复被退回修改：%s") % comment,
        message_id=message.pk,
        url=_url(message),
    )
    return reply


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
        text=_("延期申请：%s") % message.public_title,
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
    from .workdays import add_working_days

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
        text=(_("延期申请已同意") if approve else _("延期申请未同意"))
        + f"：{message.public_title}",
        message_id=message.pk,
        url=_url(message),
    )
    return extension


# ---------------------------------------------------------------------------
# Rating, follow-up, closing, reopening
# ---------------------------------------------------------------------------


def _scale(value: int, name: str, label: str) -> int:
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(fields={name: [_("%s请选择 1 到 5 分") % label]})
    return value


@transaction.atomic
def evaluate_message(
    *, actor: User, message_id: int, solved: int, attitude: int, speed: int, comment: str = ""
) -> Evaluation:
    """The author rates the final reply once; a good 解决程度 closes the message."""
    message = _lock(message_id)
    _check(actor, message, "evaluate")
    scores = {
        "solved": _scale(solved, "solved", _("解决程度")),
        "attitude": _scale(attitude, "attitude", _("办理态度")),
        "speed": _scale(speed, "speed", _("办理速度")),
    }
    if len(comment) > 1000:
        raise InvalidInput(fields={"comment": [_("评价意见不能超过 1000 个字")]})
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                message=message,
                author=actor,
                comment=public_text(comment) if comment else "",
                created_at=timezone.now(),
                **scores,
            )
    except IntegrityError:
        raise Conflict(_("您已经评价过了")) from None
    before = message.status
    if message.status == Status.REPLIED and solved >= 3 and message.author_id == actor.pk:
        message.status = Status.CLOSED
        message.closed_at = timezone.now()
        message.save()
    _record(message=message, action="evaluate", from_status=before, actor=actor, details=scores)
    if solved <= 2:
        notify(
            users=_staff_of(message.office, Role.CLERK),
            verb="poor_rating",
            text=_("留言“%s”的解决程度评价较低，可决定是否重办") % message.public_title,
            message_id=message.pk,
            url=_url(message),
        )
    return evaluation


@transaction.atomic
def record_follow_up(
    *, actor: User, message_id: int, channel: str, date_: date, summary: str, satisfied: bool
) -> FollowUp:
    """The office records a follow-up (回访); a satisfied one closes a replied message."""
    message = _lock(message_id)
    _check(actor, message, "follow_up")
    from .models import FollowUpChannel

    if channel not in FollowUpChannel.values:
        raise InvalidInput(fields={"channel": [_("请选择回访方式")]})
    if date_ > _today():
        raise InvalidInput(fields={"date": [_("回访日期不能晚于今天")]})
    summary = _text(summary, field_name="summary", label=_("回访情况"), min_len=2, max_len=2000)
    follow_up = FollowUp.objects.create(
        message=message,
        actor=actor,
        channel=channel,
        date=date_,
        summary=summary,
        satisfied=satisfied,
        created_at=timezone.now(),
    )
    before = message.status
    if satisfied and message.status == Status.REPLIED:
        message.status = Status.CLOSED
        message.closed_at = timezone.now()
        message.save()
    _record(
        message=message,
        action="follow_up",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={"channel": channel, "satisfied": satisfied},
        public=False,
    )
    return follow_up


@transaction.atomic
def close_message(*, actor: User, message_id: int) -> Message:
    """The office closes a replied message (办结)."""
    message = _lock(message_id)
    _check(actor, message, "close")
    before = message.status
    message.status = Status.CLOSED
    message.closed_at = timezone.now()
    message.save()
    _record(
        message=message, action="close", from_status=before, actor=actor, actor_org=message.office
    )
    return message


@transaction.atomic
def reopen_message(*, actor: User, message_id: int, reason: str) -> Message:
    """Reopen once for re-handling (重办) after a poor rating or follow-up, with a new deadline."""
    message = _lock(message_id)
    _check(actor, message, "reopen")
    reason = _text(reason, field_name="reason", label=_("重办理由"), min_len=4, max_len=1000)
    before = message.status
    message.status = Status.IN_HANDLING
    message.reopen_count += 1
    message.closed_at = None
    message.reply_due = due_date(
        start=_today(), organization=message.office, kind=message.kind, step=Step.REPLY
    )
    message.current_due = message.reply_due
    message.extension_used = False
    message.save()
    message.assignments.filter(state=AssignmentState.DONE, role=AssignmentRole.LEAD).update(
        state=AssignmentState.SIGNED
    )
    _record(
        message=message,
        action="reopen",
        from_status=before,
        actor=actor,
        actor_org=message.office,
        details={"reason": reason, "due": message.reply_due.isoformat()},
    )
    _notify_authors(message, "reopened", _("您的留言“%s”已发回重办") % message.public_title)
    notify(
        users=_staff_of(message.unit, Role.OFFICER),
        verb="reopened",
        text=_("留言发回重办：%s") % reason,
        message_id=message.pk,
        url=_url(message),
    )
    return message


# ---------------------------------------------------------------------------
# Supports
# ---------------------------------------------------------------------------


def support_message(*, actor: User, message_id: int) -> Message:
    """A citizen's "me too" (附议); once per person, counted on the message."""
    with transaction.atomic():
        message = _lock(message_id)
        _check(actor, message, "support")
        try:
            with transaction.atomic():
                Support.objects.create(message=message, user=actor)
        except IntegrityError:
            raise Conflict(_("您已附议过该留言")) from None
        Message.objects.filter(pk=message.pk).update(support_count=F("support_count") + 1)
        _record(
            message=message, action="support", from_status=message.status, actor=actor, public=False
        )
    message.refresh_from_db(fields=["support_count"])
    return message


def staff_members(org: Organization, *roles: str) -> list[User]:
    """Public helper for other apps: who works at ``org`` in ``roles``."""
    return _staff_of(org, *roles)


def memberships_of(user: User) -> list[Membership]:
    """A user's staff roles, for the workbench header."""
    return list(user.memberships.select_related("organization"))


# The building blocks, for sibling apps' actions on messages (supervision).
lock_message = _lock
check_action = _check
record_event = _record
authors_of = _authors
message_url = _url
