"""Every change in a campaign: one keyword-only action per change, one event per action.

Web pages, the API and commands call these; none of them repeats a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from liuyanban.accounts.models import Role, User
from liuyanban.accounts.nicknames import public_nickname
from liuyanban.accounts.selectors import AnyUser, has_role_over
from liuyanban.core import ratelimit, versions
from liuyanban.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RateLimited,
)
from liuyanban.core.inputs import checked_text, set_public_text
from liuyanban.core.supports import add_support
from liuyanban.lifecycle import actions as lifecycle
from liuyanban.lifecycle.attachments import Upload, check_uploads
from liuyanban.lifecycle.models import Message
from liuyanban.lifecycle.redaction import public_text
from liuyanban.notifications.actions import notify
from liuyanban.notifications.texts import notice
from liuyanban.organizations.models import Board, Organization, Region
from liuyanban.taxonomy.models import Domain, Kind

from . import permissions
from .models import (
    Campaign,
    CampaignEvent,
    CampaignKind,
    Phase,
    Suggestion,
    SuggestionStatus,
    SuggestionSupport,
)
from .transitions import TRANSITIONS

TITLE_MIN, TITLE_MAX = 5, 50
BODY_MIN, BODY_MAX = 10, 2000
MAX_QUESTIONS = 10
# Content versions of the public campaign pages (see core.versions).
CAMPAIGNS = "campaigns"


def campaign_name(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


BULK_MAX = 200
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def _limit(name: str, default: int) -> int:
    return int(settings.LIUYANBAN.get(name, default))


def _collect(errors: dict[str, list[str]], fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one validation, adding its field errors to ``errors`` instead of raising."""
    try:
        return fn(*args, **kwargs)
    except InvalidInput as exc:
        errors.update(exc.fields)
        return None


def _record(
    campaign: Campaign,
    action: str,
    actor: AnyUser | None,
    suggestion: Suggestion | None = None,
    **details: Any,
) -> CampaignEvent:
    """Append the one event of this change; the campaign's pages get a new version."""
    versions.bump_for_change(CAMPAIGNS, campaign_name(campaign.pk))
    return CampaignEvent.objects.create(
        campaign=campaign,
        suggestion=suggestion,
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        details=details,
    )


# ---------------------------------------------------------------------------
# Campaigns
# ---------------------------------------------------------------------------


@dataclass
class CampaignInput:
    """What a host fills in to create or edit a campaign."""

    host_id: int
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    kind: str = CampaignKind.SUGGESTION
    domain_ids: list[int] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    cover: Upload | None = None


def questions_from_lines(text: str) -> list[dict[str, Any]]:
    """Questions written one per line: ``*`` first means required, ``|200`` sets the length."""
    out: list[dict[str, Any]] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        required = line.startswith("*")
        label, _sep, size = line.lstrip("*").partition("|")
        max_length = int(size) if size.strip().isdigit() else 500
        key = f"q{len(out) + 1}"
        out.append(
            {"key": key, "label": label.strip(), "required": required, "max_length": max_length}
        )
    return out


def clean_questions(raw: object) -> list[dict[str, Any]]:
    """Validate the structured questions: unique keys, a label, a sane length limit."""
    if not isinstance(raw, list) or len(raw) > MAX_QUESTIONS:
        raise InvalidInput(fields={"questions": [_("最多 %d 个问题") % MAX_QUESTIONS]})
    out, keys = [], set()
    for item in raw:
        if not isinstance(item, dict):
            raise InvalidInput(fields={"questions": [_("问题格式不正确")]})
        key, label = str(item.get("key", "")), str(item.get("label", "")).strip()
        max_length = item.get("max_length", 500)
        if not _KEY.match(key) or key in keys:
            raise InvalidInput(fields={"questions": [_("问题编号“%s”无效或重复") % key[:30]]})
        if not 1 <= len(label) <= 80:
            raise InvalidInput(fields={"questions": [_("问题的标题需要 1 到 80 个字")]})
        if not isinstance(max_length, int) or not 1 <= max_length <= BODY_MAX:
            raise InvalidInput(fields={"questions": [_("问题的字数上限需在 1 到 2000 之间")]})
        keys.add(key)
        out.append(
            {
                "key": key,
                "label": label,
                "required": bool(item.get("required")),
                "max_length": max_length,
            }
        )
    return out


