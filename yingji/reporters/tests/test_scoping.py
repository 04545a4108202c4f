"""Direct-report users see only the incidents their unit reported (through restrict())."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from yingji.accounts.choices import Role, UnitKind, UtilitySector
from yingji.core.testing.world import build_world, make_unit, make_user
from yingji.incidents.models import Incident, IncidentType, Report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_direct_report_user_sees_only_its_units_incidents() -> None:
    world = build_world()
    water = make_unit("济南演示水务", world.city, UnitKind.UTILITY, sector=UtilitySector.WATER)
    gas = make_unit("济南演示燃气", world.city, UnitKind.UTILITY, sector=UtilitySector.GAS)
    water_user = make_user("water-user", Role.DIRECT_REPORT, water)
    gas_user = make_user("gas-user", Role.DIRECT_REPORT, gas)
    kind, _ = IncidentType.objects.get_or_create(
        code="11B03", defaults={"name": "暴雨", "depth": 3}
    )
    when = datetime(2026, 11, 10, 8, tzinfo=ZoneInfo("Asia/Shanghai"))

    def incident(title: str, unit, by=None) -> Incident:  # type: ignore[no-untyped-def]
        return Incident.objects.create(
            title=title,
            incident_type=kind,
            occurred_at=when,
            received_at=when,
            source_channel="direct_report",
            region=world.county_a,
            reporting_unit=unit,
            created_by=by,
        )

    mine = incident("水管爆裂", water)
    entered_by_me = incident("代录", None, water_user)
    theirs = incident("燃气泄漏", gas)
    police = incident("治安事件", world.unit_a)
    Report.objects.create(incident=mine, kind="initial", mode="phone", submitted_at=when)
    Report.objects.create(incident=theirs, kind="initial", mode="phone", submitted_at=when)

    assert set(Incident.objects.restrict(water_user, "view")) == {mine, entered_by_me}
    reports = Report.objects.restrict(gas_user, "view")
    assert [r.incident for r in reports] == [theirs]
    # Other roles are not narrowed.
    duty = world.user(Role.DUTY_OFFICER, "city")
    assert Incident.objects.restrict(duty, "view").count() == 4
    assert police in Incident.objects.restrict(world.user(Role.COUNTY_OFFICER, "a"), "view")
