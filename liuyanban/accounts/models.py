"""People: citizens and staff, their verified contacts, and staff roles in organisations."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LiuyanbanUserManager(UserManager["User"]):
    """Users log in with a phone number or an email; the username is derived."""


class User(AbstractUser):
    """Anyone with an account. Contact data (real name, phone, email) is never public."""

    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="")
    nickname = models.CharField(_("昵称"), max_length=30, blank=True, default="")
    real_name = models.CharField(_("真实姓名"), max_length=50, blank=True, default="")
    phone_verified = models.BooleanField(_("手机已验证"), default=False)
    email_verified = models.BooleanField(_("邮箱已验证"), default=False)

    objects = LiuyanbanUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="uniq_user_phone"
            ),
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="uniq_user_email"
            ),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        """The name shown in public: the nickname, never the real name or contact."""
        return self.nickname or str(_("网友"))


class Role(models.TextChoices):
    """What a staff member does inside an organisation (and the organisations below it)."""

    MODERATOR = "moderator", _("审核员")
    CLERK = "clerk", _("受理人员")
    OFFICER = "officer", _("办理人员")
    SUPERVISOR = "supervisor", _("督查人员")
    LEADER = "leader", _("领导")
    ANALYST = "analyst", _("分析人员")
    ADMIN = "admin", _("平台管理员")


class Membership(models.Model):
    """A staff role held by a user in one organisation; scope covers its subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    title = models.CharField(_("职务"), max_length=50, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="uniq_membership")
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


class VerificationPurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    RESET = "reset", _("重置密码")
    LOGIN = "login", _("登录")


class VerificationCode(models.Model):
    """A one-time code sent to a phone or an email; only its hash is stored."""

    target = models.CharField(max_length=254, db_index=True)
    purpose = models.CharField(max_length=20, choices=VerificationPurpose.choices)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")

    def __str__(self) -> str:
        return f"{self.purpose}:{self.target}"


class AuditAction(models.TextChoices):
    ACCOUNT_CREATED = "account_created", _("创建账号")
    NAME_FILLED = "real_name_filled", _("补填姓名")
    POST_GRANTED = "post_granted", _("授予岗位")
    POST_RETITLED = "post_retitled", _("更改职务")


class AuditEntry(models.Model):
    """One change the platform made to an account or a staff post, on whose behalf, how.

    Append-only: written by the accounts actions that onboard staff, one row per change
    (an account created, a missing real name filled, a post granted or retitled).
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # Who ran it; empty when it ran from the command line without --actor.
    actor = models.ForeignKey(
        User,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        User,
        verbose_name=_("账号"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    action = models.CharField(_("操作"), max_length=30, choices=AuditAction.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(_("角色"), max_length=20, blank=True, default="", choices=Role.choices)
    title = models.CharField(_("职务"), max_length=50, blank=True, default="")
    via = models.CharField(_("途径"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("账号审计记录")
        verbose_name_plural = _("账号审计记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"
