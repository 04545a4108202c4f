from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.accounts.choices import Role, UnitKind
from yingji.accounts.services import unit_create, unit_update, user_create, user_update
from yingji.core.testing.world import build_world

pytestmark = pytest.mark.django_db


def test_unit_create_in_own_region_records_actor() -> None:
    world = build_world()
    officer = world.user(Role.COUNTY_OFFICER, "a")
    unit = unit_create(
        actor=officer, name="历下区水务局", kind=UnitKind.DEPARTMENT, region=world.county_a
    )
    record = unit.history.latest()
    assert record.history_user == officer
    assert record.history_change_reason


def test_unit_create_in_other_region_refused() -> None:
    world = build_world()
    officer = world.user(Role.COUNTY_OFFICER, "a")
    with pytest.raises(PermissionDenied):
        unit_create(
            actor=officer, name="市中区水务局", kind=UnitKind.DEPARTMENT, region=world.county_b
        )


def test_unit_cannot_be_moved_out_of_scope() -> None:
    world = build_world()
    officer = world.user(Role.COUNTY_OFFICER, "a")
    with pytest.raises(PermissionDenied):
        unit_update(actor=officer, unit=world.unit_a, region=world.county_b)


def test_user_create_only_by_city_admin_and_validates_password() -> None:
    world = build_world()
    with pytest.raises(PermissionDenied):
        user_create(
            actor=world.user(Role.COUNTY_OFFICER, "a"),
            username="x1",
            password="a-Strong-pass-2026",
            role=Role.VIEWER,
            unit=world.unit_a,
        )
    with pytest.raises(ValidationError):
        user_create(actor=None, username="x2", password="123", role=Role.VIEWER, unit=world.unit_a)
    user = user_create(
        actor=world.user(Role.CITY_ADMIN),
        username="x3",
        password="a-Strong-pass-2026",
        role=Role.VIEWER,
        unit=world.unit_a,
    )
    assert user.check_password("a-Strong-pass-2026")
    assert user.history.latest().history_user == world.user(Role.CITY_ADMIN)
    with pytest.raises(ValidationError):
        user_create(
            actor=None, username="x3", password="a-Strong-pass-2026", role=Role.VIEWER, unit=None
        )


def test_user_update_by_city_admin_only() -> None:
    world = build_world()
    target = world.user(Role.VIEWER, "a")
    with pytest.raises(PermissionDenied):
        user_update(actor=world.user(Role.COUNTY_OFFICER, "a"), user=target, role=Role.CITY_ADMIN)
    admin = world.user(Role.CITY_ADMIN)
    user_update(actor=admin, user=target, role=Role.INFO_OFFICER, phone="13800000000")
    target.refresh_from_db()
    assert target.role == Role.INFO_OFFICER
    assert target.history.latest().history_user == admin
    with pytest.raises(ValidationError):
        user_update(actor=admin, user=target, role="emperor")
