"""Forms of the staff workbench: they parse and shape input; the actions validate the domain.

Field names follow the actions' error ``fields`` keys, so an ``InvalidInput`` from an
action lands on the right field when the page is re-rendered.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liuyanban.lifecycle.models import FollowUpChannel, ReasonKind, ReasonTemplate, Resolution
from liuyanban.organizations.models import Organization
from liuyanban.supervision.models import OrderLevel, RoundKind

TEXTAREA = forms.Textarea(attrs={"rows": 4})
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 2})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuthoredSelect(forms.Select):
    """A picker of texts the administrators wrote: each option is marked as user content."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"]:
            option["attrs"]["data-user-content"] = True
        return option


def reason_choices(kind: str) -> list[tuple[str, object]]:
    """The admins' reason templates of one kind, as choices for a picker."""
    rows = ReasonTemplate.objects.filter(kind=kind).values_list("text", flat=True)
    return [("", _("— 选择常用理由 —")), *[(t, t[:60]) for t in rows]]


class ReasonForm(forms.Form):
    """A reason typed or picked from templates; the typed text wins."""

    template_kind = ReasonKind.REJECT
    template = forms.ChoiceField(label=_("常用理由"), required=False, widget=AuthoredSelect)
    reason = forms.CharField(
        label=_("理由"), widget=SHORT_TEXTAREA, required=False, max_length=1000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = reason_choices(self.template_kind)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["reason"] = (data.get("reason") or "").strip() or data.get("template", "")
        if not data["reason"]:
            self.add_error("reason", _("请填写或选择理由"))
        return data


class RejectForm(ReasonForm):
    template_kind = ReasonKind.REJECT


class ReturnForm(ReasonForm):
    template_kind = ReasonKind.RETURN


class SendBackForm(forms.Form):
    """Send a final reply back to the unit with a comment."""

    template = forms.ChoiceField(label=_("常用意见"), required=False, widget=AuthoredSelect)
    comment = forms.CharField(label=_("修改意见"), widget=SHORT_TEXTAREA, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = reason_choices(ReasonKind.SEND_BACK)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["comment"] = (data.get("comment") or "").strip() or data.get("template", "")
        return data


class PublicTextForm(forms.Form):
    """The public title and body a moderator approves or edits."""

    public_title = forms.CharField(label=_("公开标题"), max_length=50)
    public_body = forms.CharField(label=_("公开内容"), widget=forms.Textarea(attrs={"rows": 8}))


def _image_ids(value: str) -> list[int]:
    return [int(x) for x in value.split(",") if x.strip().isdigit()]


class ApproveForm(PublicTextForm):
    """Approval: the public text, and a "publish" box per image, ticked by default.

    Every image shown gets a decision: ticked ones are published with the message,
    the others withheld. ``cleaned_data["images"]`` maps image ids to the decision.
    """

    publish_images = forms.MultipleChoiceField(
        label=_("随留言公开的图片（取消勾选则不公开）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    images_shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, images: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = images or []
        self.fields["publish_images"].choices = [(str(pk), str(pk)) for pk in ids]  # type: ignore[attr-defined]
        self.fields["publish_images"].initial = [str(pk) for pk in ids]
        self.fields["images_shown"].initial = ",".join(str(pk) for pk in ids)
        if not ids:
            del self.fields["publish_images"], self.fields["images_shown"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        shown = _image_ids(data.get("images_shown") or "")
        ticked = set(_image_ids(",".join(data.get("publish_images") or [])))
        data["images"] = {pk: "published" if pk in ticked else "withheld" for pk in shown}
        return data


class ImagesForm(forms.Form):
    """Publish or withhold each image of a message (pending ones default to publish)."""

    def __init__(self, *args: Any, images: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for pk, state in images or []:
            self.fields[f"image_{pk}"] = forms.ChoiceField(
                label=_("图片 %d") % pk,
                choices=[("published", _("公开")), ("withheld", _("不公开"))],
                initial="withheld" if state == "withheld" else "published",
                widget=forms.RadioSelect,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["decisions"] = {
            int(name.removeprefix("image_")): value
            for name, value in data.items()
            if name.startswith("image_") and value
        }
        return data


class MergeForm(forms.Form):
    """Merge into another message, given by its tracking number."""

    into = forms.CharField(label=_("合并到（留言编号）"), max_length=20)


class EmptyForm(forms.Form):
    """Actions that take no input (accept, sign, close)."""


class RouteForm(forms.Form):
    """Transfer or assign: a target body, assisting units, requirements and a deadline."""

    lead = forms.ModelChoiceField(
        label=_("本地单位"), queryset=Organization.objects.none(), required=False
    )
    lead_pick = forms.IntegerField(required=False, widget=forms.HiddenInput)
    assist = forms.ModelMultipleChoiceField(
        label=_("协办单位（可多选）"), queryset=Organization.objects.none(), required=False
    )
    requirements = forms.CharField(
        label=_("办理要求"), widget=SHORT_TEXTAREA, required=False, max_length=2000
    )
    due = forms.DateField(label=_("办理期限"), required=False, widget=DATE)

    def __init__(
        self,
        *args: Any,
        units: list[Organization] | None = None,
        rule_due: date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in units or []]
        self.fields["lead"].queryset = Organization.objects.filter(pk__in=ids).order_by("path")  # type: ignore[attr-defined]
        self.fields["assist"].queryset = self.fields["lead"].queryset  # type: ignore[attr-defined]
        self.rule_due = rule_due
        if rule_due:
            self.fields["due"].widget.attrs["max"] = rule_due.isoformat()
            self.fields["due"].widget.attrs["min"] = timezone.localdate().isoformat()

    def _picked_assists(self) -> list[int]:
        # Ticked in the search results; any id is accepted here, the action checks it.
        getlist = getattr(self.data, "getlist", None)
        values = getlist("assist_pick") if getlist else []
        return [int(v) for v in values if str(v).isdigit()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead = data.get("lead")
        data["target_id"] = data.get("lead_pick") or (lead.pk if lead else None)
        if not data["target_id"]:
            self.add_error("lead", _("请选择办理单位"))
        assists = [a.pk for a in data.get("assist") or []] + self._picked_assists()
        data["assist_ids"] = [a for a in dict.fromkeys(assists) if a != data["target_id"]]
        due = data.get("due")
        if due and self.rule_due and due > self.rule_due:
            self.add_error("due", _("办理期限不能晚于规定期限 %s") % self.rule_due.isoformat())
        return data


class ReplyForm(forms.Form):
    """An interim or final reply, with the resolution and the 敷衍 confirmation."""

    kind = forms.ChoiceField(
        label=_("回复类型"),
        choices=[("final", _("正式回复")), ("interim", _("阶段性回复"))],
        widget=forms.RadioSelect,
        initial="final",
    )
    template = forms.ChoiceField(label=_("回复模板"), required=False, widget=AuthoredSelect)
    body = forms.CharField(
        label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )
    resolution = forms.ChoiceField(label=_("办理结果"), required=False)
    confirm = forms.BooleanField(label=_("我已阅读提示，仍然提交此回复"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = reason_choices(ReasonKind.REPLY)  # type: ignore[attr-defined]
        skip = {"", Resolution.REJECTED}
        self.fields["resolution"].choices = [  # type: ignore[attr-defined]
            ("", _("— 请选择 —")),
            *[(r.value, r.label) for r in Resolution if r.value not in skip],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Without JavaScript a picked template is the body when none was typed.
        data["body"] = (data.get("body") or "").strip() or data.get("template", "")
        if not data["body"]:
            self.add_error("body", _("请填写回复内容"))
        if data.get("kind") == "final" and not data.get("resolution"):
            self.add_error("resolution", _("请选择办理结果"))
        return data


class ReviewReplyForm(forms.Form):
    """The office approves a final reply, possibly editing its public text."""

    public_body = forms.CharField(label=_("公开回复内容"), widget=forms.Textarea(attrs={"rows": 6}))


class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(label=_("延期理由"), widget=SHORT_TEXTAREA)
    working_days = forms.IntegerField(label=_("延期工作日"), min_value=1, max_value=30, initial=5)


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批意见"),
        choices=[("1", _("同意延期")), ("0", _("不同意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明"), widget=SHORT_TEXTAREA, required=False)


class FollowUpForm(forms.Form):
    channel = forms.ChoiceField(label=_("回访方式"), choices=FollowUpChannel.choices)
    date = forms.DateField(label=_("回访日期"), widget=DATE, initial=timezone.localdate)
    summary = forms.CharField(label=_("回访情况"), widget=SHORT_TEXTAREA)
    satisfied = forms.TypedChoiceField(
        label=_("群众是否满意"),
        choices=[("1", _("满意")), ("0", _("不满意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("重办理由"), widget=SHORT_TEXTAREA)


class SupervisionForm(forms.Form):
    level = forms.ChoiceField(label=_("督办级别"), choices=OrderLevel.choices)
    note = forms.CharField(label=_("督办意见"), widget=SHORT_TEXTAREA)
    response_due = forms.DateField(label=_("反馈期限"), widget=DATE)
    round = forms.TypedChoiceField(
        label=_("督查批次"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, rounds: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [("", _("（不属于批次）")), *(rounds or [])]  # type: ignore[attr-defined]


class RespondSupervisionForm(forms.Form):
    order = forms.TypedChoiceField(label=_("督办单"), coerce=int)
    response = forms.CharField(label=_("反馈情况"), widget=SHORT_TEXTAREA)

    def __init__(self, *args: Any, orders: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["order"].choices = orders or []  # type: ignore[attr-defined]


class InstructionForm(forms.Form):
    text = forms.CharField(label=_("批示内容"), widget=SHORT_TEXTAREA)


class RoundForm(forms.Form):
    name = forms.CharField(label=_("批次名称"), max_length=100)
    kind = forms.ChoiceField(label=_("督查类别"), choices=RoundKind.choices)
    organization = forms.ModelChoiceField(label=_("督查范围"), queryset=Organization.objects.none())
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    description = forms.CharField(label=_("说明"), widget=SHORT_TEXTAREA, required=False)

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
