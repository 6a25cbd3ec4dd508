"""Admin for the directory: regions, bodies with their boards, boards, unit templates."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from .loading.sync import repair_paths
from .models import Board, Organization, Region, RegionCorrection, UnitTemplate


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Administrative divisions; normally written by ``load_directory``."""

    list_display = ["code", "name", "level", "parent", "longitude", "latitude"]
    list_filter = ["level"]
    search_fields = ["code", "name", "pinyin"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


class BoardInline(admin.TabularInline):
    """A body's boards, edited on the body's page."""

    model = Board
    extra = 0
    fields = [
        "code",
        "name",
        "kind",
        "leader_title",
        "leader_name",
        "leader",
        "sort_order",
        "is_active",
    ]
    raw_id_fields = ["leader"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Party and government bodies and their units (about 55,000 rows nationally)."""

    list_display = ["name", "code", "kind", "level", "parent", "region", "is_active"]
    list_filter = ["kind", "level", "is_active"]
    # pinyin holds "changshashi css", so both full pinyin and initials find a body
    search_fields = ["name", "short_name", "code", "pinyin"]
    autocomplete_fields = ["parent", "region"]
    filter_horizontal = ["domains"]
    readonly_fields = ["path", "created_at", "updated_at"]
    list_select_related = ["parent", "region"]
    inlines = [BoardInline]

    def save_model(
        self, request: HttpRequest, obj: Organization, form: ModelForm[Any], change: bool
    ) -> None:
        """Saving recomputes this body's path; moving it must also fix the paths below."""
        old_path = Organization.objects.filter(pk=obj.pk).values_list("path", flat=True).first()
        super().save_model(request, obj, form, change)
        if old_path and old_path != obj.path:
            repair_paths({old_path})


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    """Leaders' and bodies' public boards."""

    list_display = [
        "name",
        "code",
        "kind",
        "organization",
        "leader_title",
        "leader_name",
        "sort_order",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "pinyin", "leader_name", "organization__name"]
    autocomplete_fields = ["organization"]
    raw_id_fields = ["leader"]
    list_select_related = ["organization"]


@admin.register(UnitTemplate)
class UnitTemplateAdmin(admin.ModelAdmin):
    """The functional units every government gets when the directory is loaded."""

    list_display = ["code", "name", "province_suffix", "local_suffix", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["domains"]


@admin.register(RegionCorrection)
class RegionCorrectionAdmin(admin.ModelAdmin[RegionCorrection]):
    list_display = ["code", "former_name", "name", "note", "corrected_at"]
    search_fields = ["code", "name", "former_name"]
    readonly_fields = ["former_name", "corrected_at"]
