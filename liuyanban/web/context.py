"""Template context for every page: site name, navigation, the signed-in user's roles."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import pgettext_lazy

from liuyanban.notifications import selectors as notification_selectors

# (url name, label); an entry shows only once its page exists. Labels have a short
# "navigation" form in other languages so the header stays on one line.
PUBLIC_NAV = [
    ("web:home", pgettext_lazy("navigation", "首页")),
    ("web:search", pgettext_lazy("navigation", "搜索留言")),
    ("web:write", pgettext_lazy("navigation", "我要留言")),
    ("web:directory", pgettext_lazy("navigation", "机构目录")),
    ("web:hot_issues", pgettext_lazy("navigation", "热点问题")),
    ("web:campaigns", pgettext_lazy("navigation", "建言征集")),
    ("web:stats", pgettext_lazy("navigation", "数据统计")),
]
USER_NAV = [
    ("web:my_messages", pgettext_lazy("navigation", "我的留言")),
    ("web:notifications", pgettext_lazy("navigation", "通知")),
    ("web:workbench", pgettext_lazy("navigation", "工作台")),
]


def _resolve(items: Sequence[tuple[str, object]]) -> list[dict[str, object]]:
    # The same on every request under one URL configuration and script prefix (labels
    # are lazy, translated when shown): reversed once, not on every page.
    key = (id(items), settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    found = _RESOLVED.get(key)
    if found is None:
        found = _RESOLVED[key] = []
        for name, label in items:
            try:
                found.append({"name": name, "url": reverse(name), "label": label})
            except NoReverseMatch:
                continue
    return found


_RESOLVED: dict[tuple[object, ...], list[dict[str, object]]] = {}


def site(request: HttpRequest) -> dict[str, object]:
    """Values every template may use."""
    user = getattr(request, "user", None)
    is_staff_member = bool(user and user.is_authenticated and user.memberships.exists())
    user_nav = _resolve(USER_NAV) if user and user.is_authenticated else []
    if not is_staff_member:
        user_nav = [i for i in user_nav if i["name"] != "web:workbench"]
    unread = notification_selectors.unread_count(user) if user is not None else 0
    return {
        "site_name": settings.LIUYANBAN["SITE_NAME"],
        "public_nav": _resolve(PUBLIC_NAV),
        "user_nav": user_nav,
        "is_staff_member": is_staff_member,
        "unread_notifications": unread,
    }