def _validate_campaign(actor: AnyUser, data: CampaignInput) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    host = Organization.objects.filter(pk=data.host_id).first()
    if host is None:
        errors["host"] = [_("请选择主办单位")]
    elif not permissions.can_host(actor, host):
        raise NotPermitted(_("您不能以该单位名义发起征集"))
    title = _collect(
        errors, checked_text, data.title, field_name="title", label=_("主题"), min_len=4, max_len=80
    )
    description = _collect(
        errors,
        checked_text,
        data.description,
        field_name="description",
        label=_("说明"),
        min_len=10,
        max_len=5000,
    )
    if data.kind not in CampaignKind.values:
        errors["kind"] = [_("请选择征集类型")]
    if data.closes_at <= data.opens_at:
        errors["closes_at"] = [_("截止时间须晚于开始时间")]
    domains = list(Domain.objects.filter(pk__in=data.domain_ids, is_active=True))
    if len(domains) != len(set(data.domain_ids)):
        errors["domains"] = [_("领域不存在")]
    questions = _collect(errors, clean_questions, data.questions)
    cover = _collect(errors, check_uploads, [data.cover] if data.cover else [])
    if cover is None and "attachments" in errors:
        errors["cover"] = errors.pop("attachments")
    if errors:
        raise InvalidInput(fields=errors)
    return {
        "host": host,
        "title": title,
        "description": description,
        "domains": domains,
        "questions": questions,
        "cover": cover[0] if cover else None,
    }


def _apply(campaign: Campaign, data: CampaignInput, clean: dict[str, Any]) -> None:
    campaign.host = clean["host"]
    campaign.title = clean["title"]
    campaign.description = clean["description"]
    campaign.kind = data.kind
    campaign.opens_at, campaign.closes_at = data.opens_at, data.closes_at
    campaign.questions = clean["questions"]
    if clean["cover"] is not None:
        campaign.cover.save(clean["cover"].as_file().name, clean["cover"].as_file(), save=False)
        campaign.cover_type = clean["cover"].content_type
    campaign.save()
    campaign.domains.set(clean["domains"])


@transaction.atomic
def create_campaign(*, actor: AnyUser, data: CampaignInput) -> Campaign:
    """Start a campaign for an organisation the actor hosts for."""
    clean = _validate_campaign(actor, data)
    campaign = Campaign(created_by=actor if isinstance(actor, User) else None)
    _apply(campaign, data, clean)
    _record(campaign, "create", actor, title=campaign.title)
    return campaign


@transaction.atomic
def update_campaign(*, actor: AnyUser, campaign_id: int, data: CampaignInput) -> Campaign:
    """Edit a campaign (dates, text, questions); the host's staff only."""
    campaign = _lock_campaign(campaign_id)
    if not permissions.can_manage(actor, campaign):
        raise NotPermitted()
    clean = _validate_campaign(actor, data)
    _apply(campaign, data, clean)
    _record(campaign, "edit", actor)
    return campaign


def _lock_campaign(campaign_id: int) -> Campaign:
    campaign = (
        Campaign.objects.select_for_update().select_related("host").filter(pk=campaign_id).first()
    )
    if campaign is None:
        raise NotFound()
    return campaign


# ---------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------


@dataclass
class SuggestionDraft:
    """What a citizen submits; the same shape from every interface."""

    title: str
    body: str
    answers: dict[str, str] = field(default_factory=dict)
    region_id: int | None = None
    domain_id: int | None = None
    nickname: str = ""
    idempotency_key: str = ""


def _clean_answers(campaign: Campaign, answers: dict[str, str]) -> dict[str, str]:
    """Answers to the campaign's questions: required ones present, each within its length."""
    errors: dict[str, list[str]] = {}
    out = {}
    for q in campaign.questions:
        value = str(answers.get(q["key"], "") or "").strip()
        if q.get("required") and not value:
            errors[f"answer_{q['key']}"] = [_("请回答“%s”") % q["label"]]
        elif len(value) > int(q.get("max_length", 500)):
            errors[f"answer_{q['key']}"] = [_("不能超过 %d 个字") % q["max_length"]]
        elif value:
            out[q["key"]] = value
    if errors:
        raise InvalidInput(fields=errors)
    return out


