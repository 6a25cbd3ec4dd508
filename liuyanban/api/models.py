"""Models of the api app: agency tokens, webhook endpoints and their deliveries."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liuyanban.core.errors import InvalidInput

from .outbound import validate_webhook_url

TOKEN_PREFIX = "lyb_"


def hash_secret(secret: str) -> str:
    """The stored form of a token secret: its SHA-256 in hex (the secret itself is never kept)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A named, revocable bearer token of an agency's service account.

    The account's Memberships give the organisation and role; the token adds no rights.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100)
    # The first characters of the secret, so operators can tell tokens apart.
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: object, name: str) -> tuple[ApiToken, str]:
        """Create a token; the secret is returned once and only its hash is stored."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=secret[:10], key_hash=hash_secret(secret)
        )
        return token, secret

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        """Revoke now; the next request with this token gets 401."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class WebhookEndpoint(models.Model):
    """An organisation's URL that receives lifecycle events of messages within its subtree."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=100)
    # Event actions to send ("approve", "reply_final" …); empty means every event.
    event_kinds = models.JSONField(_("事件类型"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 地址")
        verbose_name_plural = _("Webhook 地址")

    def __str__(self) -> str:
        return self.url

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Every save checks the URL's form (DNS is checked again at each delivery)."""
        validate_webhook_url(self.url, resolve_name=False)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """Forms (the admin): the URL must be https and resolve to public addresses only."""
        try:
            validate_webhook_url(self.url)
        except InvalidInput as error:
            raise ValidationError(error.fields) from None

    def wants(self, action: str) -> bool:
        """Whether this endpoint subscribed to events of ``action``."""
        return not self.event_kinds or action in self.event_kinds


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("已放弃")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the payload, and every attempt's outcome."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey("lifecycle.Event", on_delete=models.CASCADE, related_name="+")
    event_kind = models.CharField(max_length=30)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="uniq_delivery_event")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_kind} → {self.endpoint_id} ({self.state})"
