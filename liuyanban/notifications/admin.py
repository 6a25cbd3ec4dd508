"""Admin for notifications: a read-only record of what each user was told."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Written only by ``notifications.actions.notify``; read here, never edited."""

    list_display = ["user", "verb", "text", "created_at", "read_at", "emailed"]
    list_filter = ["verb", "emailed"]
    search_fields = ["user__username", "text"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
