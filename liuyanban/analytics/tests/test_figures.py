"""Each KPI against a small world computed by hand.

The world (all received on Tuesday 2024-03-05, east board unless noted):
  m1  closed: replied on day 2 (Thu 03-07), rated 5/4/3 by alice (closes it)
  m2  extension approved (+2 working days): due 03-12 + 2 = 03-14; replied 03-18 → late
  m3  returned once by the unit, re-assigned, replied day 3 (03-08) — on time; rated 1/2/2,
      then reopened by the office (so: replied, reopened, not answered now)
  m4  merged into m5 (the canonical, still published)
  m5  published, never accepted
  m6  west board, rejected
All are 求助 (help): the reply is due 5 working days after acceptance (03-05 → 03-12).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from liuyanban.analytics import reports, rollups
from liuyanban.analytics.index import Weights, ranking, score
from liuyanban.analytics.models import Rollup
from liuyanban.analytics.selectors import Period, Scope, median_of, rows, summary
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Message, Resolution, Status
from liuyanban.supervision import actions as supervision
from liuyanban.taxonomy.models import Domain, Kind
from liuyanban.testing.world import World

TEXT = "经核实情况属实，已经安排专人处理完毕，请知悉。"
YEAR = Period.year(2024)


def _at(time_machine: Any, day: int) -> None:
    moment = datetime(2024, 3, day, 10, 0, tzinfo=timezone.get_current_timezone())
    time_machine.move_to(moment, tick=False)


def _help() -> int:
    return Kind.objects.get(code="help").pk  # reply within 5 working days


def _routed(world: World, author: Any = None) -> Message:
    m = world.submit(author, kind_id=_help())
    actions.approve_message(actor=world.mona, message_id=m.pk)
    actions.accept_message(actor=world.olga, message_id=m.pk)
    actions.assign_message(actor=world.olga, message_id=m.pk, lead_id=world.east_housing.pk)
    actions.sign_message(actor=world.uma, message_id=m.pk)
    return m


def _reply(world: World, m: Message) -> None:
    actions.reply_final(actor=world.uma, message_id=m.pk, body=TEXT, resolution=Resolution.SOLVED)


@pytest.fixture
def history(world: World, time_machine: Any) -> dict[str, Message]:
    _at(time_machine, 5)
    m1, m2, m3 = (_routed(world, world.alice) for _ in range(3))
    m5 = world.message_in(Status.PUBLISHED, kind_id=_help())
    m4 = world.submit(kind_id=_help())
    actions.merge_message(actor=world.mona, message_id=m4.pk, into_id=m5.pk)
    m6 = world.submit(board_id=world.west_board.pk, kind_id=_help())
    actions.reject_message(actor=world.mona, message_id=m6.pk, reason="与职责无关的内容")
    actions.request_extension(
        actor=world.uma, message_id=m2.pk, reason="需要现场核查", working_days=2
    )
    actions.decide_extension(actor=world.olga, message_id=m2.pk, approve=True)
    actions.return_message(actor=world.uma, message_id=m3.pk, reason="不属于本单位职责")
    actions.assign_message(actor=world.olga, message_id=m3.pk, lead_id=world.east_housing.pk)
    actions.sign_message(actor=world.uma, message_id=m3.pk)
    supervision.issue_supervision(
        actor=world.sam,
        message_id=m2.pk,
        level="supervise",
        note="请加快",
        response_due=date(2024, 3, 8),
    )
    _at(time_machine, 7)
    _reply(world, m1)
    actions.evaluate_message(actor=world.alice, message_id=m1.pk, solved=5, attitude=4, speed=3)
    _at(time_machine, 8)
    _reply(world, m3)
    actions.evaluate_message(actor=world.alice, message_id=m3.pk, solved=1, attitude=2, speed=2)
    actions.reopen_message(actor=world.olga, message_id=m3.pk, reason="群众反映未解决")
    _at(time_machine, 18)
    _reply(world, m2)
    rollups.rebuild()
    return {"m1": m1, "m2": m2, "m3": m3, "m4": m4, "m5": m5, "m6": m6}


def test_counts_and_rates(history: dict[str, Message]) -> None:
    s = summary(Scope(), YEAR)
    assert s["received"].value == 6
    assert s["published"].value == 4  # m1–m3 and m5; m4 was merged and m6 rejected unpublished
    assert s["accepted"].value == 3
    assert s["replied"].value == 3  # m1, m2, and m3 (reopened but replied once)
    assert s["closed"].value == 1
    assert s["reply_rate"].value == 1.0
    # Answered now: m1 (closed), m2 (replied); m3 is back in handling.
    assert (s["on_time_rate"].numerator, s["on_time_rate"].denominator) == (1, 2)
    assert s["reopen_rate"].value == pytest.approx(1 / 3)
    assert s["return_rate"].value == pytest.approx(1 / 3)
    assert (s["sup_issued"].value, s["sup_answered"].value) == (1, 0)


def test_published_counts_merged_only_if_it_was_published(history: dict[str, Message]) -> None:
    published = Message.objects.filter(published_at__isnull=False).count()
    assert summary(Scope(), YEAR)["published"].value == published


def test_working_days_and_medians(history: dict[str, Message]) -> None:
    s = summary(Scope(), YEAR)
    # Final: m1 03-05→03-07 = 2 working days, m2 03-05→03-18 = 9. First: m1 2, m2 9, m3 3.
    assert s["avg_final"].value == pytest.approx(5.5)
    assert s["median_final"].value == pytest.approx(5.5)
    assert s["avg_first"].value == pytest.approx(14 / 3)
    assert s["median_first"].value == 3


def test_satisfaction(history: dict[str, Message]) -> None:
    s = summary(Scope(), YEAR)
    assert s["solved"].value == 3.0  # (5 + 1) / 2
    assert s["attitude"].value == 3.0
    assert s["speed"].value == 2.5
    assert s["satisfaction"].value == pytest.approx((12 + 5) / 6)
    assert s["good_rate"].value == 0.5  # 5/4/3 has mean 4; 1/2/2 does not


def test_scopes(world: World, history: dict[str, Message]) -> None:
    assert summary(Scope(office=world.west), YEAR)["received"].value == 1
    assert summary(Scope(office=world.province), YEAR)["received"].value == 6
    assert summary(Scope(unit=world.east_housing), YEAR)["replied"].value == 3
    assert summary(Scope(board=world.west_board), YEAR)["accepted"].value == 0
    assert summary(Scope(), Period(date(2024, 3, 6), date(2024, 12, 31)))["received"].value == 0


def test_period_mixes_month_and_day_rows(history: dict[str, Message]) -> None:
    edge = Period(date(2024, 3, 5), date(2024, 4, 30))
    assert summary(Scope(), edge)["received"].value == 6
    assert summary(Scope(), Period(date(2024, 2, 1), date(2024, 3, 4)))["received"].value == 0


def test_median_of_histogram() -> None:
    assert median_of([0, 2, 0, 1]) == 1
    assert median_of([1, 0, 0, 1]) == 1.5
    assert median_of([0, 0]) is None


def test_handling_index_formula(world: World, history: dict[str, Message]) -> None:
    weights = Weights(0.3, 0.3, 0.3, 0.1)
    [east] = [r for r in ranking(rows(Scope(), YEAR), weights) if r.organization == world.east]
    # reply 3/3, on time 1/2, satisfaction 17/6 out of 5, not reopened 2/3
    expected = 0.3 * 1 + 0.3 * 0.5 + 0.3 * (17 / 6) / 5 + 0.1 * (2 / 3)
    assert east.index == pytest.approx(expected)
    assert score({"reply": 1.0, "on_time": None, "satisfaction": None, "reopen": 0.5}, weights) == (
        pytest.approx((0.3 + 0.05) / 0.4)
    )


def test_report_tables_and_findings(world: World, history: dict[str, Message]) -> None:
    report = reports.build(Scope(), YEAR)
    tables = {t.key: t for t in report.tables()}
    assert tables["kinds"].rows == [[Kind.objects.get(code="help").name, 6]]
    assert [r[1] for r in tables["months"].rows] == [6]
    assert tables["boards"].rows[0][1:] == [5, 3]
    share = next(s for s in report.shares)
    assert share.counts == {2023: 0, 2024: 6} and share.shares[2024] == 1.0
    assert tables["kpis"].rows[0][:2] == [summary(Scope(), YEAR)["received"].label, "6"]


def test_share_change_finding_gives_its_numbers(
    world: World, history: dict[str, Message], time_machine: Any
) -> None:
    time_machine.move_to(datetime(2023, 6, 1, 10, tzinfo=timezone.get_current_timezone()))
    world.submit()  # 城乡建设 (urban) in 2023
    other = Domain.objects.filter(level=1).exclude(code="urban")[0]
    world.submit(domain_id=other.pk)
    rollups.rebuild()
    report = reports.build(Scope(), YEAR)
    [urban] = [s for s in report.shares if s.counts[2024] == 6]
    assert (urban.counts, urban.change) == ({2023: 1, 2024: 6}, pytest.approx(50.0))
    texts = [f.text for f in report.findings if f.kind == "share"]
    assert any("50.0%（1/2 件）" in t and "100.0%（6/6 件）" in t and "+50.0" in t for t in texts)


def test_platform_cubes_agree_with_full_rows(world: World, history: dict[str, Message]) -> None:
    from liuyanban.analytics.models import Grain
    from liuyanban.analytics.selectors import grouped, totals

    full = Rollup.objects.filter(YEAR.q())
    for cube in (Grain.KIND, Grain.DOMAIN_REGION, Grain.BOARD, Grain.OFFICE):
        assert totals(rows(Scope(), YEAR, cube)) == totals(full)
    by_office = grouped(rows(Scope(), YEAR, Grain.OFFICE), "office_id")
    assert by_office == grouped(full, "office_id")
    top = {r["region_id"] for r in Rollup.objects.filter(grain=Grain.DOMAIN_REGION).values()}
    assert top <= {0, world.east_region.parent_id}


def test_region_and_office_cubes_agree_with_full_rows(
    world: World, history: dict[str, Message]
) -> None:
    from liuyanban.analytics.models import Grain
    from liuyanban.analytics.selectors import TOTALS, cube_for, grouped, totals

    province = world.east_region.parent
    scopes = [
        Scope(region=province),
        Scope(region=world.east_region),
        Scope(office=world.province),
        Scope(office=world.east),
    ]
    # The region in a scope's domain cube is the scope's own region (a region's cube) or
    # the region cut to the prefecture (a body's): the heat table reads it, compared
    # with the month rows in the report tests.
    breakdowns = [
        (Grain.KIND, ("kind_id",)),
        (Grain.DOMAIN_REGION, ("domain_id",)),
        (Grain.BOARD, ("board_id",)),
        (Grain.OFFICE, ("office_id",)),
    ]
    for scope in scopes:
        full = Rollup.objects.filter(YEAR.q() & scope.q())
        assert totals(full)["received"] > 0
        assert cube_for(scope, TOTALS) != Grain.MONTH
        assert totals(rows(scope, YEAR, TOTALS)) == totals(full)
        for cube, dims in breakdowns:
            assert cube_for(scope, cube) != Grain.MONTH
            assert grouped(rows(scope, YEAR, cube), *dims) == grouped(full, *dims)
    # Two filters at once: the month rows, which keep every dimension.
    assert cube_for(Scope(region=province, office=world.east), Grain.KIND) == Grain.MONTH


def test_report_of_a_subtree_that_never_held_a_message(
    world: World, history: dict[str, Message]
) -> None:
    from liuyanban.analytics.selectors import holding_ids, month_rows_only, subtree_ids

    scope = Scope(office=world.west_housing)  # a unit: never the office of a message
    assert subtree_ids(world.west_housing) and holding_ids(world.west_housing) == []
    report = reports.build(scope, YEAR)
    assert report.summary["received"].value == 0
    assert (report.kinds, report.months, report.boards, report.bodies, report.index) == (
        [],
        [],
        [],
        [],
        [],
    )
    with month_rows_only():
        assert reports.build(scope, YEAR) == report
    assert sorted(holding_ids(world.province)) == sorted({world.east.pk, world.west.pk})


def _messages_at_every_level(world: World, time_machine: Any) -> dict[str, Any]:
    """Messages stated at each level of a province: the province itself, a prefecture,
    counties below it and a street below a county, in several domains and months."""
    from liuyanban.organizations.models import Level, Region
    from liuyanban.testing.factories import RegionFactory

    province = world.east_region.parent
    city = RegionFactory.create(
        code="990200", name="示范市", level=Level.PREFECTURE, parent=province
    )
    north = RegionFactory.create(code="990201", name="北县", level=Level.COUNTY, parent=city)
    south = RegionFactory.create(code="990202", name="南县", level=Level.COUNTY, parent=city)
    street = RegionFactory.create(code="990201001", name="北街道", parent=north)
    domains = list(Domain.objects.filter(level=1).order_by("pk").values_list("pk", flat=True)[:3])
    west = Region.objects.get(code="990102")
    places = [province, city, north, south, street, world.east_region, west, None]
    for i in range(40):
        time_machine.move_to(
            datetime(2024, 1 + i % 12, 1 + i % 27, 10, 0, tzinfo=timezone.get_current_timezone()),
            tick=False,
        )
        region = places[i % len(places)]
        m = world.submit(
            None,
            domain_id=domains[i % len(domains)],
            region_id=region.pk if region else None,
            board_id=(world.east_board if i % 3 else world.west_board).pk,
        )
        if i % 4 == 0:
            actions.approve_message(actor=world.mona, message_id=m.pk)
    return {"province": province, "city": city, "north": north, "street": street}


def test_region_reports_at_every_level_equal_the_month_row_reading(
    world: World, time_machine: Any
) -> None:
    """A province's, a prefecture's and a county's report (heat table by the regions
    just below, domain shares, kinds, boards, bodies) read from cubes keeping every
    region level equal the plain month-row reading; so do the national one (one province:
    its heat table shows the regions below it) and bodies' (region cut to prefectures)."""
    from liuyanban.analytics.selectors import month_rows_only

    at = _messages_at_every_level(world, time_machine)
    rollups.fold_pending()
    rows_before = rollups.table_snapshot()
    assert rows_before
    rollups.rebuild()
    # The fold (Key.rows) and the set-based rebuild (GRAINS in SQL) write the same rows.
    assert rollups.table_snapshot() == rows_before
    scopes = [
        Scope(),
        Scope(region=at["province"]),
        Scope(region=at["city"]),
        Scope(region=at["north"]),
        Scope(region=at["street"]),
        Scope(office=world.province),
        Scope(office=world.east),
    ]
    periods = [YEAR, Period(date(2024, 2, 10), date(2024, 11, 20))]  # day rows at the edges
    for scope in scopes:
        for period in periods:
            report = reports.build(scope, period)
            with month_rows_only():
                assert reports.build(scope, period) == report, (scope.label(), period)
    heat = reports.build(Scope(region=at["province"]), YEAR)
    # The province's own messages, the prefecture's subtree and the two districts.
    assert [r.name if r else None for r in heat.heat_regions] == [
        "示范省",
        "东区",
        "西区",
        "示范市",
    ]
    assert sum(sum(row) for _name, row in heat.heat) == 40
    city = reports.build(Scope(region=at["city"]), YEAR)
    assert [r.name for r in city.heat_regions if r] == ["示范市", "北县", "南县"]


