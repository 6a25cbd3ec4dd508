"""Suggestion campaigns (建言征集) and urgent-concerns collections (急难愁盼问题征集).

A campaign's phase (upcoming, open, closed) is never stored: it is a query over
its open and close datetimes, so a campaign closes itself at the close date.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liuyanban.lifecycle.models import PUBLIC_STATUSES, Message


class CampaignKind(models.TextChoices):
    SUGGESTION = "suggestion", _("建言征集")
    URGENT = "urgent", _("急难愁盼问题征集")


class Phase(models.TextChoices):
    UPCOMING = "upcoming", _("即将开始")
    OPEN = "open", _("征集中")
    CLOSED = "closed", _("已结束")


class CampaignQuerySet(models.QuerySet["Campaign"]):
    """Phases as queries over the stored dates."""

    def open(self, now: datetime | None = None) -> CampaignQuerySet:
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)

    def upcoming(self, now: datetime | None = None) -> CampaignQuerySet:
        return self.filter(opens_at__gt=now or timezone.now())

    def closed(self, now: datetime | None = None) -> CampaignQuerySet:
        return self.filter(closes_at__lte=now or timezone.now())


class Campaign(models.Model):
    """A themed call for suggestions hosted by one organisation."""

    host = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("主办单位"),
    )
    kind = models.CharField(
        _("类型"), max_length=12, choices=CampaignKind.choices, default=CampaignKind.SUGGESTION
    )
    title = models.CharField(_("主题"), max_length=80)
    description = models.TextField(_("说明"))
    cover = models.FileField(_("封面图片"), upload_to="campaigns/", blank=True, default="")
    cover_type = models.CharField(max_length=20, blank=True, default="")
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    domains = models.ManyToManyField(
        "taxonomy.Domain", blank=True, related_name="campaigns", verbose_name=_("涉及领域")
    )
    # [{"key": "...", "label": "...", "required": bool, "max_length": int}]
    questions = models.JSONField(_("征集问题"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    topics_computed_at = models.DateTimeField(null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("征集活动")
        verbose_name_plural = _("征集活动")
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["opens_at", "closes_at"], name="campaign_dates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="campaign_closes_after_open"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def phase(self, now: datetime | None = None) -> str:
        """Where the campaign stands at ``now``, derived from its dates."""
        now = now or timezone.now()
        if now < self.opens_at:
            return Phase.UPCOMING
        if now >= self.closes_at:
            return Phase.CLOSED
        return Phase.OPEN

    @property
    def phase_label(self) -> str:
        return str(Phase(self.phase()).label)


class SuggestionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已公开")
    REJECTED = "rejected", _("未通过")


class TopicGroup(models.Model):
    """One topic found in a campaign's suggestions: key terms, size, representatives."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="topic_groups")
    rank = models.PositiveIntegerField(default=0)
    label_terms = models.JSONField(default=list)
    size = models.PositiveIntegerField(default=0)
    representative_ids = models.JSONField(default=list)
    sentences = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("主题分组")
        verbose_name_plural = _("主题分组")
        ordering = ["campaign", "rank"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return "、".join(self.label_terms[:4])


class Suggestion(models.Model):
    """A citizen's suggestion (建言) or concern in one campaign, moderated like a message."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="suggestions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="campaign_suggestions",
    )
    nickname = models.CharField(_("昵称"), max_length=30, blank=True, default="")
    region = models.ForeignKey(
        "organizations.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("所在地区"),
    )
    domain = models.ForeignKey(
        "taxonomy.Domain",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("领域"),
    )
    title = models.CharField(_("标题"), max_length=50)
    body = models.TextField(_("内容"))
    answers = models.JSONField(default=dict, blank=True)
    public_title = models.CharField(max_length=50, blank=True, default="")
    public_body = models.TextField(blank=True, default="")
    public_answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.SUBMITTED,
    )
    reject_reason = models.CharField(max_length=500, blank=True, default="")
    submitted_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    support_count = models.PositiveIntegerField(default=0)
    adopted = models.BooleanField(_("已采纳"), default=False)
    adopted_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(_("采纳回应"), blank=True, default="")
    topic = models.ForeignKey(
        TopicGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    # The smallest id of its near-duplicate group (null when it has no near-duplicate).
    similar_group = models.BigIntegerField(null=True, blank=True)
    message = models.ForeignKey(
        "lifecycle.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaign_suggestions",
    )
    idempotency_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("建言")
        verbose_name_plural = _("建言")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="uniq_suggestion_idempotency",
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "-id"], name="sugg_campaign_new"),
            models.Index(
                fields=["campaign", "status", "-support_count", "-id"], name="sugg_campaign_support"
            ),
            models.Index(fields=["campaign", "adopted"], name="sugg_campaign_adopted"),
            models.Index(fields=["author", "campaign", "-submitted_at"], name="sugg_author"),
        ]

    def __str__(self) -> str:
        return self.public_title or self.title

    @property
    def public_message(self) -> Message | None:
        """The message it became, once that message is public (a link anyone may follow)."""
        m = self.message
        if m is None or m.status not in PUBLIC_STATUSES or m.canonical_id is not None:
            return None
        return m


class SuggestionSupport(models.Model):
    """One person's support (附议) of a suggestion."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "user"], name="uniq_suggestion_support")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.suggestion_id}"


class CampaignEvent(models.Model):
    """Append-only record of every change to a campaign or one of its suggestions."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    suggestion = models.ForeignKey(
        Suggestion, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("征集记录")
        verbose_name_plural = _("征集记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} #{self.suggestion_id or self.campaign_id}"