def _validate_draft(campaign: Campaign, draft: SuggestionDraft) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = _collect(
        errors,
        checked_text,
        draft.title,
        field_name="title",
        label=_("标题"),
        min_len=TITLE_MIN,
        max_len=TITLE_MAX,
    )
    body = _collect(
        errors,
        checked_text,
        draft.body,
        field_name="body",
        label=_("内容"),
        min_len=BODY_MIN,
        max_len=BODY_MAX,
    )
    answers = _collect(errors, _clean_answers, campaign, draft.answers or {})
    region = None
    if draft.region_id is not None:
        region = Region.objects.filter(pk=draft.region_id).first()
        if region is None:
            errors["region"] = [_("地区不存在")]
    domain = None
    if draft.domain_id is not None:
        domain = campaign.domains.filter(pk=draft.domain_id).first()
        if domain is None:
            errors["domain"] = [_("请选择本次征集涉及的领域")]
    _collect(errors, public_nickname, draft.nickname, fallback="")
    if errors:
        raise InvalidInput(fields=errors)
    return {"title": title, "body": body, "answers": answers, "region": region, "domain": domain}


def _check_open(campaign: Campaign, now: datetime) -> None:
    phase = campaign.phase(now)
    if phase == Phase.UPCOMING:
        raise Conflict(_("征集尚未开始"))
    if phase == Phase.CLOSED:
        raise Conflict(_("征集已结束，不再接收建言"))


def _suggestion_rule() -> ratelimit.Rule:
    return ratelimit.Rule(
        "suggestion-author",
        limit=_limit("SUGGESTIONS_PER_USER_PER_CAMPAIGN_PER_DAY", 10),
        window=86400,
        message=gettext_lazy("您今天在本次征集中提交的建言已达上限，请明天再试"),
    )


def _take_rate(author: User, campaign: Campaign) -> None:
    """Count one suggestion per author and campaign today, atomically; refuse past the limit."""
    ratelimit.take((_suggestion_rule(), f"{author.pk}:{campaign.pk}"))


def submit_suggestion(
    *, author: AnyUser, campaign_id: int, draft: SuggestionDraft, now: datetime | None = None
) -> Suggestion:
    """Submit a suggestion for moderation; a repeated idempotency key returns the first one."""
    if not author.is_authenticated:
        raise NotAuthenticated()
    assert isinstance(author, User)
    key = draft.idempotency_key[:64]
    if key:
        existing = Suggestion.objects.filter(author=author, idempotency_key=key).first()
        if existing is not None:
            return existing
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound()
    # A given ``now`` replays history (the demo, imports): only live submissions count.
    live = now is None
    now = now or timezone.now()
    _check_open(campaign, now)
    clean = _validate_draft(campaign, draft)
    if live:
        _take_rate(author, campaign)
    try:
        with transaction.atomic():
            suggestion = _create_suggestion(author, campaign, draft, clean, key, now)
            _record(campaign, "submit", author, suggestion)
    except IntegrityError:
        # Two identical submissions raced: the other one won.
        existing = Suggestion.objects.filter(author=author, idempotency_key=key).first()
        if existing is None or not key:
            raise
        if live:
            ratelimit.give_back(_suggestion_rule(), f"{author.pk}:{campaign.pk}")
        return existing
    return suggestion


def _create_suggestion(
    author: User,
    campaign: Campaign,
    draft: SuggestionDraft,
    clean: dict[str, Any],
    key: str,
    now: datetime,
) -> Suggestion:
    return Suggestion.objects.create(
        campaign=campaign,
        author=author,
        nickname=public_nickname(draft.nickname, fallback=author.nickname or _("网友"))[:30],
        region=clean["region"],
        domain=clean["domain"],
        title=clean["title"],
        body=clean["body"],
        answers=clean["answers"],
        # The suggested public version; the moderator confirms or edits it.
        public_title=public_text(clean["title"])[:TITLE_MAX],
        public_body=public_text(clean["body"]),
        public_answers={k: public_text(v) for k, v in clean["answers"].items()},
        submitted_at=now,
        idempotency_key=key,
    )


