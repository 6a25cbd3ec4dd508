"""The one mapping of domain errors to pages (``core.error_pages``), error class by class."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from liuyanban.core.error_pages import (
    error_response,
    form_error,
    handles_domain_errors,
    raise_for,
    user_text,
)
from liuyanban.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RateLimited,
)


class _Form(forms.Form):
    title = forms.CharField(required=False)


def _request(path: str = "/m/1/", referer: str = "") -> HttpRequest:
    request = RequestFactory().post(path, HTTP_REFERER=referer)
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_form_error_puts_messages_on_fields_and_answers_the_errors_status() -> None:
    form = _Form({"title": "x"})
    assert form.is_valid()
    status = form_error(form, InvalidInput(fields={"title": ["标题太短"], "other": ["其他问题"]}))
    assert status == 400
    assert form.errors["title"] == ["标题太短"] and form.non_field_errors() == ["其他问题"]
    form = _Form({})
    assert form.is_valid()
    assert form_error(form, Conflict("已经评价过了")) == 409
    assert form.non_field_errors() == ["已经评价过了"]


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (InvalidInput("验证码不正确"), 200),
        (Conflict(), 200),
        (NotPermitted(), 200),
        (RateLimited(retry_after=60), 429),
    ],
)
def test_pages_that_treat_refusal_as_an_answer_keep_429_for_limits(
    exc: DomainError, expected: int
) -> None:
    form = _Form({})
    assert form.is_valid()
    assert form_error(form, exc, refusal_status=200) == expected
    assert form.non_field_errors() == [exc.message]


def test_user_text_is_the_message_then_the_fields() -> None:
    assert user_text(InvalidTransition()) == str(InvalidTransition.default_message)
    assert "已被他人处理" in user_text(InvalidTransition())
    text = user_text(InvalidInput(fields={"into": ["只能合并到已公开的留言"]}))
    assert text == "输入有误，请检查后重试：只能合并到已公开的留言"
    # A field message equal to the message is not repeated.
    assert user_text(InvalidInput("请填写理由", fields={"reason": ["请填写理由"]})) == "请填写理由"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("exc", "status"),
    [(NotFound(), 404), (NotPermitted("只有本单位可以签收"), 403), (RateLimited(), 429)],
)
def test_error_response_renders_the_status_pages(exc: DomainError, status: int) -> None:
    response = error_response(_request(), exc)
    assert response.status_code == status
    if isinstance(exc, NotPermitted):
        assert "只有本单位可以签收" in response.content.decode()


@pytest.mark.django_db
def test_stale_actions_flash_and_go_back_locally() -> None:
    request = _request(referer="https://evil.example/x")
    response = error_response(request, InvalidTransition(), back="/work/m/LY1/")
    assert response.status_code == 302 and response["Location"] == "/work/m/LY1/"
    flashed = [str(m) for m in get_messages(request)]
    assert flashed == [user_text(InvalidTransition())]
    # No ``back``: the referrer only if it is local, else home.
    response = error_response(_request(referer="https://evil.example/x"), Conflict())
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_not_authenticated_goes_to_login_and_back() -> None:
    response = error_response(_request("/me/"), NotAuthenticated())
    assert response.status_code == 302 and "next=/me/" in response["Location"]


@pytest.mark.django_db
def test_decorated_views_never_let_a_domain_error_become_a_500() -> None:
    @handles_domain_errors
    def view(request: HttpRequest) -> HttpResponse:
        raise NotFound()

    assert view(_request()).status_code == 404


def test_raise_for_hands_404_and_403_to_django() -> None:
    with pytest.raises(Http404):
        raise_for(NotFound())
    with pytest.raises(PermissionDenied):
        raise_for(NotPermitted())
    raise_for(Conflict())  # others are the caller's to show