def test_a_region_or_body_reads_the_rows_of_its_own_id(
    world: World, time_machine: Any, django_assert_max_num_queries: Any
) -> None:
    """A region's or a body's figures come from the rows of its own id in its cubes
    (one per breakdown value and month), not from the rows of every region or body
    below it; and a whole report is a bounded number of queries."""
    from liuyanban.analytics.models import Grain
    from liuyanban.analytics.selectors import TOTALS, cube_for

    at = _messages_at_every_level(world, time_machine)
    rollups.rebuild()
    province = Scope(region=at["province"])
    body = Scope(office=world.province)
    for scope, own in ((province, at["province"].pk), (body, world.province.pk)):
        column = "region_id" if scope.region else "office_id"
        for cube in (TOTALS, Grain.KIND, Grain.DOMAIN_REGION, Grain.BOARD):
            read = list(rows(scope, YEAR, cube).values_list(column, "grain"))
            assert read and {(own, cube_for(scope, cube))} == set(read), (scope.label(), cube)
    # Kinds × months of the province: one row each, however many regions below it.
    kinds_months = set(
        Rollup.objects.filter(YEAR.q() & province.q()).values_list("kind_id", "period__month")
    )
    assert rows(province, YEAR, TOTALS).count() == len(kinds_months)
    for scope in (province, body):
        with django_assert_max_num_queries(20):
            reports.build(scope, YEAR)
