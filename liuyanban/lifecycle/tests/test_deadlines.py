"""Deadlines in working days across the 2025 National Day week, and the escalation job."""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client

from liuyanban.lifecycle import actions, selectors
from liuyanban.lifecycle.deadlines import rule_days
from liuyanban.lifecycle.models import CalendarOverride, DeadlineRule, Event, Message, Status, Step
from liuyanban.lifecycle.workdays import (
    add_working_days,
    clear_cache,
    is_workday,
    working_days_between,
)
from liuyanban.notifications.models import Notification
from liuyanban.supervision.jobs import run_deadline_job
from liuyanban.supervision.models import Escalation
from liuyanban.taxonomy.models import Kind
from liuyanban.testing.world import World

TZ = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


# Working days read the operator's overrides from the database (cached per process, and
# cleared whenever an override is saved, so another test may leave the cache empty).
@pytest.mark.django_db
def test_make_up_working_days_and_the_holiday_week_count_right() -> None:
    assert is_workday(date(2025, 9, 28))  # a Sunday worked to make up for the holiday
    assert not is_workday(date(2025, 10, 6))  # a Monday inside the holiday
    assert add_working_days(date(2025, 9, 26), 3) == date(2025, 9, 30)
    # Three working days from the eve of the holiday land after it, not on 3 October.
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert working_days_between(date(2025, 10, 9), date(2025, 9, 30)) == -1


@pytest.mark.django_db
def test_operator_override_for_a_year_the_package_lacks() -> None:
    day = date(2026, 12, 31)
    CalendarOverride.objects.create(date=day, is_workday=False, note="测试调休")
    clear_cache()
    try:
        assert not is_workday(day)
    finally:
        CalendarOverride.objects.all().delete()
        clear_cache()


def test_rules_nearest_organisation_and_kind_win(world: World) -> None:
    question = Kind.objects.get(code="question")
    complaint = Kind.objects.get(code="complaint")
    assert rule_days(organization=world.east_housing, kind=complaint, step=Step.REPLY) == 15
    assert rule_days(organization=world.east_housing, kind=question, step=Step.REPLY) == 5
    DeadlineRule.objects.create(
        organization=world.east, kind=None, step=Step.REPLY, working_days=10
    )
    assert rule_days(organization=world.east_housing, kind=complaint, step=Step.REPLY) == 10
    assert rule_days(organization=world.west_housing, kind=complaint, step=Step.REPLY) == 15


def test_deadlines_are_stored_when_steps_start_across_the_holiday(world: World) -> None:
    with time_machine.travel(at(date(2025, 9, 26)), tick=False):
        m = world.message_in(Status.PUBLISHED)
        assert m.accept_due == date(2025, 9, 30)
    with time_machine.travel(at(date(2025, 9, 30)), tick=False):
        actions.accept_message(actor=world.olga, message_id=m.pk)
    m.refresh_from_db()
    # 15 working days from 30 Sept: 9, 10, 11 (a make-up Saturday) Oct, then 12 more.
    assert m.reply_due == add_working_days(date(2025, 9, 30), 15) == date(2025, 10, 28)
    assert m.current_due == m.reply_due


def test_extension_once_before_the_deadline(world: World) -> None:
    with time_machine.travel(at(date(2025, 9, 26)), tick=False):
        m = world.message_in(Status.IN_HANDLING)
        assert "request_extension" in selectors.available_actions(world.uma, m)
        actions.request_extension(
            actor=world.uma, message_id=m.pk, reason="需要多部门会商", working_days=5
        )
        actions.decide_extension(actor=world.olga, message_id=m.pk, approve=True)
    m.refresh_from_db()
    assert m.reply_due == add_working_days(add_working_days(date(2025, 9, 26), 15), 5)
    assert m.extension_used
    assert "request_extension" not in selectors.available_actions(world.uma, m)
    # On the deadline day itself it is too late to ask (for a fresh message).
    with time_machine.travel(at(date(2025, 9, 26)), tick=False):
        late = world.message_in(Status.IN_HANDLING)
    assert late.reply_due is not None
    with time_machine.travel(at(late.reply_due), tick=False):
        assert "request_extension" not in selectors.available_actions(
            world.uma, Message.objects.get(pk=late.pk)
        )


