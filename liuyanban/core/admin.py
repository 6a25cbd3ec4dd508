from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import RateCounter


@admin.register(RateCounter)
class RateCounterAdmin(admin.ModelAdmin[RateCounter]):
    """Rate-limit counters (database store); deleting a row lifts that limit at once."""

    list_display = ["key", "count", "expires_at", "blocked_until"]
    search_fields = ["key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False
