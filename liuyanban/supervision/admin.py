"""Admin for supervision: rounds are editable; orders, instructions and escalations are records.

Orders, instructions and the deadline job's escalations are written by actions that
also write the message's event (``supervision.actions``, ``supervision.jobs``), so the
admin shows them read-only: an edit here would leave the timeline behind.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Escalation, Instruction, SupervisionOrder, SupervisionRound


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    """A record kept by the actions: visible, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SupervisionRound)
class SupervisionRoundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Supervision rounds (联合/年度/重点督查) over an organisation's scope."""

    list_display = ["name", "kind", "organization", "starts_on", "ends_on", "created_by"]
    list_filter = ["kind"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization", "created_by"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(_ReadOnly):
    """Supervision orders (督办单) and their responses."""

    list_display = ["message", "level", "organization", "response_due", "responded_at"]
    list_filter = ["level", "round"]
    search_fields = ["message__tracking_number", "note"]
    list_select_related = ["message", "organization"]


@admin.register(Instruction)
class InstructionAdmin(_ReadOnly):
    """Leaders' instructions (批示)."""

    list_display = ["message", "leader", "created_at"]
    search_fields = ["message__tracking_number", "text"]
    list_select_related = ["message", "leader"]


@admin.register(Escalation)
class EscalationAdmin(_ReadOnly):
    """The deadline job's notices, one per (message, deadline, level)."""

    list_display = ["message", "level", "due_date", "organization", "created_at"]
    list_filter = ["level"]
    search_fields = ["message__tracking_number"]
    list_select_related = ["message", "organization"]
