"""Admin for what the intelligence keeps: word lists (editable), model versions, predictions, hints."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    DuplicateLink,
    HotIssue,
    HotIssueFeedback,
    MessageInsight,
    ModelVersion,
    Prediction,
    QualityFeedback,
    WordList,
)


@admin.register(WordList)
class WordListAdmin(admin.ModelAdmin[WordList]):
    """Admins edit the abuse and sensitive-content lists here; one word per line."""

    list_display = ["category", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["category", "words"]


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin[ModelVersion]):
    list_display = ["version", "target", "is_active", "n_train", "created_at", "note"]
    list_filter = ["target", "is_active"]
    readonly_fields = ["version", "target", "path", "metrics", "n_train", "created_at", "note"]


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin[Prediction]):
    list_display = ["message", "target", "code", "confidence", "confirmed_code", "model_version"]
    list_filter = ["target", "model_version"]
    raw_id_fields = ["message", "confirmed_by"]
    search_fields = ["message__tracking_number"]


@admin.register(MessageInsight)
class MessageInsightAdmin(admin.ModelAdmin[MessageInsight]):
    list_display = ["message", "analysed_at", "duration_ms", "error"]
    raw_id_fields = ["message"]
    search_fields = ["message__tracking_number"]


@admin.register(DuplicateLink)
class DuplicateLinkAdmin(admin.ModelAdmin[DuplicateLink]):
    list_display = ["message", "candidate", "similarity", "state", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["message", "candidate"]


@admin.register(HotIssue)
class HotIssueAdmin(admin.ModelAdmin[HotIssue]):
    list_display = ["label", "description", "heat", "message_count", "status", "last_at"]
    list_filter = ["status"]
    search_fields = ["label", "description"]


@admin.register(HotIssueFeedback)
class HotIssueFeedbackAdmin(admin.ModelAdmin[HotIssueFeedback]):
    list_display = ["issue", "verdict", "note", "created_at"]
    raw_id_fields = ["issue", "user"]


@admin.register(QualityFeedback)
class QualityFeedbackAdmin(admin.ModelAdmin[QualityFeedback]):
    list_display = ["message", "verdict", "note", "created_at"]
    raw_id_fields = ["message", "reply", "user"]
