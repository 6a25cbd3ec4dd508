"""The platform's shared counters (rate limits); everything else lives in domain apps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RateCounter(models.Model):
    """One rate-limit counter: a key (scope, subject, window), its count, when it can go.

    Written only by ``core.ratelimit`` with atomic statements; ``blocked_until`` is
    used by the growing-delay gates (logins).
    """

    key = models.CharField(max_length=200, unique=True)
    count = models.IntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("频率限制计数")
        verbose_name_plural = _("频率限制计数")

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
