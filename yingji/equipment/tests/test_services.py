"""Equipment services and the map layer's filters."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world
from yingji.equipment.choices import KIND_CODES, EquipmentKind, OwnerKind
from yingji.equipment.models import Equipment
from yingji.equipment.services import equipment_create, equipment_set_status, equipment_update
from yingji.geo.layers import get_layer

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_every_kind_has_a_code() -> None:
    assert set(KIND_CODES) == set(EquipmentKind.values)
    assert KIND_CODES[EquipmentKind.AMBULANCE].code == "46E02"
    assert KIND_CODES[EquipmentKind.AMBULANCE].is_standard


def test_create_checks_owner_capacity_and_scope(world: World) -> None:
    officer = world.user(Role.COUNTY_OFFICER, "a")
    base = {"name": "排水车", "kind": EquipmentKind.DRAINAGE_TRUCK, "region": world.county_a}
    with pytest.raises(ValidationError) as err:
        equipment_create(actor=officer, **base, owner_kind=OwnerKind.UNIT)
    assert "owner_org" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        equipment_create(actor=officer, **base, owner_org=world.unit_a, capacity=3000)
    assert "capacity_unit" in err.value.message_dict
    eq = equipment_create(
        actor=officer,
        **base,
        owner_org=world.unit_a,
        capacity=3000,
        capacity_unit="m³/h",
        lon=116.9,
        lat=36.55,
        source_crs="bd09",
    )
    assert eq.h3_cell and eq.source_crs == "bd09" and eq.lon != 116.9
    with pytest.raises(PermissionDenied):
        equipment_create(actor=officer, **{**base, "region": world.county_b}, owner_name="x")
    with pytest.raises(PermissionDenied):
        equipment_update(actor=officer, equipment=eq, region=world.county_b)


def test_status_changes_are_recorded(world: World) -> None:
    officer = world.user(Role.COUNTY_OFFICER, "a")
    eq = f.equipment(world.county_a)
    with pytest.raises(ValidationError):
        equipment_set_status(actor=officer, equipment=eq, status="maintenance")
    equipment_set_status(actor=officer, equipment=eq, status="maintenance", reason="更换水泵")
    equipment_set_status(actor=officer, equipment=eq, status="available")
    reasons = list(eq.history.values_list("history_change_reason", flat=True)[:2])
    assert reasons == ["恢复可调用", "更换水泵"]


def test_layer_filters(world: World) -> None:
    layer = get_layer("equipment.equipment")
    assert layer is not None and layer.model is Equipment
    small = f.equipment(world.county_a, capacity=500, capacity_unit="m³/h", capability="小型排水")
    big = f.equipment(world.county_a, capacity=3000, capacity_unit="m³/h", capability="大流量排水")
    qs = Equipment.objects.all()
    assert set(layer.special_filters["capacity_min"](qs, "1000")) == {big}
    assert list(layer.special_filters["capacity_min"](qs, "NaN")) == []
    assert list(layer.special_filters["capacity_min"](qs, "abc")) == []
    assert set(layer.special_filters["capability"](qs, "排水")) == {small, big}
