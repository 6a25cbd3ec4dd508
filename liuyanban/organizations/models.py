"""The directory: regions, the tree of party and government bodies, their units and boards."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from liuyanban.core.i18n import LocalizedName, in_english


class Level(models.TextChoices):
    """Administrative level of a region or a body."""

    CENTRAL = "central", _("中央")
    PROVINCE = "province", _("省级")
    PREFECTURE = "prefecture", _("地级")
    COUNTY = "county", _("县级")


class Region(LocalizedName, models.Model):
    """An administrative division (行政区划) with its 6-digit code and coordinates."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名"), max_length=100, blank=True, default="")
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    pinyin = models.CharField(max_length=200, blank=True, default="", db_index=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.local_name


class RegionCorrection(models.Model):
    """An operator's correction of a region's name (宁乡县 → 宁乡市), applied by every load.

    The code stays the same, so the region, its bodies, boards and messages keep their rows
    and links; the former name is kept for the record and for search.
    """

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("现名称"), max_length=50)
    former_name = models.CharField(_("原名称"), max_length=50, blank=True, default="")
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    corrected_at = models.DateTimeField(_("更正时间"), auto_now=True)

    class Meta:
        verbose_name = _("区划名称更正")
        verbose_name_plural = _("区划名称更正")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.former_name} → {self.name}"


class OrgKind(models.TextChoices):
    PLATFORM = "platform", _("平台")
    PARTY = "party", _("党委")
    GOVERNMENT = "government", _("政府")
    DEPARTMENT = "department", _("职能部门")
    MINISTRY = "ministry", _("中央部委")
    OTHER = "other", _("其他单位")


class Organization(LocalizedName, models.Model):
    """A party or government body or one of its units, in a tree (central → county).

    ``path`` is a materialised path of codes ("CN/11-zf/1101-zf/"), so "this body
    and everything below it" is one indexed prefix query at 50,000 bodies.
    """

    code = models.CharField(_("机构代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名"), max_length=200, blank=True, default="")
    short_name = models.CharField(_("简称"), max_length=50, blank=True, default="")
    kind = models.CharField(_("类别"), max_length=12, choices=OrgKind.choices)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=512, db_index=True, editable=False)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations"
    )
    pinyin = models.CharField(max_length=300, blank=True, default="", db_index=True)
    domains = models.ManyToManyField(
        "taxonomy.Domain", blank=True, related_name="organizations", verbose_name=_("职责领域")
    )
    # Per-organisation settings the lifecycle reads; null means "inherit from the parent".
    review_before_publish = models.BooleanField(
        _("正式回复须审核后公开"), null=True, blank=True, default=None
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        indexes = [models.Index(fields=["region", "kind"]), models.Index(fields=["parent", "name"])]

    def __str__(self) -> str:
        return self.local_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.path = self.compute_path()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def compute_path(self) -> str:
        """The path this node must have given its parent."""
        prefix = self.parent.path if self.parent_id and self.parent else ""
        return f"{prefix}{self.code}/"

    def ancestors_paths(self) -> list[str]:
        """Paths of this node and all its ancestors, nearest first."""
        parts = self.path.strip("/").split("/")
        return ["/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]

    def requires_reply_review(self) -> bool:
        """Whether final replies wait for the office's review (inherited up the tree)."""
        node: Organization | None = self
        while node is not None:
            if node.review_before_publish is not None:
                return node.review_before_publish
            node = node.parent
        return False


class BoardKind(models.TextChoices):
    LEADER = "leader", _("领导留言板")
    BODY = "body", _("部门留言板")


class Board(LocalizedName, models.Model):
    """A public board to which citizens write: a leader's (省委书记) or a body's."""

    code = models.CharField(_("留言板代码"), max_length=80, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名"), max_length=200, blank=True, default="")
    kind = models.CharField(_("类别"), max_length=10, choices=BoardKind.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="boards", verbose_name=_("受理机构")
    )
    leader_title = models.CharField(_("领导职务"), max_length=50, blank=True, default="")
    leader_name = models.CharField(_("领导姓名"), max_length=50, blank=True, default="")
    leader = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="boards"
    )
    pinyin = models.CharField(max_length=300, blank=True, default="", db_index=True)
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("留言板")
        verbose_name_plural = _("留言板")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_leader_title(self) -> str:
        """The leader's title in the active language (区长 → "Head")."""
        from .english import title_word

        return title_word(self.leader_title) if in_english() else self.leader_title


class UnitTemplate(LocalizedName, models.Model):
    """A functional unit every government of a level gets (住建, 交通运输 …); editable data."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    # The unit's English stem ("Housing and Urban-Rural Development"), for generated names.
    name_en = models.CharField(_("英文名"), max_length=100, blank=True, default="")
    # How the unit is called at each level, e.g. 厅 at province level and 局 below.
    province_suffix = models.CharField(max_length=20, default="厅")
    local_suffix = models.CharField(max_length=20, default="局")
    domains = models.ManyToManyField("taxonomy.Domain", blank=True, related_name="+")
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("职能单位模板")
        verbose_name_plural = _("职能单位模板")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.local_name
