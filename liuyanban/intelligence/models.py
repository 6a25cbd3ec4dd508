"""Records the intelligence writes: predictions, model versions, findings, signatures, duplicate links.

The intelligence app listens to the lifecycle and keeps these rows; it never
changes a message's status. Staff confirm or correct predictions through actions,
and those corrections become training data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    """A trained classifier artifact with its metrics; one active version per target."""

    target = models.CharField(max_length=10, default="domain")
    version = models.CharField(max_length=40, unique=True)
    path = models.CharField(max_length=300)
    metrics = models.JSONField(default=dict)
    n_train = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分类模型版本")
        verbose_name_plural = _("分类模型版本")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.target} {self.version}"


class Prediction(models.Model):
    """A suggested domain (or kind) for a message, and what staff decided."""

    message = models.ForeignKey(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="predictions"
    )
    target = models.CharField(max_length=10, default="domain")
    code = models.CharField(_("预测"), max_length=64)
    confidence = models.FloatField()
    alternatives = models.JSONField(default=list, blank=True)
    model_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_code = models.CharField(_("确认结果"), max_length=64, blank=True, default="")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("智能分类")
        verbose_name_plural = _("智能分类")
        constraints = [
            models.UniqueConstraint(fields=["message", "target"], name="uniq_prediction")
        ]

    def __str__(self) -> str:
        return f"{self.target}={self.code} ({self.confidence:.2f})"

    @property
    def corrected(self) -> bool:
        return bool(self.confirmed_code) and self.confirmed_code != self.code


class MessageInsight(models.Model):
    """Redaction suggestions and content flags found at intake, for the moderator."""

    message = models.OneToOneField(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="insight"
    )
    findings = models.JSONField(default=list)
    flags = models.JSONField(default=list)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    analysed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("智能审核提示")
        verbose_name_plural = _("智能审核提示")

    def __str__(self) -> str:
        return f"insight #{self.message_id}"


class MessageSignature(models.Model):
    """The MinHash signature of a message's text, for near-duplicate lookups."""

    message = models.OneToOneField(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="signature"
    )
    scheme = models.PositiveSmallIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = _("文本指纹")
        verbose_name_plural = _("文本指纹")

    def __str__(self) -> str:
        return f"signature #{self.message_id}"


class SignatureBand(models.Model):
    """One LSH band key of a message: messages sharing a key are duplicate candidates."""

    message = models.ForeignKey("lifecycle.Message", on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()

    class Meta:
        verbose_name = _("指纹分段")
        verbose_name_plural = _("指纹分段")
        indexes = [models.Index(fields=["key"], name="band_key")]

    def __str__(self) -> str:
        return f"{self.key}"


class LinkState(models.TextChoices):
    SUGGESTED = "suggested", _("疑似重复")
    MERGED = "merged", _("已合并")
    DISMISSED = "dismissed", _("不是重复")


class DuplicateLink(models.Model):
    """A near-duplicate found for a new message, for the moderator to merge or dismiss."""

    message = models.ForeignKey(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="duplicate_links"
    )
    candidate = models.ForeignKey("lifecycle.Message", on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField()
    state = models.CharField(max_length=10, choices=LinkState.choices, default=LinkState.SUGGESTED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("疑似重复留言")
        verbose_name_plural = _("疑似重复留言")
        constraints = [
            models.UniqueConstraint(fields=["message", "candidate"], name="uniq_duplicate_link")
        ]
        ordering = ["-similarity"]

    def __str__(self) -> str:
        return f"{self.message_id}~{self.candidate_id} {self.similarity:.2f}"


class WordList(models.Model):
    """A list of words that flag abusive or sensitive content; editable by admins."""

    category = models.CharField(_("类别"), max_length=30, unique=True)
    words = models.TextField(_("词语（每行一个）"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("敏感词表")
        verbose_name_plural = _("敏感词表")

    def __str__(self) -> str:
        return self.category

    def word_set(self) -> list[str]:
        return [w.strip() for w in self.words.splitlines() if w.strip()]
