"""Supervision (督办): orders, rounds, leaders' instructions, and deadline escalations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderLevel(models.TextChoices):
    REMINDER = "reminder", _("催办")
    SUPERVISE = "supervise", _("督办")
    KEY = "key", _("挂牌督办")


class RoundKind(models.TextChoices):
    JOINT = "joint", _("联合督查")
    ANNUAL = "annual", _("年度督查")
    KEY = "key", _("重点督查")


class SupervisionRound(models.Model):
    """A named round grouping messages under supervision (联合/年度/重点督查)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=10, choices=RoundKind.choices)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="supervision_rounds"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督查批次")
        verbose_name_plural = _("督查批次")
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return self.name


class SupervisionOrder(models.Model):
    """An order on one message with a required response date."""

    message = models.ForeignKey(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="supervision_orders"
    )
    level = models.CharField(_("级别"), max_length=10, choices=OrderLevel.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    round = models.ForeignKey(
        SupervisionRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    note = models.TextField(_("督办意见"))
    response_due = models.DateField(_("反馈期限"))
    response = models.TextField(_("反馈情况"), blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        indexes = [models.Index(fields=["responded_at", "response_due"])]

    def __str__(self) -> str:
        return f"{self.get_level_display()} #{self.pk}"


class Instruction(models.Model):
    """A leader's instruction (批示) that travels with the message."""

    message = models.ForeignKey(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="instructions"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("批示内容"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")

    def __str__(self) -> str:
        return self.text[:30]


class EscalationLevel(models.TextChoices):
    WARNING = "warning", _("临期预警")
    REMINDER = "reminder", _("催办")
    YELLOW = "yellow", _("黄牌督办")
    RED = "red", _("红牌督办")


class Escalation(models.Model):
    """A deadline escalation, recorded once per (message, step deadline, level)."""

    message = models.ForeignKey(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="escalations"
    )
    level = models.CharField(max_length=10, choices=EscalationLevel.choices)
    due_date = models.DateField()
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("超期预警")
        verbose_name_plural = _("超期预警")
        constraints = [
            models.UniqueConstraint(fields=["message", "due_date", "level"], name="uniq_escalation")
        ]
        indexes = [models.Index(fields=["level", "created_at"])]

    def __str__(self) -> str:
        return f"{self.level} {self.message_id}"
