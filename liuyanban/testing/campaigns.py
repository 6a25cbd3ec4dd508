"""A campaign of the test world, open now, and a suggestion in it, made through the real actions."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from liuyanban.campaigns import actions
from liuyanban.campaigns.models import Campaign, Suggestion
from liuyanban.taxonomy.models import Domain

from .world import World

SUGGESTION_BODY = "建议单位食堂推行小份菜和半份菜，按需取餐。我的电话13812345678，欢迎联系。"


def open_campaign(world: World, *, title: str = "公共机构食堂反食品浪费等您支招") -> Campaign:
    """东区's food-waste campaign, opened an hour ago for ten days."""
    now = timezone.now()
    return actions.create_campaign(
        actor=world.olga,
        data=actions.CampaignInput(
            host_id=world.east.pk,
            title=title,
            description="围绕机关食堂反对食品浪费，征集您的金点子。",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=10),
            domain_ids=[Domain.objects.get(code="urban").pk],
        ),
    )


def suggestion_in(
    world: World,
    campaign: Campaign | None = None,
    *,
    title: str = "建议食堂推行小份菜",
    body: str = "",
) -> Suggestion:
    """Alice's suggestion, awaiting moderation."""
    return actions.submit_suggestion(
        author=world.alice,
        campaign_id=(campaign or open_campaign(world)).pk,
        draft=actions.SuggestionDraft(title=title, body=body or SUGGESTION_BODY),
    )
