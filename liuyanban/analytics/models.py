"""The analytics app's own tables: pre-aggregated counts kept up to date from events.

Every figure is about a *cohort*: the messages received (submitted) on a day, in
their current state. One message therefore contributes to exactly one row per
grain, the row of its submission day (and of its submission month), and its
contribution is recomputed from its current state whenever one of its events
arrives. ``MessageFact`` remembers each message's last contribution, so an
update only applies the difference: replaying an event changes nothing.

Dimension columns are plain integers (0 = none) rather than foreign keys so the
unique key works with "no unit" / "no region" on every database, and so the
table can be rebuilt from the events without touching the directory.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup
from django.utils.translation import gettext_lazy as _

# Working-day histogram buckets 0..59, and 60 for "60 or more".
HIST_BUCKETS = 61

# Count and sum columns of a rollup row, in display order.
MEASURES: tuple[str, ...] = (
    "received",
    "published",
    "rejected",
    "merged",
    "accepted",
    "returned",
    "replied",
    "answered",
    "closed",
    "on_time",
    "extended",
    "reopened",
    "first_n",
    "first_days",
    "final_n",
    "final_days",
    "eval_n",
    "solved_sum",
    "attitude_sum",
    "speed_sum",
    "good_n",
    "sup_issued",
    "sup_answered",
)
FIRST_HIST = tuple(f"hf{i}" for i in range(HIST_BUCKETS))
FINAL_HIST = tuple(f"hl{i}" for i in range(HIST_BUCKETS))
ALL_COLUMNS: tuple[str, ...] = MEASURES + FIRST_HIST + FINAL_HIST
DIMENSIONS: tuple[str, ...] = (
    "office_id",
    "unit_id",
    "board_id",
    "domain_id",
    "kind_id",
    "region_id",
)


class Grain(models.TextChoices):
    """A row's time grain and, for the month cubes, which dimensions it keeps.

    Day and month rows keep every dimension and serve any scope: about one row per
    message. The month cubes keep one breakdown each (the other dimensions are 0):
    the four platform-wide ones serve the national report; the region cubes (region
    plus one breakdown) a region's report, the office cubes (office plus one
    breakdown) a body subtree's report. Those keep the region or office at every level
    above a message (``rollups.GRAINS``), so a scope reads the rows of its own id:
    breakdown values × months, not the rows of every region or body below it.
    """

    DAY = "d", _("日")
    MONTH = "m", _("月")
    KIND = "k", _("月·类型")
    DOMAIN_REGION = "r", _("月·领域·省级地区")
    BOARD = "b", _("月·留言板")
    OFFICE = "o", _("月·机构")
    REGION_KIND = "p", _("月·地区·类型")
    REGION_DOMAIN = "q", _("月·地区·领域")
    REGION_BOARD = "s", _("月·地区·留言板")
    REGION_OFFICE = "t", _("月·地区·机构")
    OFFICE_KIND = "u", _("月·机构·类型")
    OFFICE_DOMAIN = "v", _("月·机构·领域·地区")
    OFFICE_BOARD = "w", _("月·机构·留言板")


class Rollup(models.Model):
    """Counts and sums for messages received on one day (or month) under one key.

    Month rows duplicate day rows so that a year is 12 periods, not 365: long
    periods read month rows and only the partial months at the edges read day rows.
    """

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()
    office_id = models.IntegerField()
    unit_id = models.IntegerField(default=0)
    board_id = models.IntegerField()
    domain_id = models.IntegerField()
    kind_id = models.IntegerField()
    region_id = models.IntegerField(default=0)
    # Counts of messages (each message counts at most once in each).
    received = models.IntegerField(default=0)
    published = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    # Working days to the first and to the current final reply: count and sum.
    first_n = models.IntegerField(default=0)
    first_days = models.IntegerField(default=0)
    final_n = models.IntegerField(default=0)
    final_days = models.IntegerField(default=0)
    # Evaluations: count, per-scale sums, count rated 4–5.
    eval_n = models.IntegerField(default=0)
    solved_sum = models.IntegerField(default=0)
    attitude_sum = models.IntegerField(default=0)
    speed_sum = models.IntegerField(default=0)
    good_n = models.IntegerField(default=0)
    # Supervision orders issued on these messages, and answered.
    sup_issued = models.IntegerField(default=0)
    sup_answered = models.IntegerField(default=0)
    # hf0..hf60 and hl0..hl60, the working-day histograms, are added below.

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        constraints = [
            models.UniqueConstraint(fields=["grain", "period", *DIMENSIONS], name="uniq_rollup_key")
        ]
        # A scope's filter first, then the period: a subtree of n bodies is n range scans
        # (``office_id = ANY(…) AND period BETWEEN …``), not n × months probes. Plain
        # period reads (the platform cubes) use the unique key, which starts the same way.
        indexes = [
            models.Index(fields=["grain", "office_id", "period"], name="rollup_office_period"),
            models.Index(fields=["grain", "region_id", "period"], name="rollup_region_period"),
            models.Index(fields=["grain", "board_id", "period"], name="rollup_board_period"),
        ]

    def __str__(self) -> str:
        return f"{self.grain}:{self.period}"


# Medians cannot be summed, histograms can: one column per bucket.
for _name in FIRST_HIST + FINAL_HIST:
    Rollup.add_to_class(_name, models.IntegerField(default=0))


class AnyOf(Lookup):
    """``field__any_of=[ids]``: the field is one of many integers (a subtree's ids).

    On PostgreSQL the list is one array parameter (``= ANY(%s)``), so a subtree of
    thousands of bodies costs neither thousands of placeholders to compile nor a
    planner's IN list; elsewhere the integers are written inline.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return [int(v) for v in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        if not self.rhs:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]
        return f"{lhs} IN ({', '.join(str(v) for v in self.rhs)})", list(params)


for _name in ("office_id", "unit_id", "region_id"):
    _field = Rollup._meta.get_field(_name)
    assert isinstance(_field, models.Field)
    _field.register_lookup(AnyOf)


class MessageFact(models.Model):
    """A message's current contribution to the rollups: its row key and its values."""

    message_id = models.BigIntegerField(primary_key=True)
    day = models.DateField()
    office_id = models.IntegerField()
    unit_id = models.IntegerField(default=0)
    board_id = models.IntegerField()
    domain_id = models.IntegerField()
    kind_id = models.IntegerField()
    region_id = models.IntegerField(default=0)
    values = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("留言统计贡献")
        verbose_name_plural = _("留言统计贡献")

    def __str__(self) -> str:
        return f"fact #{self.message_id}"


class Cursor(models.Model):
    """How far the rollups have folded the event log.

    Every event up to ``last_event_id`` is folded, except the ids in ``gaps`` (id → when
    first skipped, epoch seconds): ids handed out to transactions that had not committed
    yet when the fold passed them.
    """

    name = models.CharField(max_length=30, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("统计进度")
        verbose_name_plural = _("统计进度")

    def __str__(self) -> str:
        return f"{self.name}@{self.last_event_id}"


class IndexWeights(models.Model):
    """The handling index's weights (办理指数权重); the newest row is in force.

    index = w_reply·回复率 + w_on_time·按期回复率 + w_satisfaction·满意度/5
            + w_reopen·(1 − 发回重办率), over the components a body has data for.
    """

    reply = models.FloatField(_("回复率权重"), default=0.3)
    on_time = models.FloatField(_("按期回复率权重"), default=0.3)
    satisfaction = models.FloatField(_("满意度权重"), default=0.3)
    reopen = models.FloatField(_("未发回重办权重"), default=0.1)
    min_accepted = models.PositiveIntegerField(_("参与排名的最少受理量"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办理指数权重")
        verbose_name_plural = _("办理指数权重")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.reply}/{self.on_time}/{self.satisfaction}/{self.reopen}"


class PdfState(models.TextChoices):
    """Where a PDF report is: waiting for the printer, printing, done, or failed."""

    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


class ReportPdf(models.Model):
    """One printed report for a scope, period, language and data version (the cache key).

    Printing runs in the task worker, one Chromium at a time; everyone asking for the
    same report while the data is unchanged gets this one file.
    """

    key = models.CharField(max_length=64, unique=True)
    params = models.JSONField(default=dict)
    html = models.TextField(blank=True, default="")
    state = models.CharField(max_length=8, choices=PdfState.choices, default=PdfState.PENDING)
    content = models.BinaryField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True, default="")
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    anonymous = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("PDF 报告")
        verbose_name_plural = _("PDF 报告")
        indexes = [models.Index(fields=["requested_ip", "created_at"], name="reportpdf_ip_idx")]

    def __str__(self) -> str:
        return f"{self.key[:12]} {self.state}"
