"""Taxonomies as data: subject domains (a tree of up to three levels) and message kinds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from liuyanban.core.i18n import LocalizedName


class Domain(LocalizedName, models.Model):
    """A subject domain (领域). Messages carry a top-level domain; sub-levels refine it."""

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名"), max_length=80, blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(default=1)
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("领域")
        verbose_name_plural = _("领域")
        ordering = ["level", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="uniq_domain_name_in_parent")
        ]

    def __str__(self) -> str:
        return self.local_name

    def top(self) -> Domain:
        """The first-level ancestor (itself when it is top-level)."""
        node = self
        while node.parent is not None:
            node = node.parent
        return node


class Kind(LocalizedName, models.Model):
    """A message kind: 投诉, 求助, 咨询, 建言, 感谢."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=20)
    name_en = models.CharField(_("英文名"), max_length=40, blank=True, default="")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("类型")
        verbose_name_plural = _("类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.local_name
