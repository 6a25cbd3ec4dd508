"""Admin for the lifecycle's settings: the working-day calendar, deadline rules, reasons.

Messages themselves are never edited here: every change goes through an action that
writes its event (the staff workbench).
"""

from __future__ import annotations

from django.contrib import admin

from .models import CalendarOverride, DeadlineRule, ReasonTemplate


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A day the official calendar gets wrong, or a year it does not know yet.

    Saving or deleting one clears the working-day cache (``lifecycle.workdays``):
    deadlines computed afterwards use it at once.
    """

    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"
    ordering = ["-date"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Working days per step; the most specific (organisation, kind) rule wins."""

    list_display = ["step", "organization", "kind", "working_days"]
    list_filter = ["step", "kind"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization", "kind"]


@admin.register(ReasonTemplate)
class ReasonTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The reasons and reply texts staff pick from."""

    list_display = ["kind", "text", "sort_order"]
    list_filter = ["kind"]
    list_editable = ["sort_order"]
    search_fields = ["text"]
