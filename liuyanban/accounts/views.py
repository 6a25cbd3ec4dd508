"""Account pages. Thin: forms read the input, actions do the work, errors go next to fields.

Two-step flows (a contact, then its code) keep the contact in the session between
the steps, so the second page cannot be pointed at someone else's contact.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liuyanban.core.clientip import client_ip
from liuyanban.core.error_pages import form_error
from liuyanban.core.errors import DomainError
from liuyanban.core.redirects import local_url

from . import actions
from .forms import (
    CodeForm,
    ContactForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetForm,
    contact_kind,
)
from .models import User
from .verification import Contact

BACKEND = settings.AUTHENTICATION_BACKENDS[0]
PENDING_REGISTER = "accounts.register"
PENDING_RESET = "accounts.reset"
PENDING_BIND = "accounts.bind"


# --- Helpers --------------------------------------------------------------------


def _render(request: HttpRequest, template: str, status: int = 200, **ctx: Any) -> HttpResponse:
    ctx.setdefault("site_name", settings.LIUYANBAN["SITE_NAME"])
    return render(request, template, ctx, status=status)


def _show_error(form: forms.Form, exc: DomainError) -> int:
    """An action refused the form: the web's one mapping; a refusal answers 200, a limit 429."""
    return form_error(form, exc, refusal_status=200)


def _remember(request: HttpRequest, key: str, contact: Contact) -> None:
    request.session[key] = {"kind": contact.kind, "value": contact.value}


def _pending(request: HttpRequest, key: str) -> Contact | None:
    """The contact a code was sent to in step one, if any."""
    data = request.session.get(key)
    if not isinstance(data, dict):
        return None
    return Contact(contact_kind(data.get("kind")), str(data.get("value", "")))


def _next_url(request: HttpRequest) -> str:
    """Where to go after logging in: a safe ``next`` or the home page."""
    target = request.POST.get("next") or request.GET.get("next")
    return local_url(request, target, default=str(settings.LOGIN_REDIRECT_URL))


def _send_code_page(
    request: HttpRequest, *, template: str, session_key: str, next_view: str, send: Any
) -> HttpResponse:
    """Step one of a code flow: read a contact, call ``send(contact, ip)``, go to step two."""
    kind = contact_kind(request.POST.get("kind") or request.GET.get("via"))
    form = ContactForm(request.POST or None, kind=kind)
    status = 200
    if request.method == "POST" and form.is_valid():
        contact = form.contact_value
        try:
            send(contact, client_ip(request))
        except DomainError as exc:
            status = _show_error(form, exc)
        else:
            _remember(request, session_key, contact)
            return redirect(next_view)
    return _render(request, template, status, form=form, kind=kind)


# --- Registration ---------------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    """Registration, step one: the phone number or email that will receive a code."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    return _send_code_page(
        request,
        template="accounts/register.html",
        session_key=PENDING_REGISTER,
        next_view="accounts:register_verify",
        send=lambda contact, ip: actions.request_registration_code(contact=contact, ip=ip),
    )


def register_verify(request: HttpRequest) -> HttpResponse:
    """Registration, step two: the code, a nickname and a password; then logged in."""
    contact = _pending(request, PENDING_REGISTER)
    if contact is None:
        return redirect("accounts:register")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.register_user(
                contact=contact,
                code=data["code"],
                nickname=data["nickname"],
                password=data["password1"],
                real_name=data["real_name"],
            )
        except DomainError as exc:
            _show_error(form, exc)
        else:
            request.session.pop(PENDING_REGISTER, None)
            login(request, user, backend=BACKEND)
            messages.success(request, _("注册成功，欢迎您，%(name)s") % {"name": user.nickname})
            return redirect(_next_url(request))
    return _render(request, "accounts/register_verify.html", form=form, contact=contact)


# --- Logging in and out -----------------------------------------------------------


