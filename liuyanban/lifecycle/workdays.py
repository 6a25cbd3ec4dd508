"""Working days: China's official holidays and make-up working days (调休).

``chinese_calendar`` knows the State Council's schedule for the years it ships;
``CalendarOverride`` rows let an operator correct a day or add a year the package
does not know yet (it then falls back to Monday–Friday, which is wrong around
holidays — so a missing year is logged once).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from django.db import transaction

logger = logging.getLogger(__name__)
_warned_years: set[int] = set()


# Other processes (web workers, task workers) learn of a changed override within this
# many seconds; the process that saved it at once.
OVERRIDES_TTL = 60.0
_loaded_at = [0.0]


@lru_cache(maxsize=1)
def _overrides() -> dict[date, bool]:
    from .models import CalendarOverride

    _loaded_at[0] = time.monotonic()
    return dict(CalendarOverride.objects.values_list("date", "is_workday"))


def clear_cache() -> None:
    """Forget cached overrides and days (on every save or delete of an override)."""
    _overrides.cache_clear()
    _is_workday_cached.cache_clear()


def on_override_changed(**kwargs: object) -> None:
    """``post_save`` / ``post_delete`` receiver of ``CalendarOverride`` (see ``apps.py``).

    Cleared now (so the rest of this transaction sees the change) and again after
    commit (so a read in between cannot keep the old calendar).
    """
    clear_cache()
    transaction.on_commit(clear_cache)


def official_is_workday(day: date) -> bool:
    """The State Council's calendar alone, without operator overrides (no database).

    For historical data (e.g. the reply-quality evaluation); the platform's own
    deadlines use ``is_workday``.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "chinese_calendar has no data for %s; add CalendarOverride rows", day.year
            )
        return day.weekday() < 5


@lru_cache(maxsize=8192)
def _is_workday_cached(day: date) -> bool:
    override = _overrides().get(day)
    if override is not None:
        return override
    return official_is_workday(day)


def is_workday(day: date) -> bool:
    """True when ``day`` is a working day in China (overrides first)."""
    if _loaded_at[0] and time.monotonic() - _loaded_at[0] > OVERRIDES_TTL:
        clear_cache()
        _loaded_at[0] = 0.0
    return _is_workday_cached(day)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted).

    A message accepted on the Friday before National Day with 3 working days gets a
    deadline after the holiday week, not the following Wednesday.
    """
    if days < 0:
        return subtract_working_days(start, -days)
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def subtract_working_days(start: date, days: int) -> date:
    """The ``days``-th working day before ``start``."""
    day = start
    remaining = days
    while remaining > 0:
        day -= timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def working_days_between(
    start: date, end: date, *, workday: Callable[[date], bool] = is_workday
) -> int:
    """Working days in (start, end]; negative when ``end`` is before ``start``.

    ``workday`` is the calendar (``official_is_workday`` for historical data).
    """
    if end < start:
        return -working_days_between(end, start, workday=workday)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if workday(day):
            count += 1
    return count
