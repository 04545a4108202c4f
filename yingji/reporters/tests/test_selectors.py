"""Selectors: counties below the minimum (boundary), officers' reports and timeliness."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world, make_user
from yingji.incidents.models import Incident, IncidentType, Report
from yingji.reporters import selectors

from . import factories

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    return build_world()


def test_exactly_twenty_active_is_not_below(world: World) -> None:
    factories.officers(world.township_a, 20)
    factories.officers(world.county_a, 3, is_active=False)
    factories.officers(world.county_b, 19)
    city = world.user(Role.CITY_ADMIN, "city")
    below = selectors.counties_below_officer_minimum(user=city)
    assert [(row.county.code, row.active, row.shortfall) for row in below] == [("370103", 19, 1)]
    rows = {row.county.code: row for row in selectors.county_officer_counts(user=city)}
    assert (rows["370102"].active, rows["370102"].total) == (20, 23)
    factories.officer(world.county_b)
    assert selectors.counties_below_officer_minimum(user=city) == []


def test_minimum_is_data(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    factories.officers(world.township_a, 5)
    city = world.user(Role.CITY_ADMIN, "city")
    settings.YINGJI_MIN_OFFICERS_PER_COUNTY = 5
    assert [r.county.code for r in selectors.counties_below_officer_minimum(user=city)] == [
        "370103"
    ]
    assert [
        r.county.code for r in selectors.counties_below_officer_minimum(user=city, minimum=6)
    ] == ["370102", "370103"]
    del settings.YINGJI_MIN_OFFICERS_PER_COUNTY
    assert selectors.min_officers_per_county() == 20


def test_counties_scoped_to_the_user(world: World) -> None:
    county_b = world.user(Role.COUNTY_OFFICER, "b")
    rows = selectors.counties_below_officer_minimum(user=county_b)
    assert [row.county.code for row in rows] == ["370103"]
    assert selectors.counties_below_officer_minimum(user=world.user(Role.INFO_OFFICER, "a")) == []


def _incident(world: World, n: int) -> Incident:
    kind, _ = IncidentType.objects.get_or_create(
        code="11B03", defaults={"name": "暴雨", "depth": 3}
    )
    when = datetime(2026, 11, 10, 8, 0, tzinfo=SHANGHAI)
    return Incident.objects.create(
        title=f"测试事件{n}",
        incident_type=kind,
        occurred_at=when,
        received_at=when,
        source_channel="info_officer",
        region=world.township_a,
    )


def _report(incident: Incident, user, at: datetime, kind: str = "initial", seq: int = 0) -> Report:  # type: ignore[no-untyped-def]
    return Report.objects.create(
        incident=incident, kind=kind, sequence=seq, mode="phone", submitted_by=user, submitted_at=at
    )


def test_officer_stats_counts_reports_in_the_period(world: World) -> None:
    user = make_user("info-officer-a", Role.INFO_OFFICER, world.unit_a)
    with_account = factories.officer(world.township_a, user=user)
    without = factories.officer(world.township_a)
    other = factories.officer(world.county_b)
    one, two = _incident(world, 1), _incident(world, 2)
    start = datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI)
    _report(one, user, start)  # first moment of the period: counted
    _report(one, user, start + timedelta(days=5), "followup", 1)
    _report(two, user, datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI))  # last day: counted
    _report(two, user, datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI), "followup", 1)  # after
    _report(two, user, start - timedelta(seconds=1), "followup", 2)  # before
    county_a = world.user(Role.COUNTY_OFFICER, "a")
    rows = {
        row.officer.pk: row
        for row in selectors.officer_stats(
            user=county_a, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30)
        )
    }
    assert set(rows) == {with_account.pk, without.pk}  # county B's officer is not listed
    assert (rows[with_account.pk].reports, rows[with_account.pk].incidents) == (3, 2)
    assert rows[without.pk].reports == 0
    assert other.pk not in rows


def test_officer_stats_timeliness_from_deadlines(world: World) -> None:
    Deadline = selectors.deadline_model()
    if Deadline is None:
        pytest.skip("the deadlines app has no Deadline model yet")
    user = make_user("info-officer-a", Role.INFO_OFFICER, world.unit_a)
    officer = factories.officer(world.township_a, user=user)
    incident = _incident(world, 1)
    at = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    on_time = _report(incident, user, at)
    late = _report(incident, user, at + timedelta(hours=3), "followup", 1)
    outcomes = (
        (on_time, "initial_phone", 0, "met"),
        (on_time, "initial_written", 0, "met"),
        (late, "followup", 1, "late"),
    )
    for report, kind, sequence, status in outcomes:
        Deadline.objects.create(
            incident=incident,
            kind=kind,
            sequence=sequence,
            anchor_at=at,
            due_at=at,
            status=status,
            fulfilled_by=report,
        )
    (row,) = selectors.officer_stats(
        user=world.user(Role.CITY_ADMIN, "city"),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        officers=[officer],
    )
    assert (row.reports, row.deadlines_met, row.deadlines_late) == (2, 2, 1)
    assert row.on_time_share == pytest.approx(2 / 3)


def test_on_time_share_is_none_without_deadlines(world: World) -> None:
    officer = factories.officer(world.township_a)
    (row,) = selectors.officer_stats(
        user=world.user(Role.CITY_ADMIN, "city"),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        officers=[officer],
    )
    assert row.on_time_share is None


def test_current_month() -> None:
    assert selectors.current_month(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert selectors.current_month(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
