"""Admin for campaigns (suggestions are moderated on the review pages, not here)."""

from __future__ import annotations

from django.contrib import admin

from .models import Campaign, CampaignEvent, Suggestion, TopicGroup


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    list_display = ["title", "host", "kind", "opens_at", "closes_at"]
    list_filter = ["kind"]
    search_fields = ["title"]
    raw_id_fields = ["host", "created_by"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin[Suggestion]):
    list_display = ["id", "campaign", "public_title", "status", "support_count", "adopted"]
    list_filter = ["status", "adopted"]
    search_fields = ["public_title"]
    raw_id_fields = ["campaign", "author", "region", "domain", "topic", "message"]


@admin.register(TopicGroup)
class TopicGroupAdmin(admin.ModelAdmin[TopicGroup]):
    list_display = ["campaign", "rank", "label", "size"]


@admin.register(CampaignEvent)
class CampaignEventAdmin(admin.ModelAdmin[CampaignEvent]):
    list_display = ["at", "campaign", "suggestion", "action", "actor"]
    raw_id_fields = ["campaign", "suggestion", "actor"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
