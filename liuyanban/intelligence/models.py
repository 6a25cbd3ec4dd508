"""Records the intelligence writes: predictions, model versions, findings, signatures, duplicate links.

The intelligence app listens to the lifecycle and keeps these rows; it never
changes a message's status. Staff confirm or correct predictions through actions,
and those corrections become training data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A staff member's explanation of a feedback mark (hot issues, reply quality), at most.
NOTE_MAX = 500


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
    """Redaction suggestions, content flags and content words found at intake."""

    message = models.OneToOneField(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="insight"
    )
    findings = models.JSONField(default=list)
    flags = models.JSONField(default=list)
    # Distinct content words of title and body (personal data left out): what routing
    # learns from and shows staff as evidence.
    keywords = models.JSONField(default=list, blank=True)
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


class HotIssueStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class HotIssue(models.Model):
    """A group of published messages about one place or population and one problem, with its heat.

    Rows are written by ``intelligence.hot.store`` only; a message belongs to at most one issue.
    Closed issues were merged into another one or fell out of the time window.
    """

    label = models.CharField(_("地点/人群"), max_length=100)
    description = models.CharField(_("问题描述"), max_length=200, blank=True, default="")
    heat = models.FloatField(_("热度指数"), default=0.0)
    first_at = models.DateTimeField(_("首条留言时间"))
    last_at = models.DateTimeField(_("最近留言时间"))
    message_count = models.PositiveIntegerField(_("留言数"), default=0)
    author_count = models.PositiveIntegerField(_("留言人数"), default=0)
    supports = models.PositiveIntegerField(_("点赞数"), default=0)
    region = models.ForeignKey(
        "organizations.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    office = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hot_issues",
        verbose_name=_("责任单位"),
    )
    status = models.CharField(
        max_length=10, choices=HotIssueStatus.choices, default=HotIssueStatus.ACTIVE
    )
    rank = models.PositiveIntegerField(_("热度排名"), null=True, blank=True)
    rising = models.BooleanField(_("快速上升"), default=False)
    warned_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("热点问题")
        verbose_name_plural = _("热点问题")
        ordering = ["-heat", "pk"]
        indexes = [models.Index(fields=["status", "-heat"], name="hot_status_heat")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.label} {self.heat:.2f}"


class HotIssueMember(models.Model):
    """A message's place in a hot issue (one issue per message)."""

    issue = models.ForeignKey(HotIssue, on_delete=models.CASCADE, related_name="members")
    message = models.OneToOneField(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="hot_membership"
    )

    class Meta:
        verbose_name = _("热点问题留言")
        verbose_name_plural = _("热点问题留言")

    def __str__(self) -> str:
        return f"{self.issue_id}:{self.message_id}"


class HotIssueVerdict(models.TextChoices):
    NOT_ONE_ISSUE = "not_one_issue", _("不是同一问题")
    NOT_HOT = "not_hot", _("不算热点")
    WRONG_LABEL = "wrong_label", _("地点或描述不准确")


class HotIssueFeedback(models.Model):
    """A staff member's mark that a hot issue is wrong, kept for the next improvement."""

    issue = models.ForeignKey(HotIssue, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(_("判断"), max_length=20, choices=HotIssueVerdict.choices)
    note = models.CharField(_("说明"), max_length=NOTE_MAX, blank=True, default="")
    # What the issue looked like when it was marked: rows change as messages come in.
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("热点问题纠错")
        verbose_name_plural = _("热点问题纠错")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.verdict}"


class QualityVerdict(models.TextChoices):
    TOO_HIGH = "too_high", _("评分偏高（回复实际较差）")
    TOO_LOW = "too_low", _("评分偏低（回复实际合格）")
    WRONG_MISSING = "wrong_missing", _("缺少要素判断有误")


class QualityFeedback(models.Model):
    """A staff member's mark that a reply-quality score was wrong, with the scores shown."""

    message = models.ForeignKey(
        "lifecycle.Message", on_delete=models.CASCADE, related_name="quality_feedback"
    )
    reply = models.ForeignKey(
        "lifecycle.Reply", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The draft text when no reply was saved yet (the reply editor's check).
    text = models.TextField(blank=True, default="")
    scores = models.JSONField(default=dict)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(_("判断"), max_length=20, choices=QualityVerdict.choices)
    note = models.CharField(_("说明"), max_length=NOTE_MAX, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("答复质量纠错")
        verbose_name_plural = _("答复质量纠错")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.verdict}"
