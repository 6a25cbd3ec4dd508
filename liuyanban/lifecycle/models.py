"""Messages and everything that happens to them: the lifecycle's records.

Position in the process is ``Message.status``, changed only by the actions in
``actions.py``; each change appends one ``Event``. How a message ended is the
separate ``resolution``. "Overdue" is never a status: it is a query over the
stored ``current_due`` date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Where a message is in the process."""

    SUBMITTED = "submitted", _("待审核")
    REJECTED = "rejected", _("未通过审核")
    PUBLISHED = "published", _("待受理")
    MERGED = "merged", _("已合并")
    ACCEPTED = "accepted", _("已受理")
    ASSIGNED = "assigned", _("已转交办")
    IN_HANDLING = "in_handling", _("办理中")
    REVIEWING = "reviewing", _("回复审核中")
    REPLIED = "replied", _("已回复")
    CLOSED = "closed", _("已办结")


# Status groups, so lists, dashboards and Open311 ask about the group.
PUBLIC_STATUSES = frozenset(
    {
        Status.PUBLISHED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.IN_HANDLING,
        Status.REVIEWING,
        Status.REPLIED,
        Status.CLOSED,
    }
)
PUBLIC_STATUS_VALUES = [str(s) for s in PUBLIC_STATUSES]
OPEN_STATUSES = frozenset(
    {Status.PUBLISHED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_HANDLING, Status.REVIEWING}
)
ANSWERED_STATUSES = frozenset({Status.REPLIED, Status.CLOSED})
HIDDEN_STATUSES = frozenset({Status.SUBMITTED, Status.REJECTED, Status.MERGED})
# A duplicate is merged into a message the public can already see (and not itself merged).
MERGE_TARGET_STATUSES = PUBLIC_STATUSES


class Resolution(models.TextChoices):
    """How a message ended, independent of where it is."""

    NONE = "", _("未定")
    SOLVED = "solved", _("已解决")
    PARTLY = "partly", _("部分解决")
    EXPLAINED = "explained", _("已解释说明")
    NOT_OURS = "not_ours", _("不属于受理范围")
    DUPLICATE = "duplicate", _("重复留言")
    REJECTED = "rejected", _("不予受理")


class Message(models.Model):
    """A citizen's message (留言) to a board."""

    tracking_number = models.CharField(_("留言编号"), max_length=20, unique=True)
    board = models.ForeignKey(
        "organizations.Board", on_delete=models.PROTECT, related_name="messages"
    )
    # The office that currently holds the message (the board's body, or the body it was transferred to).
    office = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="office_messages"
    )
    # The lead handling unit while it is assigned or in handling.
    unit = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unit_messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_messages",
    )
    author_nickname = models.CharField(_("昵称"), max_length=30, blank=True, default="")
    source = models.CharField(_("来源渠道"), max_length=20, default="web")
    external_id = models.CharField(_("外部编号"), max_length=80, blank=True, default="")

    domain = models.ForeignKey(
        "taxonomy.Domain", on_delete=models.PROTECT, related_name="messages", verbose_name=_("领域")
    )
    kind = models.ForeignKey(
        "taxonomy.Kind", on_delete=models.PROTECT, related_name="messages", verbose_name=_("类型")
    )
    region = models.ForeignKey(
        "organizations.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    location = models.CharField(_("地点"), max_length=200, blank=True, default="")

    # The author's original words stay private and audited; the public version is redacted.
    title = models.CharField(_("标题"), max_length=50)
    body = models.TextField(_("内容"))
    public_title = models.CharField(_("公开标题"), max_length=50, blank=True, default="")
    public_body = models.TextField(_("公开内容"), blank=True, default="")
    public_location = models.CharField(max_length=200, blank=True, default="")
    # jieba-segmented public text for Chinese full-text search (words separated by spaces).
    search_text = models.TextField(blank=True, default="", editable=False)

    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    resolution = models.CharField(
        _("办理结果"), max_length=12, choices=Resolution.choices, blank=True, default=""
    )

    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_reply_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Deadlines, computed once when a step starts (working days, chinese_calendar).
    accept_due = models.DateField(null=True, blank=True)
    reply_due = models.DateField(null=True, blank=True)
    current_due = models.DateField(null=True, blank=True)
    extension_used = models.BooleanField(default=False)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    return_count = models.PositiveSmallIntegerField(default=0)
    transfer_count = models.PositiveSmallIntegerField(default=0)
    support_count = models.PositiveIntegerField(default=0)

    canonical = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_messages"
    )
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    submit_ip = models.GenericIPAddressField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("留言")
        verbose_name_plural = _("留言")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="uniq_message_idempotency",
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="uniq_message_external_id",
            ),
        ]
        indexes = [
            # Worklists: an office's or unit's queue by status and due date.
            models.Index(fields=["office", "status", "current_due"], name="msg_office_work"),
            models.Index(fields=["unit", "status", "current_due"], name="msg_unit_work"),
            models.Index(fields=["status", "current_due"], name="msg_status_due"),
            # Public lists, newest first, keyset-paginated on (published_at, id).
            models.Index(fields=["board", "status", "-published_at", "-id"], name="msg_board_pub"),
            # The public lists ask for "any public status, not merged": a partial index
            # lets PostgreSQL read the newest rows in order instead of sorting a board.
            models.Index(
                fields=["board", "-published_at", "-id"],
                condition=Q(status__in=sorted(PUBLIC_STATUS_VALUES), canonical__isnull=True),
                name="msg_board_public",
            ),
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(status__in=sorted(PUBLIC_STATUS_VALUES), canonical__isnull=True),
                name="msg_public_newest",
            ),
            # The home page's latest answers: newest final reply first, public rows only.
            models.Index(
                fields=["-replied_at", "-id"],
                condition=Q(
                    status__in=sorted(str(s) for s in ANSWERED_STATUSES),
                    canonical__isnull=True,
                    replied_at__isnull=False,
                ),
                name="msg_public_answered",
            ),
            models.Index(fields=["status", "-published_at", "-id"], name="msg_pub"),
            models.Index(fields=["region", "-published_at"], name="msg_region_pub"),
            models.Index(fields=["domain", "-published_at"], name="msg_domain_pub"),
            models.Index(fields=["author", "-submitted_at"], name="msg_author"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.public_title or self.title}"


