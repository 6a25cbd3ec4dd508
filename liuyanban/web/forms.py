"""Forms of the public pages: they parse input; the lifecycle actions validate it.

Length and choice rules live in the actions (their Chinese messages come back
through ``errors.add_field_errors``), so the forms mostly coerce types.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from liuyanban.lifecycle.actions import Contact, Draft
from liuyanban.lifecycle.attachments import MAX_FILES, Upload, limits
from liuyanban.lifecycle.selectors import PublicFilters
from liuyanban.taxonomy.models import Domain, Kind

STATUS_GROUPS = [("", _("全部")), ("open", _("办理中")), ("answered", _("已回复"))]
SCALE_CHOICES = [(i, str(i)) for i in range(1, 6)]
# Draft fields kept in the session between visits (never files, never the key).
DRAFT_FIELDS = (
    "board",
    "domain",
    "kind",
    "title",
    "body",
    "location",
    "nickname",
    "real_name",
    "phone",
    "address",
)


def domain_choices() -> list[tuple[str, str]]:
    """Top-level active domains, the ones messages use."""
    rows = Domain.objects.filter(level=1, is_active=True).only("pk", "name", "name_en")
    return [("", str(_("请选择")))] + [(str(d.pk), d.local_name) for d in rows]


def kind_choices() -> list[tuple[str, str]]:
    """The kinds of message, in their display order."""
    rows = Kind.objects.only("pk", "name", "name_en")
    return [("", str(_("请选择")))] + [(str(k.pk), k.local_name) for k in rows]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ListFilterForm(forms.Form):
    """Filters of a public message list (a board's messages, search results)."""

    status = forms.ChoiceField(label=_("状态"), choices=STATUS_GROUPS, required=False)
    domain = forms.ChoiceField(label=_("领域"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False)
    since = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        all_label = str(_("全部"))
        self.fields["domain"].choices = [("", all_label), *domain_choices()[1:]]  # type: ignore[attr-defined]
        self.fields["kind"].choices = [("", all_label), *kind_choices()[1:]]  # type: ignore[attr-defined]

    def filters(self) -> PublicFilters:
        """The valid filters (an invalid one is ignored and shown as an error)."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        out: PublicFilters = {}
        if domain := _int(data.get("domain")):
            out["domain_id"] = domain
        if kind := _int(data.get("kind")):
            out["kind_id"] = kind
        if data.get("status"):
            out["status"] = data["status"]
        if data.get("since"):
            out["since"] = data["since"]
        if data.get("until"):
            out["until"] = data["until"]
        return out


class SearchForm(ListFilterForm):
    """Full-text search with the list filters and a board."""

    q = forms.CharField(
        label=_("关键词"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("例如：物业、拆迁")}),
    )
    board = forms.CharField(label=_("留言对象代码"), max_length=80, required=False)

    field_order = ["q", "board", "status", "domain", "kind", "since", "until"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """Up to five images; the type and size are checked again by the action."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"})

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("最多上传 %d 张图片") % MAX_FILES)
        for f in files:
            max_bytes = limits()[0]
            if f.size and f.size > max_bytes:
                raise forms.ValidationError(
                    _("图片“%(name)s”超过 %(n)dMB")
                    % {"name": f.name[:40], "n": max(1, max_bytes // (1024 * 1024))}
                )
        return files


class WriteForm(forms.Form):
    """Writing a message: the action checks lengths, board, domain and kind."""

    board = forms.IntegerField(label=_("留言对象"), required=False, widget=forms.HiddenInput)
    domain = forms.ChoiceField(label=_("领域"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False)
    title = forms.CharField(
        label=_("标题"),
        required=False,
        help_text=_("5–50 个字"),
        widget=forms.TextInput(attrs={"maxlength": 50, "data-count": "50"}),
    )
    body = forms.CharField(
        label=_("内容"),
        required=False,
        help_text=_("10–3000 个字。请写清时间、地点、经过和诉求；不要在正文里写电话、身份证号。"),
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": 3000, "data-count": "3000"}),
    )
    location = forms.CharField(label=_("事发地点"), required=False, max_length=200)
    nickname = forms.CharField(
        label=_("公开昵称"),
        required=False,
        max_length=30,
        help_text=_("显示在留言旁，2–20 个字符，不能包含手机号等个人信息；不填则用您的账号昵称"),
    )
    real_name = forms.CharField(label=_("真实姓名（不公开）"), required=False, max_length=50)
    phone = forms.CharField(
        label=_("联系电话（不公开）"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(label=_("联系地址（不公开）"), required=False, max_length=200)
    images = ImagesField(
        label=_("图片"),
        required=False,
        help_text=_("最多 5 张，每张不超过 5MB（JPEG、PNG、GIF、WebP）"),
    )
    # Tokens of images kept server-side from an earlier preview (ticked = keep).
    kept_images = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tokens = self.data.getlist("kept_images") if hasattr(self.data, "getlist") else []
        self.fields["kept_images"].choices = [(t[:32], t[:32]) for t in tokens]  # type: ignore[attr-defined]
        self.fields["domain"].choices = domain_choices()  # type: ignore[attr-defined]
        self.fields["kind"].choices = kind_choices()  # type: ignore[attr-defined]
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def draft(self) -> Draft:
        """The lifecycle's Draft from the cleaned data (call after ``is_valid``)."""
        d = self.cleaned_data
        return Draft(
            board_id=d.get("board") or 0,
            domain_id=_int(d.get("domain")) or 0,
            kind_id=_int(d.get("kind")) or 0,
            title=d.get("title", ""),
            body=d.get("body", ""),
            location=d.get("location", ""),
            nickname=d.get("nickname", ""),
            contact=Contact(
                real_name=d.get("real_name", ""),
                phone=d.get("phone", ""),
                address=d.get("address", ""),
            ),
            idempotency_key=(d.get("idempotency_key") or "")[:64],
        )

    def uploads(self) -> list[Upload]:
        """The newly chosen files (call after ``is_valid``)."""
        return [Upload(f.name or "", f.read()) for f in self.cleaned_data.get("images") or []]

    def saved_fields(self) -> dict[str, str]:
        """The typed text to keep as a server-side draft."""
        return {name: str(self.data.get(name, ""))[:3200] for name in DRAFT_FIELDS}


class EvaluateForm(forms.Form):
    """The author's rating of the final reply: three 1–5 scales and a comment."""

    solved = forms.TypedChoiceField(
        label=_("解决程度"),
        choices=SCALE_CHOICES,
        coerce=int,
        required=False,
        empty_value=0,  # type: ignore[arg-type]
    )
    attitude = forms.TypedChoiceField(
        label=_("办理态度"),
        choices=SCALE_CHOICES,
        coerce=int,
        required=False,
        empty_value=0,  # type: ignore[arg-type]
    )
    speed = forms.TypedChoiceField(
        label=_("办理速度"),
        choices=SCALE_CHOICES,
        coerce=int,
        required=False,
        empty_value=0,  # type: ignore[arg-type]
    )
    comment = forms.CharField(
        label=_("评价意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    scales = ("solved", "attitude", "speed")


class RehandlingForm(forms.Form):
    """The dissatisfied author's request for 重办: why the answer does not settle the matter."""

    reason = forms.CharField(
        label=_("重办理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请说明申请重办的理由")},
    )
