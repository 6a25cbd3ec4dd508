"""Forms of the account pages: they read input; the rules live in actions and verification."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from liuyanban.core.errors import InvalidInput

from .verification import CODE_LENGTH, Contact, ContactKind, normalize_email, normalize_phone

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise

KINDS: tuple[ContactKind, ...] = ("phone", "email")


def contact_kind(raw: object) -> ContactKind:
    """The contact kind a page was asked for; phone unless email is asked for."""
    return "email" if raw == "email" else "phone"


def _code_field() -> forms.CharField:
    return forms.CharField(
        label=_("验证码"),
        max_length=CODE_LENGTH,
        min_length=CODE_LENGTH,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"\d{6}",
                "size": CODE_LENGTH,
            }
        ),
        help_text=_("6 位数字，10 分钟内有效"),
        error_messages={
            "required": _("请输入验证码"),
            "min_length": _("验证码是 6 位数字"),
            "max_length": _("验证码是 6 位数字"),
        },
    )


def _new_password_field(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )


def _repeat_password_field() -> forms.CharField:
    return forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ContactForm(forms.Form):
    """One phone number or one email, depending on ``kind``."""

    contact = forms.CharField(max_length=254)

    def __init__(self, *args: Any, kind: ContactKind = "phone", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        field = self.fields["contact"]
        if kind == "phone":
            field.label = _("手机号")
            field.widget = forms.TextInput(
                attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}
            )
            field.help_text = _("中国大陆手机号，11 位")
        else:
            field.label = _("邮箱")
            field.widget = forms.EmailInput(attrs={"autocomplete": "email"})

    def clean_contact(self) -> str:
        raw = self.cleaned_data["contact"]
        try:
            return normalize_phone(raw) if self.kind == "phone" else normalize_email(raw)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc

    @property
    def contact_value(self) -> Contact:
        """The normalised contact (valid forms only)."""
        return Contact(self.kind, self.cleaned_data["contact"])


class _RepeatedPasswordMixin(forms.Form):
    """Two password fields that must match; the first is checked by the action."""

    first_password = "password1"
    second_password = "password2"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get(self.first_password), data.get(self.second_password)
        if first and second and first != second:
            self.add_error(self.second_password, _("两次输入的密码不一致"))
        return data


class RegisterForm(_RepeatedPasswordMixin):
    """Step two of registration: the code, a public nickname, a password."""

    code = _code_field()
    nickname = forms.CharField(
        label=_("昵称"),
        max_length=40,
        help_text=_("公开显示，2–20 个字符，不能包含手机号等个人信息"),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password1 = _new_password_field(_("密码"))
    password2 = _repeat_password_field()
    real_name = forms.CharField(
        label=_("真实姓名"),
        max_length=50,
        required=False,
        help_text=_("不公开，仅供办理单位联系您时使用"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class LoginForm(forms.Form):
    """A phone, email or username and the password."""

    username = forms.CharField(
        label=_("手机号、邮箱或用户名"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ResetForm(_RepeatedPasswordMixin):
    """Step two of a password reset: the code and the new password."""

    code = _code_field()
    password1 = _new_password_field(_("新密码"))
    password2 = _repeat_password_field()


class PasswordChangeForm(_RepeatedPasswordMixin):
    """The current password and a new one."""

    first_password = "new_password1"
    second_password = "new_password2"

    old_password = forms.CharField(
        label=_("当前密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = _new_password_field(_("新密码"))
    new_password2 = _repeat_password_field()


class ProfileForm(forms.Form):
    """The public nickname and the private real name."""

    nickname = forms.CharField(
        label=_("昵称"),
        max_length=40,
        help_text=_("公开显示，2–20 个字符，不能包含手机号等个人信息"),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    real_name = forms.CharField(
        label=_("真实姓名"),
        max_length=50,
        required=False,
        help_text=_("不公开，仅供办理单位联系您时使用"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class CodeForm(forms.Form):
    """Only a verification code."""

    code = _code_field()
