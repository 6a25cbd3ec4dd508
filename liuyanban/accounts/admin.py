"""Admin for people: accounts with their staff posts, codes and failed logins (read-only)."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Membership, User, VerificationCode

_M = TypeVar("_M", bound=Model)


class MembershipInline(admin.TabularInline[Membership, User]):
    """A user's staff posts, edited on the user's page."""

    model = Membership
    extra = 0
    raw_id_fields = ["organization"]
    fields = ["organization", "role", "title", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    """Django's user admin plus contacts, nickname and the private real name."""

    inlines = [MembershipInline]
    list_display = [
        "username",
        "nickname",
        "phone",
        "phone_verified",
        "email",
        "email_verified",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "phone_verified", "email_verified"]
    search_fields = ["username", "phone", "email", "nickname", "real_name"]
    ordering = ["-date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("公开资料"), {"fields": ["nickname"]}),
        (
            _("联系方式（不公开）"),
            {"fields": ["real_name", "phone", "phone_verified", "email", "email_verified"]},
        ),
        (
            _("权限"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("时间"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "phone", "email", "nickname", "password1", "password2"],
            },
        ),
    ]


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Rows written only by the application; admins may look and delete, not edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(VerificationCode)
class VerificationCodeAdmin(ReadOnlyAdmin[VerificationCode]):
    """Sent codes: when, to whom, how many guesses. The hash is never shown."""

    list_display = ["target", "purpose", "created_at", "expires_at", "attempts", "used_at"]
    list_filter = ["purpose"]
    search_fields = ["target"]
    exclude = ["code_hash"]
    date_hierarchy = "created_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin[AuditEntry]):
    """Changes to accounts and staff posts made by onboarding: look only, never edit or delete."""

    list_display = ["at", "action", "user", "organization", "role", "title", "actor", "via"]
    list_filter = ["action", "role"]
    search_fields = ["user__username", "user__phone", "user__email", "organization__code", "via"]
    raw_id_fields = ["user", "actor", "organization"]
    date_hierarchy = "at"

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False
