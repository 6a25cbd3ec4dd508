"""Deadline rules: how many working days a step gets, for an organisation and a kind."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from liuyanban.organizations.models import Organization
from liuyanban.taxonomy.models import Kind

from .lookups import deadline_rules
from .models import Step
from .workdays import add_working_days, is_workday, subtract_working_days

# PRODUCT.md defaults, used only when no rule row exists at all.
BUILT_IN_DAYS = {Step.ACCEPT: 3, Step.REPLY: 15}


def rule_days(*, organization: Organization | None, kind: Kind | None, step: str) -> int:
    """Working days for ``step``: the nearest organisation's rule wins, a kind-specific one first."""
    paths = organization.ancestors_paths() if organization is not None else []
    # Remembered per process (lookups.py): every approval and assignment asks the same.
    rules = deadline_rules.get((tuple(paths), kind.pk if kind is not None else None, step))
    if not rules:
        return BUILT_IN_DAYS[Step(step)]

    def rank(rule: tuple[str | None, int | None, int]) -> tuple[int, int]:
        path, kind_id, _days = rule
        distance = paths.index(path) if path in paths else len(paths)
        return (distance, 0 if kind_id is not None else 1)

    return min(rules, key=rank)[2]


def due_date(
    *, start: date, organization: Organization | None, kind: Kind | None, step: str
) -> date:
    """The deadline of a step that starts on ``start``."""
    return add_working_days(start, rule_days(organization=organization, kind=kind, step=step))


def escalation_thresholds() -> dict[str, int]:
    """Working days overdue at which each escalation level starts (configurable)."""
    configured: dict[str, int] = settings.LIUYANBAN.get("ESCALATION_DAYS", {})
    return {"reminder": 1, "yellow": 5, "red": 10, **configured}


def rehandling_window_days() -> int:
    """Working days after a poor rating in which the author may ask for 重办 (configurable)."""
    days: int = settings.LIUYANBAN.get("REHANDLING_WINDOW_DAYS", 5)
    return days


def warning_days() -> int:
    """Working days before the deadline at which the near-deadline warning goes out."""
    days: int = settings.LIUYANBAN.get("WARNING_DAYS", 2)
    return days


def overdue_before(today: date, working_days: int) -> date:
    """Deadlines strictly before this date are at least ``working_days`` overdue on ``today``.

    "N working days overdue" means N working days lie in (due, today]. With W_N the
    N-th most recent working day up to and including today, that holds exactly when
    due < W_N — one indexed range query, whatever the calendar.
    """
    if working_days <= 0:
        return today + timedelta(days=1)
    first = today if is_workday(today) else subtract_working_days(today, 1)
    return subtract_working_days(first, working_days - 1)


def level_cutoff(today: date, level: str) -> date:
    """``overdue_before`` for a named escalation level."""
    return overdue_before(today, escalation_thresholds()[level])
