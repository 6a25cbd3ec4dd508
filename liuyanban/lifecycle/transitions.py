"""The one table of transitions: status × action → new status, and who may take it.

Everything that asks "may this user do X to this message now" — the actions, the
web buttons, the REST API, Open311 — derives its answer from this table and the
permission predicates in ``permissions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from .models import OPEN_STATUSES, PUBLIC_STATUSES, Status

S = Status
# The status groups are defined once, in ``models``; short names for the table.
OPEN = OPEN_STATUSES
VISIBLE = PUBLIC_STATUSES


@dataclass(frozen=True)
class Transition:
    """One row: the action, the statuses it starts from, where it can lead, and who."""

    action: str
    sources: frozenset[str]
    # The statuses the action may lead to; empty means the status stays the same.
    targets: frozenset[str]
    permission: str
    # Lazy: translated when shown, in the viewer's language.
    label: StrOrPromise


def _t(
    action: str,
    sources: set[str] | frozenset[str],
    targets: set[str],
    perm: str,
    label: StrOrPromise,
) -> Transition:
    return Transition(action, frozenset(sources), frozenset(targets), perm, label)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("approve", {S.SUBMITTED}, {S.PUBLISHED}, "moderator", _("审核通过")),
        _t("reject", {S.SUBMITTED}, {S.REJECTED}, "moderator", _("审核不通过")),
        _t("merge", {S.SUBMITTED, S.PUBLISHED}, {S.MERGED}, "moderator", _("合并重复留言")),
        _t("edit_public", {S.SUBMITTED} | VISIBLE, set(), "moderator", _("修改公开内容")),
        _t("reclassify", {S.SUBMITTED} | OPEN, set(), "triage", _("调整领域和类型")),
        _t("moderate_images", {S.SUBMITTED} | VISIBLE, set(), "moderator", _("审核图片")),
        _t("accept", {S.PUBLISHED}, {S.ACCEPTED}, "office", _("受理")),
        _t("transfer", {S.PUBLISHED, S.ACCEPTED}, {S.ASSIGNED}, "office", _("转办")),
        _t("assign", {S.PUBLISHED, S.ACCEPTED}, {S.ASSIGNED}, "office", _("交办")),
        _t("sign", {S.ASSIGNED}, {S.IN_HANDLING}, "unit", _("签收")),
        _t("return", {S.ASSIGNED, S.IN_HANDLING}, {S.ACCEPTED}, "unit", _("退回")),
        _t("reply_interim", {S.IN_HANDLING}, set(), "unit", _("阶段性回复")),
        _t("reply_final", {S.IN_HANDLING}, {S.REVIEWING, S.REPLIED}, "unit", _("正式回复")),
        _t("approve_reply", {S.REVIEWING}, {S.REPLIED}, "office", _("回复审核通过")),
        _t("send_back_reply", {S.REVIEWING}, {S.IN_HANDLING}, "office", _("回复退回修改")),
        _t("request_extension", {S.ASSIGNED, S.IN_HANDLING}, set(), "unit", _("申请延期")),
        _t(
            "decide_extension",
            {S.ASSIGNED, S.IN_HANDLING, S.REVIEWING},
            set(),
            "office",
            _("审批延期"),
        ),
        _t("evaluate", {S.REPLIED, S.CLOSED}, {S.REPLIED, S.CLOSED}, "author", _("评价")),
        _t("follow_up", {S.REPLIED, S.CLOSED}, {S.REPLIED, S.CLOSED}, "office", _("回访")),
        _t("close", {S.REPLIED}, {S.CLOSED}, "office", _("办结")),
        _t("reopen", {S.REPLIED, S.CLOSED}, {S.IN_HANDLING}, "office", _("重办")),
        # The dissatisfied author's own recourse: back to the office's queue to route again.
        _t(
            "request_rehandling",
            {S.REPLIED, S.CLOSED},
            {S.ACCEPTED},
            "author",
            _("申请重办"),
        ),
        _t("supervise", OPEN | {S.REPLIED}, set(), "supervisor", _("督办")),
        _t("respond_supervision", OPEN | {S.REPLIED, S.CLOSED}, set(), "handler", _("反馈督办")),
        _t("instruct", VISIBLE, set(), "leader", _("领导批示")),
        _t("support", VISIBLE, set(), "citizen", _("附议")),
    ]
}


def transition(action: str) -> Transition:
    """The table row for ``action`` (KeyError for an unknown action is a programming error)."""
    return TRANSITIONS[action]
