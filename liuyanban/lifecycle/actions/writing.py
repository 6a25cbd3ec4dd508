"""Writing a message: validation, rate limits, idempotency, attachments."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liuyanban.accounts.models import User
from liuyanban.accounts.nicknames import public_nickname
from liuyanban.core import jobs, ratelimit
from liuyanban.core.clientip import client_network
from liuyanban.core.errors import (
    InvalidInput,
)
from liuyanban.core.inputs import checked_text as _text
from liuyanban.organizations.models import Board, Region
from liuyanban.taxonomy.models import Domain, Kind

from .. import lookups
from ..attachments import Upload, check_uploads
from ..models import (
    Attachment,
    Message,
    MessageContact,
    Status,
)
from ..redaction import Identity, public_text
from ._base import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN, _record

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


# A day holds a million numbers; eight draws in a row all taken would need ~full days.
TRACKING_ATTEMPTS = 8


def new_tracking_number() -> str:
    """A short, unguessable, human-friendly number: LY + date + 6 random digits."""
    return f"LY{timezone.localdate():%y%m%d}{secrets.randbelow(10**6):06d}"


def _create_with_fresh_number(fields: dict[str, Any]) -> Message:
    """Create the message under a tracking number no other message has.

    The number stays random (unguessable), so two submissions can draw the same one
    (a few a day at thousands a day); the loser of that draw draws again. Each try runs
    in a savepoint so the surrounding transaction survives the refused insert.
    """
    for attempt in range(TRACKING_ATTEMPTS):
        number = new_tracking_number()
        try:
            with transaction.atomic():
                return Message.objects.create(tracking_number=number, **fields)
        except IntegrityError:
            taken = Message.objects.filter(tracking_number=number).exists()
            if not taken or attempt == TRACKING_ATTEMPTS - 1:
                raise  # another constraint (the idempotency key), or luck beyond belief
    raise AssertionError("unreachable")


def _submission_rules() -> tuple[ratelimit.Rule, ratelimit.Rule]:
    """(per author per calendar day, per network per hour), limits from settings."""
    limits = settings.LIUYANBAN
    return (
        ratelimit.Rule(
            "message-author",
            limit=limits["MESSAGES_PER_AUTHOR_PER_DAY"],
            window=86400,
            message=gettext_lazy("您今天提交的留言已达上限，请明天再试"),
        ),
        ratelimit.Rule(
            "message-ip",
            limit=limits["MESSAGES_PER_IP_PER_HOUR"],
            window=3600,
            message=gettext_lazy("该网络提交的留言过多，请稍后再试"),
        ),
    )


def _take_rate_limits(author: User | None, ip: str | None) -> None:
    """Count this submission against its author and its network, atomically; refuse past either."""
    per_author, per_ip = _submission_rules()
    ratelimit.take(
        (per_author, str(author.pk) if author is not None else None),
        (per_ip, client_network(ip) if ip else None),
    )


def _give_back_rate_limits(author: User | None, ip: str | None) -> None:
    """A submission that turned out to be a repeat costs nothing."""
    per_author, per_ip = _submission_rules()
    if author is not None:
        ratelimit.give_back(per_author, str(author.pk))
    if ip:
        ratelimit.give_back(per_ip, client_network(ip))


def _validate_draft(draft: Draft) -> tuple[Board, Domain, Kind, Region | None]:
    errors: dict[str, list[str]] = {}
    # Remembered per process (lookups.py); whether they are active is checked every time.
    board = lookups.boards.get(draft.board_id)
    if board is None or not board.is_active:
        board = None
        errors["board"] = [_("请选择留言对象")]
    domain = lookups.domains.get(draft.domain_id)
    if domain is None or not domain.is_active:
        domain = None
        errors["domain"] = [_("请选择领域")]
    kind = lookups.kinds.get(draft.kind_id)
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
    try:
        public_nickname(draft.nickname, fallback="")
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(fields=errors)
    assert board is not None and domain is not None and kind is not None
    # A stated region is finer; otherwise the message belongs where its board's body is.
    if region is None:
        region = board.organization.region
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
    _take_rate_limits(author, ip)
    try:
        with transaction.atomic(), jobs.batch():
            message = _create_message(author, draft, board, domain, kind, region, ip)
            for image in images:
                Attachment.objects.create(
                    message=message,
                    file=image.as_file(),
                    content_type=image.content_type,
                    extension=image.extension,
                    size=len(image.data),
                    sha256=image.sha256,
                    width=image.width,
                    height=image.height,
                )
            _record(message=message, action="submit", from_status="", actor=author)
    except IntegrityError:
        # Two identical submissions raced: the other one won; return it.
        existing = Message.objects.filter(
            author=author, idempotency_key=draft.idempotency_key
        ).first()
        if existing is None or not draft.idempotency_key:
            raise
        _give_back_rate_limits(author, ip)
        return existing
    return message


def _draft_identity(author: User | None, draft: Draft) -> Identity:
    """The writer's own names and numbers, which the public version must not show."""
    names = [draft.contact.real_name, author.real_name if author else ""]
    nicknames = [draft.nickname, author.nickname if author else ""]
    numbers = [draft.contact.phone, author.phone if author else ""]
    return Identity(
        names=tuple(n.strip() for n in names if n.strip()),
        nicknames=tuple(n.strip() for n in nicknames if n.strip()),
        numbers=tuple(n.strip() for n in numbers if n.strip()),
    )


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
    who = _draft_identity(author, draft)
    fields = dict(
        board=board,
        office=board.organization,
        author=author,
        author_nickname=public_nickname(
            draft.nickname, fallback=(author.nickname if author else "") or _("网友")
        )[:30],
        source=draft.source,
        external_id=draft.external_id,
        domain=domain,
        kind=kind,
        region=region,
        location=draft.location.strip(),
        title=title,
        body=body,
        # The suggested public version; the moderator confirms or edits it.
        public_title=public_text(title, who)[:50],
        public_body=public_text(body, who),
        public_location=public_text(draft.location.strip(), who)[:200],
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
        idempotency_key=draft.idempotency_key[:64],
        submit_ip=ip,
    )
    message = _create_with_fresh_number(fields)
    c = draft.contact
    MessageContact.objects.create(
        message=message,
        real_name=c.real_name[:50],
        phone=c.phone[:30],
        email=c.email[:254],
        address=c.address[:200],
    )
    return message