def test_escalation_levels_are_queries_and_the_job_records_each_once(world: World) -> None:
    with time_machine.travel(at(date(2025, 9, 1)), tick=False):
        m = world.message_in(Status.IN_HANDLING)
    due = Message.objects.get(pk=m.pk).current_due
    assert due == add_working_days(date(2025, 9, 1), 15) == date(2025, 9, 22)
    steps = [
        (date(2025, 9, 18), "warning"),  # two working days before
        (date(2025, 9, 23), "reminder"),  # the working day after the deadline
        (add_working_days(date(2025, 9, 22), 5), "yellow"),
        (add_working_days(date(2025, 9, 22), 10), "red"),
    ]
    for day, level in steps:
        m = Message.objects.get(pk=m.pk)
        assert selectors.escalation_level(m, day) == level
        assert selectors.overdue(Message.objects.all(), day, "reminder").exists() == (
            level != "warning"
        )
        with time_machine.travel(at(day), tick=False):
            first = run_deadline_job(day)
            again = run_deadline_job(day)
        assert first.created.get(level) == 1
        assert again.created == {}
    assert list(
        Escalation.objects.filter(message=m).order_by("created_at").values_list("level", flat=True)
    ) == ["warning", "reminder", "yellow", "red"]
    assert Notification.objects.filter(user=world.sam, verb="deadline_yellow").count() == 1
    assert Notification.objects.filter(user=world.uma, verb="deadline_warning").count() == 1
    # The red list on the supervisor's board is a query over stored deadlines.
    red_day = steps[-1][0]
    assert list(selectors.overdue(selectors.supervised_messages(world.sam), red_day, "red")) == [m]
    assert m.status == Status.IN_HANDLING  # overdue is never a status


@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_escalate_once() -> None:
    from liuyanban.testing.world import build_world

    world = build_world()
    with time_machine.travel(at(date(2025, 9, 1)), tick=False):
        m = world.message_in(Status.IN_HANDLING)
    day = add_working_days(date(2025, 9, 22), 1)
    results: list[dict[str, int]] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            results.append(run_deadline_job(day).created)
        finally:
            connection.close()

    if connection.vendor == "sqlite":
        # SQLite's shared in-memory test database locks whole tables between threads;
        # the race itself is proven on PostgreSQL (CI), here the two runs go one after another.
        barrier = threading.Barrier(1)
        run()
        run()
    else:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert Escalation.objects.filter(message=m, level="reminder").count() == 1
    assert Notification.objects.filter(user=world.olga, verb="deadline_reminder").count() == 1
    assert sum(r.get("reminder", 0) for r in results) == 1


def test_a_message_found_far_overdue_gets_one_notice_at_its_highest_level(world: World) -> None:
    with time_machine.travel(at(date(2025, 9, 1)), tick=False):
        m = world.message_in(Status.IN_HANDLING)
    red_day = add_working_days(date(2025, 9, 22), 10)
    with time_machine.travel(at(red_day), tick=False):
        report = run_deadline_job(red_day)
    # Every level is on record (so no later run repeats it) ...
    assert set(Escalation.objects.filter(message=m).values_list("level", flat=True)) == {
        "reminder",
        "yellow",
        "red",
    }
    assert report.created == {"red": 1, "yellow": 1, "reminder": 1}
    # ... but the timeline and the staff get one notice, the red one.
    events = Event.objects.filter(message=m, action="escalate")
    assert [e.details["level"] for e in events] == ["red"]
    assert Notification.objects.filter(user=world.sam, verb="deadline_red").count() == 1
    assert not Notification.objects.filter(verb__in=["deadline_yellow", "deadline_reminder"])
    labels = [entry["label"] for entry in selectors.timeline(m, staff=True)]
    assert labels.count("红牌督办") == 1 and "超期预警" not in labels


def test_an_override_saved_in_the_admin_changes_deadlines_at_once(
    world: World, client: Client
) -> None:
    """Save a holiday in the admin: the next deadline skips it; delete it: back again."""
    from liuyanban.accounts.models import User
    from liuyanban.lifecycle.deadlines import due_date

    complaint = Kind.objects.get(code="complaint")
    start, holiday = date(2025, 11, 3), date(2025, 11, 5)  # a Monday; the Wednesday after

    def due() -> date:
        return due_date(
            start=start, organization=world.east_housing, kind=complaint, step=Step.REPLY
        )

    before = due()  # warms the working-day cache
    assert is_workday(holiday)
    admin = User.objects.create_superuser(username="root", password="pw-root", email="r@x.cn")
    client.force_login(admin)
    added = client.post(
        "/admin/lifecycle/calendaroverride/add/",
        {"date": holiday.isoformat(), "is_workday": "", "note": "临时放假"},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    override = CalendarOverride.objects.get(date=holiday)
    assert not is_workday(holiday)
    assert due() == add_working_days(before, 1) and due() > before
    listed = client.get("/admin/lifecycle/calendaroverride/")
    assert listed.status_code == 200 and "临时放假" in listed.content.decode()
    deleted = client.post(
        f"/admin/lifecycle/calendaroverride/{override.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert is_workday(holiday) and due() == before


@pytest.mark.django_db
def test_other_processes_pick_up_an_override_within_the_ttl() -> None:
    """A change this process did not see (another worker saved it) is read after the TTL."""
    from liuyanban.lifecycle import workdays

    day = date(2025, 11, 12)
    assert is_workday(day)
    # Written without signals, as another process's save looks to this one.
    CalendarOverride.objects.bulk_create([CalendarOverride(date=day, is_workday=False)])
    assert is_workday(day)  # still cached
    workdays._loaded_at[0] -= workdays.OVERRIDES_TTL + 1
    try:
        assert not is_workday(day)
    finally:
        CalendarOverride.objects.filter(date=day).delete()
        clear_cache()
