"""Campaigns and suggestions as the API shows them: what the caller may see and do.

What a caller may do (``available_actions``) and see (``visible_fields``) comes from
``campaigns.permissions``, looked up once per page through one ``Viewer``: the pages
and the API answer from the same rule.
"""

from __future__ import annotations

from liuyanban.accounts.selectors import AnyUser
from liuyanban.campaigns import permissions
from liuyanban.campaigns.models import Campaign, Suggestion, TopicGroup
from liuyanban.campaigns.permissions import Viewer

from .schemas import ref

# The campaign-level hints this API documents (editing a campaign is a web page only).
CAMPAIGN_ACTIONS = ("submit", "review", "moderate", "adopt")
# The suggestion actions this API has endpoints for (turning one into a message is a web page).
SUGGESTION_ACTIONS = ("support", "publish", "reject", "adopt")


def campaign_summary(c: Campaign) -> dict[str, object]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "title": c.title,
        "host": ref(c.host),
        "phase": c.phase(),
        "phase_label": c.phase_label,
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "cover_url": c.cover.url if c.cover else None,
    }


def campaign_detail(user: AnyUser, c: Campaign) -> dict[str, object]:
    allowed = permissions.campaign_actions(user, c)
    return {
        **campaign_summary(c),
        "description": c.description,
        "domains": [ref(d) for d in c.domains.order_by("sort_order", "pk")],
        "questions": c.questions,
        "topics_computed_at": c.topics_computed_at,
        "available_actions": [a for a in allowed if a in CAMPAIGN_ACTIONS],
    }


def answers(campaign: Campaign, given: dict[str, str]) -> list[dict[str, str]]:
    labels = {q["key"]: q["label"] for q in campaign.questions}
    return [{"key": k, "label": labels.get(k, k), "value": v} for k, v in given.items()]


def suggestion(v: Viewer, s: Suggestion) -> dict[str, object]:
    """A suggestion as the caller may see it: public text for all, the original for insiders."""
    shown = permissions.visible_fields(v.user, s, v=v)
    allowed = permissions.available_actions(v.user, s, v=v)
    public = s.public_message
    return {
        "id": s.pk,
        "campaign": s.campaign_id,
        "status": s.status,
        "status_label": s.get_status_display(),
        "title": s.public_title,
        "body": s.public_body,
        "answers": answers(v.campaign, s.public_answers),
        "nickname": s.nickname,
        "region": ref(s.region),
        "domain": ref(s.domain),
        "submitted_at": s.submitted_at,
        "published_at": s.published_at,
        "support_count": s.support_count,
        "supported": s.pk in v.supported,
        "adopted": s.adopted,
        "adopted_at": s.adopted_at,
        "response": s.response,
        "topic": (
            {"id": s.topic.pk, "label": s.topic.label}
            if permissions.TOPIC in shown and s.topic
            else None
        ),
        "message": public.tracking_number if public and permissions.MESSAGE in shown else None,
        "reject_reason": s.reject_reason if permissions.REJECT_REASON in shown else None,
        "original": (
            {"title": s.title, "body": s.body, "answers": answers(v.campaign, s.answers)}
            if permissions.ORIGINAL in shown
            else None
        ),
        "available_actions": [a for a in allowed if a in SUGGESTION_ACTIONS],
    }


def topic(t: TopicGroup) -> dict[str, object]:
    return {
        "id": t.pk,
        "rank": t.rank,
        "label": t.label,
        "terms": t.label_terms,
        "size": t.size,
        "representative_ids": t.representative_ids,
        "sentences": t.sentences,
    }
