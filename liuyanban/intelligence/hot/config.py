"""Settings of the platform's hot issues: the grouping window and the early-warning rule."""

from __future__ import annotations

from typing import Any

from django.conf import settings

HOT_DEFAULTS: dict[str, Any] = {"days": 90, "min_messages": 2, "rebuild_hours": 24}
WARNING_DEFAULTS: dict[str, Any] = {"days": 7, "min_messages": 3, "growth": 1.5}


def hot_config() -> dict[str, Any]:
    """``settings.LIUYANBAN["HOT_ISSUES"]`` over the defaults (window days, minimum size)."""
    return {**HOT_DEFAULTS, **settings.LIUYANBAN.get("HOT_ISSUES", {})}


def warning_config() -> dict[str, Any]:
    """``settings.LIUYANBAN["HOT_WARNING"]`` over the defaults (未诉先办 thresholds)."""
    return {**WARNING_DEFAULTS, **settings.LIUYANBAN.get("HOT_WARNING", {})}