class MessageContact(models.Model):
    """The author's private contact data for one message. Never public."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="contact")
    real_name = models.CharField(_("真实姓名"), max_length=50, blank=True, default="")
    phone = models.CharField(_("联系电话"), max_length=30, blank=True, default="")
    email = models.EmailField(_("电子邮箱"), blank=True, default="")
    address = models.CharField(_("联系地址"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("联系方式")
        verbose_name_plural = _("联系方式")

    def __str__(self) -> str:
        return f"contact #{self.message_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Store attachments under a content hash, never under the user's file name."""
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class AttachmentState(models.TextChoices):
    """An image's own moderation: nothing is public until a moderator publishes it."""

    PENDING = "pending", _("待审核")
    PUBLISHED = "published", _("已公开")
    WITHHELD = "withheld", _("不公开")


class Attachment(models.Model):
    """An image attached to a message, re-encoded on upload (no metadata), moderated one by one."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    state = models.CharField(
        max_length=10, choices=AttachmentState.choices, default=AttachmentState.PENDING
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["state", "message"], name="attachment_state_idx")]

    def __str__(self) -> str:
        return f"{self.sha256[:12]}.{self.extension}"

    def get_absolute_url(self) -> str:
        # Served through a view that checks the moderation state, never straight from /media/.
        from django.urls import reverse

        return reverse("web:image", args=[self.pk])


def draft_image_path(instance: DraftImage, filename: str) -> str:
    return f"drafts/{instance.token[:2]}/{instance.token}.{instance.extension}"


class DraftImage(models.Model):
    """An image chosen on the write page, kept (already re-encoded) until the message is sent.

    The browser forgets chosen files after a preview; this keeps them server-side for
    their owner only, under a random token. Stale ones are purged daily.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=draft_image_path)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("草稿图片")
        verbose_name_plural = _("草稿图片")

    def __str__(self) -> str:
        return self.token


