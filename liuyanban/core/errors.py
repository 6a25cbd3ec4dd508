"""One application error hierarchy, mapped once per interface (web, REST, Open311).

Each error carries a stable ``code`` and a message in the user's language; the
HTTP status lives here so that every interface answers the same way.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every error a user can cause; never a 500."""

    status = 400
    code = "invalid"
    default_message = _("请求无效")

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = str(message or self.default_message)
        self.fields = fields or {}
        super().__init__(self.message)


class InvalidInput(DomainError):
    """Bad input: a field is missing, too long, of the wrong kind."""

    status = 400
    code = "invalid_input"
    default_message = _("输入有误，请检查后重试")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("请先登录")


class NotPermitted(DomainError):
    """The object is visible to the user, but this action is not theirs to take."""

    status = 403
    code = "forbidden"
    default_message = _("您无权执行此操作")


class NotFound(DomainError):
    """Missing, or not the user's to see: the two look the same on purpose."""

    status = 404
    code = "not_found"
    default_message = _("未找到")


class InvalidTransition(DomainError):
    """The action is not allowed in the message's current status."""

    status = 409
    code = "invalid_transition"
    default_message = _("当前状态下不能执行此操作，可能已被他人处理，请刷新后查看")


class Conflict(DomainError):
    """The action collides with something already done (a second rating, a second extension)."""

    status = 409
    code = "conflict"
    default_message = _("操作冲突，请刷新后重试")


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` (seconds) says when trying again makes sense."""

    status = 429
    code = "rate_limited"
    default_message = _("操作过于频繁，请稍后再试")

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message, fields=fields)
        self.retry_after = retry_after
