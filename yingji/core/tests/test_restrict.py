"""Permissions by region (属地管理) through the one queryset method."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from yingji.accounts.choices import Role
from yingji.accounts.models import Unit, User
from yingji.core.testing.world import build_world, make_user
from yingji.geo.models import Region

pytestmark = pytest.mark.django_db


def test_city_user_sees_every_county() -> None:
    world = build_world()
    seen = set(Region.objects.restrict(world.user(Role.DUTY_OFFICER), "view"))
    assert {world.city, world.county_a, world.county_b, world.township_a} <= seen
    assert world.province not in seen  # above the city: not the city's to see


def test_county_user_sees_own_region_and_below_only() -> None:
    world = build_world()
    user = world.user(Role.COUNTY_OFFICER, "a")
    seen = set(Region.objects.restrict(user, "view"))
    assert seen == {world.county_a, world.township_a}
    units = set(Unit.objects.restrict(user, "view"))
    assert units == {world.unit_a}


def test_role_without_permission_gets_nothing() -> None:
    world = build_world()
    officer = world.user(Role.COUNTY_OFFICER, "a")
    assert not Region.objects.restrict(officer, "change").exists()
    assert Unit.objects.restrict(officer, "change").exists()
    assert not Unit.objects.restrict(officer, "delete").exists()
    assert not User.objects.restrict(officer, "view").exists()  # accounts: city admin only


def test_anonymous_inactive_and_unitless_users_get_nothing() -> None:
    world = build_world()
    assert not Region.objects.restrict(AnonymousUser(), "view").exists()
    assert not Region.objects.restrict(None, "view").exists()
    inactive = world.user(Role.VIEWER, "a")
    inactive.is_active = False
    inactive.save()
    assert not Region.objects.restrict(inactive, "view").exists()
    unitless = make_user("nobody", Role.VIEWER, None)
    assert not Region.objects.restrict(unitless, "view").exists()


def test_superuser_sees_everything() -> None:
    world = build_world()
    root = make_user("root", Role.VIEWER, None, is_superuser=True)
    assert Region.objects.restrict(root, "delete").count() == Region.objects.count()
    assert world.province in Region.objects.restrict(root, "view")


def test_unknown_action_is_a_programming_error() -> None:
    world = build_world()
    with pytest.raises(ValueError):
        Region.objects.restrict(world.user(Role.CITY_ADMIN), "approve")


def test_prefix_does_not_leak_to_sibling_codes() -> None:
    """/370102/ must not match /3701021/…: the path ends with a slash."""
    world = build_world()
    odd = Region.objects.create(code="3701021", name="假区划", level="district", parent=world.city)
    user = world.user(Role.COUNTY_OFFICER, "a")
    assert odd not in Region.objects.restrict(user, "view")


def test_direct_report_point_sees_only_its_own_incidents() -> None:
    """A utility sits in the city region; it must not read the whole city's incidents."""
    from django.utils import timezone

    from yingji.accounts.choices import UnitKind
    from yingji.core.testing.world import make_unit
    from yingji.incidents.models import Incident, IncidentType, Report

    world = build_world()
    water = make_unit("济南水务集团", world.city, kind=UnitKind.UTILITY)
    point_user = make_user("shuiwu-test", Role.DIRECT_REPORT, water)
    kind = IncidentType.objects.get_or_create(code="22A99", defaults={"name": "测试", "depth": 3})[
        0
    ]
    now = timezone.now()

    def incident(title: str, unit: Unit) -> Incident:
        return Incident.objects.create(
            title=title,
            incident_type=kind,
            occurred_at=now,
            received_at=now,
            source_channel="direct_report",
            region=world.county_a,
            reporting_unit=unit,
        )

    ours = incident("供水管网爆管", water)
    theirs = incident("道路积水", world.unit_a)
    Report.objects.create(incident=theirs, kind="initial", mode="phone", submitted_at=now)
    assert set(Incident.objects.restrict(point_user, "view")) == {ours}
    assert not Report.objects.restrict(point_user, "view").exists()
    # Everyone else is unaffected: the city sees both.
    assert set(Incident.objects.restrict(world.user(Role.DUTY_OFFICER), "view")) == {ours, theirs}


def test_city_wide_event_is_readable_below_but_not_editable() -> None:
    from django.utils import timezone

    from yingji.core.models import ancestor_paths
    from yingji.incidents.models import Event

    assert ancestor_paths("/370000/370100/370102/") == ["/370000/", "/370000/370100/"]
    world = build_world()
    storm = Event.objects.create(name="7·18 暴雨", region=world.city, started_at=timezone.now())
    local = Event.objects.create(
        name="市中区山体滑坡", region=world.county_b, started_at=timezone.now()
    )
    officer_a = world.user(Role.COUNTY_OFFICER, "a")
    assert set(Event.objects.restrict(officer_a, "view")) == {storm}
    assert local not in Event.objects.restrict(officer_a, "view")
    assert not Event.objects.restrict(world.user(Role.DUTY_OFFICER, "city"), "view").exclude(
        pk__in=[storm.pk, local.pk]
    )
    # Reading is not changing: the county cannot edit the city's event.
    assert storm not in Event.objects.restrict(world.user(Role.CITY_ADMIN, "a"), "change")


def test_restrict_key_changes_with_everything_restrict_reads() -> None:
    # Spatial search keeps compiled restricted queries by this key (geo/search.py): any
    # change in what restrict() reads must give another key; the same user, the same one.
    from yingji.core.models import restrict_key
    from yingji.incidents.models import Incident

    world = build_world()
    user = world.user(Role.COUNTY_OFFICER, "a")
    first = restrict_key(user, Incident)
    assert restrict_key(user, Incident) == first
    assert restrict_key(world.user(Role.COUNTY_OFFICER, "b"), Incident) != first
    assert restrict_key(user, Incident, "change") != first
    assert restrict_key(user, Region) != first
    assert restrict_key(AnonymousUser(), Incident) != first
    for change in (
        {"role": Role.DIRECT_REPORT},
        {"is_active": False},
        {"is_superuser": True},
        {"unit_id": world.unit_b.pk},
        {"scope_path": world.county_b.path},
    ):
        changed = User.objects.get(pk=user.pk)
        for name, value in change.items():
            setattr(changed, name, value)
        assert restrict_key(changed, Incident) != first, change
