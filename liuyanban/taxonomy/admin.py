"""Admin for the taxonomies: the domain tree and message kinds."""

from __future__ import annotations

from django.contrib import admin

from .models import Domain, Kind


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    """Subject domains, up to three levels (``import_taxonomy`` loads whole trees)."""

    list_display = ["name", "code", "level", "parent", "name_en", "sort_order", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Kind)
class KindAdmin(admin.ModelAdmin):
    """Message kinds: 投诉, 求助, 咨询, 建言, 感谢."""

    list_display = ["name", "code", "name_en", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["code", "name"]