def _lock_suggestion(suggestion_id: int) -> Suggestion:
    suggestion = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("campaign__host")
        .filter(pk=suggestion_id)
        .first()
    )
    if suggestion is None:
        raise NotFound()
    return suggestion


def _check(actor: AnyUser, suggestion: Suggestion, action: str) -> None:
    """The lifecycle's order: 404 (unseen, or a staff action to an outsider), 409, 403, guard."""
    row = TRANSITIONS[action]
    v = permissions.viewer(actor, suggestion.campaign, [suggestion.pk])
    if not permissions.knows_of(v, suggestion, action):
        raise NotFound()
    if suggestion.status not in row.sources:
        raise InvalidTransition(str(row.stale))
    if not permissions.PREDICATES[row.permission](v, suggestion):
        raise NotPermitted(str(row.forbidden) if row.forbidden else None)
    guard = permissions.GUARDS.get(action)
    refusal = guard(v, suggestion) if guard is not None else None
    if refusal is not None:
        raise Conflict(str(refusal))


@transaction.atomic
def publish_suggestion(
    *,
    actor: AnyUser,
    suggestion_id: int,
    public_title: str | None = None,
    public_body: str | None = None,
) -> Suggestion:
    """Publish a suggestion (审核通过), optionally with the moderator's edited public text."""
    suggestion = _lock_suggestion(suggestion_id)
    _check(actor, suggestion, "publish")
    edited = set_public_text(
        suggestion,
        title=public_title,
        body=public_body,
        title_max=TITLE_MAX,
        body_max=BODY_MAX + 200,
    )
    suggestion.status = SuggestionStatus.PUBLISHED
    suggestion.published_at = timezone.now()
    suggestion.save()
    _record(suggestion.campaign, "publish", actor, suggestion, **edited)
    return suggestion


@transaction.atomic
def reject_suggestion(*, actor: AnyUser, suggestion_id: int, reason: str) -> Suggestion:
    """Reject a suggestion with a reason the author sees (审核不通过)."""
    suggestion = _lock_suggestion(suggestion_id)
    _check(actor, suggestion, "reject")
    suggestion.reject_reason = checked_text(
        reason, field_name="reason", label=_("理由"), min_len=2, max_len=500
    )
    suggestion.status = SuggestionStatus.REJECTED
    suggestion.save()
    _record(suggestion.campaign, "reject", actor, suggestion, reason=suggestion.reject_reason)
    notify(
        users=[suggestion.author],
        verb="suggestion_rejected",
        text=notice(
            gettext_noop("您的建言“%(t)s”未通过审核：%(r)s"),
            {"t": suggestion.title, "r": suggestion.reject_reason},
        ),
        url=_suggestion_url(suggestion),
    )
    return suggestion


def _suggestion_url(suggestion: Suggestion) -> str:
    return f"/campaigns/suggestions/{suggestion.pk}/"


def support_suggestion(*, actor: AnyUser, suggestion_id: int) -> Suggestion:
    """Support (附议) a published suggestion of someone else while open; once per person."""
    if not actor.is_authenticated:
        raise NotAuthenticated()
    assert isinstance(actor, User)
    with transaction.atomic():
        suggestion = _lock_suggestion(suggestion_id)
        _check(actor, suggestion, "support")
        add_support(
            SuggestionSupport,
            target=suggestion,
            field="suggestion",
            user=actor,
            already=_("您已附议过该建言"),
        )
        _record(suggestion.campaign, "support", actor, suggestion)
    suggestion.refresh_from_db(fields=["support_count"])
    return suggestion


@transaction.atomic
def adopt_suggestion(*, actor: AnyUser, suggestion_id: int, response: str) -> Suggestion:
    """Mark a published suggestion adopted (采纳) with a public response; again edits the response."""
    suggestion = _lock_suggestion(suggestion_id)
    _check(actor, suggestion, "adopt")
    suggestion.response = checked_text(
        response, field_name="response", label=_("回应"), min_len=2, max_len=2000
    )
    action = "respond" if suggestion.adopted else "adopt"
    suggestion.adopted = True
    suggestion.adopted_at = suggestion.adopted_at or timezone.now()
    suggestion.save()
    _record(suggestion.campaign, action, actor, suggestion)
    notify(
        users=[suggestion.author],
        verb="suggestion_adopted" if action == "adopt" else "suggestion_response",
        text=notice(
            gettext_noop("您的建言“%s”已被采纳，请查看回应")
            if action == "adopt"
            else gettext_noop("您的建言“%s”的采纳回应已更新"),
            suggestion.public_title,
        ),
        url=_suggestion_url(suggestion),
    )
    return suggestion


