"""The demo officers, filings and points: synthetic, some districts below 20, idempotent."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from yingji.accounts.choices import Role
from yingji.accounts.models import User
from yingji.core.management.commands.load_demo import load_demo
from yingji.reporters.choices import RosterStatus
from yingji.reporters.demo import DISTRICT_OFFICERS
from yingji.reporters.models import DirectReportPoint, InformationOfficer, RosterFiling
from yingji.reporters.selectors import counties_below_officer_minimum

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def jinan(db):  # type: ignore[no-untyped-def]
    """Jinan with its synthetic demo townships, as ``yingji demo`` loads it."""
    from yingji.geo.loaders import load_jinan

    return load_jinan(with_townships=True)


def test_demo_reporters_on_jinan(jinan) -> None:  # type: ignore[no-untyped-def]
    load_demo()
    out = StringIO()
    call_command("load_demo_reporters", stdout=out)
    assert "Demo officers" in out.getvalue()
    synthetic = InformationOfficer.objects.filter(is_synthetic=True)
    assert synthetic.count() == sum(t for t, _ in DISTRICT_OFFICERS.values()) + 1
    assert not InformationOfficer.objects.filter(is_synthetic=False).exists()
    assert all("合成" in o.note for o in synthetic)
    assert all(re.fullmatch(r"1[358]\d0000\d{4}", o.phone) for o in synthetic)
    # Every officer sits in a township of its district (Jinan's demo townships are loaded).
    assert set(synthetic.values_list("region__level", flat=True)) == {"township"}
    admin = User.objects.get(username="admin")
    below = counties_below_officer_minimum(user=admin)
    assert [row.county.name for row in below] == ["槐荫区", "长清区", "钢城区", "商河县"]
    assert [row.active for row in below] == [19, 18, 18, 19]
    # 济阳区 has exactly 20 active officers: not below.
    jiyang = InformationOfficer.objects.filter(
        region__path__contains="/370115/", is_active=True
    ).count()
    assert jiyang == 20
    # Every district filed; the ones below the minimum were returned.
    assert RosterFiling.objects.count() == 12
    returned = RosterFiling.objects.filter(status=RosterStatus.RETURNED)
    assert sorted(f.region.code for f in returned) == ["370104", "370113", "370117", "370126"]
    assert RosterFiling.objects.filter(status=RosterStatus.SUBMITTED).exists()
    # Six direct-report points for the demo utilities, each with its demo account.
    points = DirectReportPoint.objects.select_related("unit")
    assert points.count() == 6
    for point in points:
        assert point.unit.users.filter(role=Role.DIRECT_REPORT, is_demo=True).exists()
    # The demo information officer's account is linked to an officer record.
    assert InformationOfficer.objects.filter(user__username="xinxiyuan").exists()
    # A county officer sees only their own district.
    lixia = User.objects.get(username="lixia")
    assert [row.county.code for row in counties_below_officer_minimum(user=lixia)] == []
    assert {
        code[:6]
        for code in InformationOfficer.objects.restrict(lixia).values_list(
            "region__code", flat=True
        )
    } == {"370102"}

    # Idempotent: a second run creates nothing.
    before = (InformationOfficer.objects.count(), RosterFiling.objects.count())
    call_command("load_demo_reporters", stdout=StringIO())
    assert (InformationOfficer.objects.count(), RosterFiling.objects.count()) == before
    assert DirectReportPoint.objects.count() == 6