def login_view(request: HttpRequest) -> HttpResponse:
    """Log in by phone, email or username and password."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            actions.log_in(
                request=request,
                identifier=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except DomainError as exc:
            status = _show_error(form, exc)
            retry_after = getattr(exc, "retry_after", None)
        else:
            return redirect(_next_url(request))
    next_url = request.POST.get("next") or request.GET.get("next", "")
    response = _render(request, "accounts/login.html", status, form=form, next=next_url)
    if status == 429 and retry_after:
        response["Retry-After"] = str(retry_after)
    return response


logout_view = auth_views.LogoutView.as_view(next_page=settings.LOGIN_REDIRECT_URL)


# --- Passwords ------------------------------------------------------------------


def password_reset(request: HttpRequest) -> HttpResponse:
    """Forgotten password, step one: the phone number or email of the account."""
    return _send_code_page(
        request,
        template="accounts/password_reset.html",
        session_key=PENDING_RESET,
        next_view="accounts:password_reset_verify",
        send=lambda contact, ip: actions.request_reset_code(contact=contact, ip=ip),
    )


def password_reset_verify(request: HttpRequest) -> HttpResponse:
    """Forgotten password, step two: the code and a new password."""
    contact = _pending(request, PENDING_RESET)
    if contact is None:
        return redirect("accounts:password_reset")
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reset_password(
                contact=contact,
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["password1"],
            )
        except DomainError as exc:
            _show_error(form, exc)
        else:
            request.session.pop(PENDING_RESET, None)
            messages.success(request, _("密码已重置，请用新密码登录"))
            return redirect("accounts:login")
    return _render(request, "accounts/password_reset_verify.html", form=form, contact=contact)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change the password while logged in; other sessions of the account end."""
    assert isinstance(request.user, User)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            _show_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # keep this session only
            messages.success(request, _("密码已修改"))
            return redirect("accounts:profile")
    return _render(request, "accounts/password_change.html", form=form)


# --- Profile --------------------------------------------------------------------


def _profile_page(
    request: HttpRequest,
    user: User,
    *,
    form: ProfileForm | None = None,
    contact_form: ContactForm | None = None,
    status: int = 200,
) -> HttpResponse:
    profile_form = form or ProfileForm(
        initial={"nickname": user.nickname, "real_name": user.real_name}
    )
    forms_by_kind = {
        kind: contact_form
        if contact_form is not None and contact_form.kind == kind
        else ContactForm(kind=kind, auto_id=f"id_{kind}_%s")
        for kind in ("phone", "email")
    }
    return _render(
        request,
        "accounts/profile.html",
        status,
        form=profile_form,
        phone_form=forms_by_kind["phone"],
        email_form=forms_by_kind["email"],
        profile_user=user,
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """See and edit one's nickname, real name and contacts."""
    assert isinstance(request.user, User)
    form = ProfileForm(request.POST or None) if request.method == "POST" else None
    if form is not None and form.is_valid():
        try:
            actions.update_profile(
                user=request.user,
                nickname=form.cleaned_data["nickname"],
                real_name=form.cleaned_data["real_name"],
            )
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, _("资料已保存"))
            return redirect("accounts:profile")
    return _profile_page(request, request.user, form=form)


@login_required
@require_POST
def contact_add(request: HttpRequest) -> HttpResponse:
    """Send a code to a phone or email the person wants to add or verify."""
    assert isinstance(request.user, User)
    kind = contact_kind(request.POST.get("kind"))
    form = ContactForm(request.POST, kind=kind, auto_id=f"id_{kind}_%s")
    status = 200
    if form.is_valid():
        contact = form.contact_value
        try:
            actions.request_contact_code(user=request.user, contact=contact, ip=client_ip(request))
        except DomainError as exc:
            status = _show_error(form, exc)
        else:
            _remember(request, PENDING_BIND, contact)
            return redirect("accounts:contact_verify")
    return _profile_page(request, request.user, contact_form=form, status=status)


@login_required
def contact_verify(request: HttpRequest) -> HttpResponse:
    """Enter the code sent to the new contact; it becomes the verified phone or email."""
    assert isinstance(request.user, User)
    contact = _pending(request, PENDING_BIND)
    if contact is None:
        return redirect("accounts:profile")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.bind_contact(user=request.user, contact=contact, code=form.cleaned_data["code"])
        except DomainError as exc:
            _show_error(form, exc)
        else:
            request.session.pop(PENDING_BIND, None)
            messages.success(request, _("%(kind)s已验证") % {"kind": contact.label})
            return redirect("accounts:profile")
    return _render(request, "accounts/contact_verify.html", form=form, contact=contact)