# ---------------------------------------------------------------------------
# From suggestion to message
# ---------------------------------------------------------------------------


def _message_body(suggestion: Suggestion) -> str:
    """The suggestion's words plus its answers, as a message body within the length limit."""
    labels = {q["key"]: q["label"] for q in suggestion.campaign.questions}
    parts = [suggestion.body]
    parts += [f"{labels.get(k, k)}：{v}" for k, v in suggestion.answers.items()]
    parts.append(_("（来自征集活动“%s”）") % suggestion.campaign.title)
    return "\n".join(parts)[: lifecycle.BODY_MAX]


def convert_to_message(
    *,
    actor: AnyUser,
    suggestion_id: int,
    board_id: int,
    domain_id: int | None = None,
    kind_id: int | None = None,
) -> Message:
    """Turn a suggestion about a concrete problem into a message in the handling loop.

    The author stays the suggestion's author; a moderator's conversion is approved at
    once, anyone else's waits in moderation like every new message.
    """
    with transaction.atomic():
        suggestion = _lock_suggestion(suggestion_id)
        _check(actor, suggestion, "convert")
        board = Board.objects.select_related("organization").filter(pk=board_id).first()
        if board is None:
            raise InvalidInput(fields={"board": [_("请选择留言对象")]})
        draft = lifecycle.Draft(
            board_id=board.pk,
            domain_id=domain_id or _default_domain(suggestion),
            kind_id=kind_id or Kind.objects.get(code="help").pk,
            title=suggestion.title,
            body=_message_body(suggestion),
            region_id=suggestion.region_id,
            # Shown as before; a stored name that fails today's rule falls back to the account's.
            nickname=_collect({}, public_nickname, suggestion.nickname, fallback="") or "",
            idempotency_key=f"campaign-suggestion-{suggestion.pk}",
            source="campaign",
        )
        try:
            message = lifecycle.submit_message(author=suggestion.author, draft=draft)
        except RateLimited:
            # The author's daily message quota is theirs, not the staff member's to spend.
            raise Conflict(_("建言人今日的留言数已达上限，请明天再转为留言")) from None
        if isinstance(actor, User) and has_role_over(actor, board.organization, Role.MODERATOR):
            message = lifecycle.approve_message(actor=actor, message_id=message.pk)
        Suggestion.objects.filter(pk=suggestion.pk).update(message=message)
        _record(
            suggestion.campaign,
            "convert",
            actor,
            suggestion,
            message=message.tracking_number,
        )
    return message


def _default_domain(suggestion: Suggestion) -> int:
    if suggestion.domain_id is not None:
        return suggestion.domain_id
    first = suggestion.campaign.domains.order_by("level", "sort_order").first()
    return first.pk if first else Domain.objects.get(code="other").pk


# ---------------------------------------------------------------------------
# Topic groups
# ---------------------------------------------------------------------------


def refresh_topics(*, campaign_id: int) -> int:
    """Recompute a campaign's topic groups and near-duplicate groups; return the group count."""
    from .topics import store_topics

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound()
    count = store_topics(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(topics_computed_at=timezone.now())
    _record(campaign, "topics", None, groups=count)
    return count


def publish_suggestions(*, actor: AnyUser, suggestion_ids: list[int]) -> int:
    """Publish many suggestions at once from the review queue; each still gets its own event.

    Suggestions already moderated by someone else are skipped, not failed: two moderators
    working one large queue must not block each other.
    """
    done = 0
    for suggestion_id in suggestion_ids[:BULK_MAX]:
        try:
            publish_suggestion(actor=actor, suggestion_id=suggestion_id)
        except (Conflict, InvalidTransition):
            continue
        done += 1
    return done