class Event(models.Model):
    """One append-only row per change: the audit log, the timeline and the outbox.

    On PostgreSQL a trigger refuses UPDATE and DELETE on this table.
    """

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_org = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(db_index=True)
    is_public = models.BooleanField(default=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        indexes = [models.Index(fields=["message", "id"], name="event_timeline")]

    def __str__(self) -> str:
        return f"{self.message_id}:{self.action}"


class AssignmentMode(models.TextChoices):
    TRANSFER = "transfer", _("转办")
    ASSIGN = "assign", _("交办")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class AssignmentState(models.TextChoices):
    PENDING = "pending", _("待签收")
    SIGNED = "signed", _("已签收")
    RETURNED = "returned", _("已退回")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


class Assignment(models.Model):
    """One hand-over of a message to a body (转办) or a unit (交办), kept in order."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="assignments")
    mode = models.CharField(max_length=10, choices=AssignmentMode.choices)
    role = models.CharField(max_length=10, choices=AssignmentRole.choices, default="lead")
    from_org = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    to_org = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="assignments"
    )
    requirements = models.TextField(_("办理要求"), blank=True, default="")
    due_date = models.DateField(_("办理期限"))
    state = models.CharField(
        max_length=10, choices=AssignmentState.choices, default=AssignmentState.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("转交办")
        verbose_name_plural = _("转交办")
        ordering = ["message", "id"]
        indexes = [models.Index(fields=["to_org", "state"], name="assignment_inbox")]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} → {self.to_org_id}"


class ReplyKind(models.TextChoices):
    INTERIM = "interim", _("阶段性回复")
    FINAL = "final", _("正式回复")


class ReplyState(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("待审核")
    PUBLISHED = "published", _("已公开")
    SENT_BACK = "sent_back", _("退回修改")


class Reply(models.Model):
    """An interim or final public reply from the handling body."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ReplyKind.choices)
    body = models.TextField(_("回复内容"))
    public_body = models.TextField(blank=True, default="")
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True, default="")
    state = models.CharField(max_length=16, choices=ReplyState.choices)
    review_comment = models.TextField(blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("回复")
        verbose_name_plural = _("回复")
        ordering = ["message", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


# A 解决程度 at or below this is 不满意: the office is told, and the author may ask for 重办.
POOR_SOLVED = 2


class Evaluation(models.Model):
    """The author's one rating of a final reply on three 1–5 scales."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="evaluations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    solved = models.PositiveSmallIntegerField(_("解决程度"))
    attitude = models.PositiveSmallIntegerField(_("办理态度"))
    speed = models.PositiveSmallIntegerField(_("办理速度"))
    comment = models.TextField(_("评价意见"), blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.UniqueConstraint(fields=["message", "author"], name="uniq_evaluation"),
            models.CheckConstraint(
                condition=Q(solved__gte=1, solved__lte=5)
                & Q(attitude__gte=1, attitude__lte=5)
                & Q(speed__gte=1, speed__lte=5),
                name="evaluation_scales_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.solved}/{self.attitude}/{self.speed}"

    @property
    def mean(self) -> float:
        return (self.solved + self.attitude + self.speed) / 3


class FollowUpChannel(models.TextChoices):
    PHONE = "phone", _("电话回访")
    VISIT = "visit", _("上门回访")
    SMS = "sms", _("短信回访")
    ONLINE = "online", _("网上回访")


class FollowUp(models.Model):
    """A follow-up visit or call (回访) recorded by the office."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="follow_ups")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=FollowUpChannel.choices)
    date = models.DateField()
    summary = models.TextField(_("回访情况"))
    satisfied = models.BooleanField(_("是否满意"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self) -> str:
        return f"follow-up #{self.pk}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("未同意")


class Extension(models.Model):
    """A request to extend the reply deadline (延期), decided by the office."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="extensions")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("延期理由"))
    working_days = models.PositiveSmallIntegerField(_("延期工作日"))
    state = models.CharField(
        max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    old_due = models.DateField()
    new_due = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self) -> str:
        return f"extension #{self.pk}"


class Support(models.Model):
    """A citizen's "me too" on a published message; one per person."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="uniq_support")]

    def __str__(self) -> str:
        return f"support #{self.pk}"


class Step(models.TextChoices):
    ACCEPT = "accept", _("受理/转交办")
    REPLY = "reply", _("正式回复")


class DeadlineRule(models.Model):
    """How many working days a step gets; the most specific rule wins.

    Lookup order: (organisation or nearest ancestor, kind) → (same, any kind) →
    (platform, kind) → (platform, any kind) → built-in defaults.
    """

    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_rules",
    )
    kind = models.ForeignKey("taxonomy.Kind", null=True, blank=True, on_delete=models.CASCADE)
    step = models.CharField(max_length=10, choices=Step.choices)
    working_days = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("办理时限规则")
        verbose_name_plural = _("办理时限规则")
        # NULL means "any"; four partial constraints keep one rule per combination
        # on every database (SQLite has no NULLS NOT DISTINCT).
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "step"],
                condition=Q(organization__isnull=False, kind__isnull=False),
                name="uniq_deadline_org_kind",
            ),
            models.UniqueConstraint(
                fields=["organization", "step"],
                condition=Q(organization__isnull=False, kind__isnull=True),
                name="uniq_deadline_org",
            ),
            models.UniqueConstraint(
                fields=["kind", "step"],
                condition=Q(organization__isnull=True, kind__isnull=False),
                name="uniq_deadline_kind",
            ),
            models.UniqueConstraint(
                fields=["step"],
                condition=Q(organization__isnull=True, kind__isnull=True),
                name="uniq_deadline_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step}: {self.working_days}"


class CalendarOverride(models.Model):
    """An operator's correction to the working-day calendar, or a year it does not cover."""

    date = models.DateField(unique=True)
    is_workday = models.BooleanField()
    note = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'}"


class ReasonKind(models.TextChoices):
    REJECT = "reject", _("审核不通过")
    RETURN = "return", _("退回")
    SEND_BACK = "send_back", _("回复退回修改")
    REPLY = "reply", _("回复模板")


class ReasonTemplate(models.Model):
    """Reusable reason and reply texts staff pick from; data, editable by admins."""

    kind = models.CharField(max_length=10, choices=ReasonKind.choices)
    text = models.TextField()
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("常用理由")
        verbose_name_plural = _("常用理由")
        ordering = ["kind", "sort_order", "id"]

    def __str__(self) -> str:
        return self.text[:30]
