"""Stock movements: every kind, the rules, the refusals, and the ledger adding up."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world
from yingji.supplies.choices import LotCondition, MovementKind, WarehouseKind
from yingji.supplies.models import StockLot, StockMovement, SupplyCategory, SupplyItem
from yingji.supplies.selectors import ledger_balance
from yingji.supplies.services import (
    InsufficientStock,
    item_save,
    lot_update,
    minimum_set,
    stock_adjust,
    stock_dispatch,
    stock_issue,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_transfer,
    warehouse_create,
)

from . import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def officer(world: World):  # type: ignore[no-untyped-def]
    return world.user(Role.COUNTY_OFFICER, "a")


def assert_ledger_matches(lot: StockLot) -> None:
    lot.refresh_from_db()
    assert ledger_balance(lot) == (lot.quantity, lot.reserved)


def test_catalogue_loaded_by_migration() -> None:
    top = SupplyCategory.objects.filter(parent=None, is_standard=True)
    assert {c.code: c.name for c in top} == {
        "1": "基本生活保障物资",
        "2": "应急装备及配套物资",
        "3": "工程材料与机械加工设备",
    }
    sandbag = SupplyItem.objects.get(code="3010101")
    assert sandbag.name == "沙袋" and not sandbag.is_standard
    assert sandbag.category.code == "30101" and sandbag.category.parent.code == "301"


def test_item_code_must_sit_under_its_category(world: World) -> None:
    admin = world.user(Role.CITY_ADMIN)
    bad = SupplyItem(
        code="1019901", name="x", unit="个", category=SupplyCategory.objects.get(code="30101")
    )
    with pytest.raises(ValidationError) as err:
        item_save(actor=admin, item=bad)
    assert "code" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        item_save(actor=world.user(Role.COUNTY_OFFICER, "a"), item=SupplyItem(code="3010199"))


def test_receive_new_lot_and_into_existing(world: World, officer) -> None:  # type: ignore[no-untyped-def]
    wh = f.warehouse(world.county_a)
    mv = stock_receive(
        actor=officer,
        warehouse=wh,
        item=f.item("1020101"),
        quantity="120",
        reason="采购入库",
        produced_on=date(2026, 1, 1),
    )
    lot = mv.lot
    assert mv.kind == MovementKind.IN and mv.actor == officer
    assert lot.quantity == 120 and mv.balance_after == 120
    # The item's shelf life (365 days) fills the expiry date.
    assert lot.expires_on == date(2027, 1, 1)
    stock_receive(actor=officer, lot=lot, quantity=D("30.5"), reason="补充")
    lot.refresh_from_db()
    assert lot.quantity == D("150.5")
    assert lot.history.first().history_user == officer
    assert_ledger_matches(lot)


def test_issue_and_negative_balance_impossible(world: World, officer) -> None:  # type: ignore[no-untyped-def]
    lot = f.lot(f.warehouse(world.county_a), 10)
    stock_issue(actor=officer, lot=lot, quantity=4, reason="借用", destination="历下区某小区")
    with pytest.raises(InsufficientStock) as err:
        stock_issue(actor=officer, lot=lot, quantity=7, reason="再借")
    assert err.value.text == "库存不足：现有 6，需 7"
    assert err.value.message_dict == {"quantity": ["库存不足：现有 6，需 7"]}
    lot.refresh_from_db()
    assert lot.quantity == 6
    assert_ledger_matches(lot)


def test_database_refuses_negative_and_over_reserved(world: World) -> None:
    lot = f.lot(f.warehouse(world.county_a), 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLot.objects.filter(pk=lot.pk).update(quantity=D("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLot.objects.filter(pk=lot.pk).update(reserved=D("6"))


@pytest.mark.parametrize("bad", ["", "   ", None])
def test_reason_required_for_every_kind(world: World, officer, bad) -> None:  # type: ignore[no-untyped-def]
    wh, other = f.warehouse(world.county_a), f.warehouse(world.county_a, "另一库")
    lot = f.lot(wh, 10)
    calls = [
        lambda: stock_receive(actor=officer, lot=lot, quantity=1, reason=bad),
        lambda: stock_issue(actor=officer, lot=lot, quantity=1, reason=bad),
        lambda: stock_adjust(actor=officer, lot=lot, counted=9, reason=bad),
        lambda: stock_reserve(actor=officer, lot=lot, quantity=1, reason=bad),
        lambda: stock_release(actor=officer, lot=lot, quantity=1, reason=bad),
        lambda: stock_transfer(actor=officer, lot=lot, to_warehouse=other, quantity=1, reason=bad),
        lambda: stock_dispatch(
            actor=officer, item=lot.item, quantity=1, reason=bad, destination="x"
        ),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.message_dict == {"reason": ["请填写事由。"]}
    assert StockMovement.objects.filter(lot=lot).count() == 1  # only the receipt


@pytest.mark.parametrize("bad", [0, -1, "abc", "1.0001", "NaN", "Infinity", None, "1e12"])
def test_quantity_must_be_positive_number(world: World, officer, bad) -> None:  # type: ignore[no-untyped-def]
    lot = f.lot(f.warehouse(world.county_a), 10)
    with pytest.raises(ValidationError) as err:
        stock_issue(actor=officer, lot=lot, quantity=bad, reason="x")
    assert "quantity" in err.value.message_dict


def test_adjust(world: World, officer) -> None:  # type: ignore[no-untyped-def]
    lot = f.lot(f.warehouse(world.county_a), 100)
    mv = stock_adjust(actor=officer, lot=lot, counted=97, reason="季度盘点短少 3 条")
    assert (mv.kind, mv.quantity, mv.delta, mv.balance_after) == ("adjustment", 3, -3, 97)
    mv = stock_adjust(actor=officer, lot=lot, counted="99", reason="复盘找回")
    assert mv.delta == 2
    with pytest.raises(ValidationError):
        stock_adjust(actor=officer, lot=lot, counted=99, reason="无变化")
    stock_reserve(actor=officer, lot=lot, quantity=50, reason="预留")
    with pytest.raises(ValidationError) as err:
        stock_adjust(actor=officer, lot=lot, counted=40, reason="盘亏")
    assert "请先释放预留" in err.value.message_dict["counted"][0]
    with pytest.raises(ValidationError):
        stock_adjust(actor=officer, lot=lot, counted=-1, reason="x")
    assert_ledger_matches(lot)


def test_reserve_release_and_issue_from_reservation(world: World, officer) -> None:  # type: ignore[no-untyped-def]
    lot = f.lot(f.warehouse(world.county_a), 10)
    stock_reserve(actor=officer, lot=lot, quantity=7, reason="为内涝抢险预留", reference="E-1")
    lot.refresh_from_db()
    assert (lot.quantity, lot.reserved, lot.available) == (10, 7, 3)
    # Reserved units are not available to others.
    with pytest.raises(InsufficientStock, match="现有 3，需 4"):
        stock_issue(actor=officer, lot=lot, quantity=4, reason="x")
    with pytest.raises(InsufficientStock, match="现有 3，需 4"):
        stock_reserve(actor=officer, lot=lot, quantity=4, reason="x")
    mv = stock_issue(actor=officer, lot=lot, quantity=5, reason="按预留发放", use_reserved=True)
    assert (mv.delta, mv.reserved_delta, mv.balance_after, mv.reserved_after) == (-5, -5, 5, 2)
    with pytest.raises(InsufficientStock, match="预留不足：已预留 2，需 3"):
        stock_release(actor=officer, lot=lot, quantity=3, reason="x")
    mv = stock_release(actor=officer, lot=lot, quantity=2, reason="险情解除")
    assert mv.kind == "release" and mv.reserved_after == 0
    assert_ledger_matches(lot)


def test_reserve_refuses_a_lot_needing_repair(world: World, officer) -> None:  # type: ignore[no-untyped-def]
    lot = f.lot(f.warehouse(world.county_a), 3, code="2020201")
    lot_update(actor=officer, lot=lot, condition=LotCondition.NEEDS_REPAIR)
    with pytest.raises(ValidationError):
        stock_reserve(actor=officer, lot=lot, quantity=1, reason="x")


def test_transfer_both_sides_atomic(world: World) -> None:
    admin = world.user(Role.CITY_ADMIN)
    a, b = f.warehouse(world.county_a), f.warehouse(world.county_b)
    lot = f.lot(a, 50, batch="B-7", expires_on=date(2030, 1, 1))
    out, into = stock_transfer(
        actor=admin, lot=lot, to_warehouse=b, quantity=20, reason="支援市中区"
    )
    assert out.operation == into.operation
    assert (out.kind, out.delta, out.counterpart_warehouse) == ("transfer_out", -20, b)
    assert (into.kind, into.delta, into.counterpart_warehouse) == ("transfer_in", 20, a)
    assert into.lot.warehouse == b and into.lot.batch == "B-7"
    assert into.lot.expires_on == date(2030, 1, 1)
    # A second transfer lands in the same lot at the destination.
    _, again = stock_transfer(actor=admin, lot=lot, to_warehouse=b, quantity=5, reason="再调")
    assert again.lot == into.lot
    # Too much: neither side moves.
    before = StockMovement.objects.count()
    with pytest.raises(InsufficientStock, match="现有 25，需 26"):
        stock_transfer(actor=admin, lot=lot, to_warehouse=b, quantity=26, reason="x")
    assert StockMovement.objects.count() == before
    assert_ledger_matches(lot)
    assert_ledger_matches(into.lot)
    with pytest.raises(ValidationError):
        stock_transfer(actor=admin, lot=lot, to_warehouse=a, quantity=1, reason="同库")


def test_county_cannot_move_stock_of_another_county(world: World, officer) -> None:  # type: ignore[no-untyped-def]
    lot_b = f.lot(f.warehouse(world.county_b), 10)
    with pytest.raises(PermissionDenied):
        stock_issue(actor=officer, lot=lot_b, quantity=1, reason="x")
    lot_a = f.lot(f.warehouse(world.county_a), 10)
    with pytest.raises(PermissionDenied):
        stock_transfer(
            actor=officer, lot=lot_a, to_warehouse=lot_b.warehouse, quantity=1, reason="x"
        )
    with pytest.raises(PermissionDenied):
        stock_issue(actor=world.user(Role.VIEWER, "a"), lot=lot_a, quantity=1, reason="x")


def test_dispatch_fefo_across_warehouses(world: World) -> None:
    admin = world.user(Role.CITY_ADMIN)
    a, b = f.warehouse(world.county_a), f.warehouse(world.county_b)
    today = timezone.localdate()
    late = f.lot(a, 30, code="1020101", expires_on=today + timedelta(days=200))
    never = f.lot(a, 100, code="1020101")
    soon = f.lot(b, 10, code="1020101", expires_on=today + timedelta(days=5))
    f.lot(a, 99, code="1020101", expires_on=today - timedelta(days=1))  # expired: skipped
    scrapped = f.lot(b, 99, code="1020101", expires_on=today + timedelta(days=1))
    lot_update(actor=admin, lot=scrapped, condition=LotCondition.SCRAPPED)
    moves = stock_dispatch(
        actor=admin,
        item=f.item("1020101"),
        quantity=50,
        reason="转移安置群众饮水",
        destination="槐荫区某安置点",
        reference="E-2026-001",
    )
    assert [(m.lot_id, m.quantity) for m in moves] == [(soon.pk, 10), (late.pk, 30), (never.pk, 10)]
    assert len({m.operation for m in moves}) == 1
    assert all(m.kind == "dispatch" and m.reference == "E-2026-001" for m in moves)
    # Restricted to a warehouse list:
    moves = stock_dispatch(
        actor=admin, item=f.item("1020101"), quantity=5, reason="x", destination="y", warehouses=[a]
    )
    assert [m.lot_id for m in moves] == [never.pk]
    for lot in (late, never, soon):
        assert_ledger_matches(lot)


def test_dispatch_all_or_nothing(world: World) -> None:
    admin = world.user(Role.CITY_ADMIN)
    wh = f.warehouse(world.county_a)
    l1, l2 = f.lot(wh, 4), f.lot(wh, 3)
    before = StockMovement.objects.count()
    with pytest.raises(InsufficientStock) as err:
        stock_dispatch(actor=admin, item=l1.item, quantity=8, reason="x", destination="y")
    assert err.value.text == "库存不足：现有 7，需 8"
    assert StockMovement.objects.count() == before
    with pytest.raises(ValidationError):
        stock_dispatch(actor=admin, item=l1.item, quantity=1, reason="x")  # no destination
    # Explicit allocations must add up, and must be this item.
    with pytest.raises(ValidationError):
        stock_dispatch(
            actor=admin,
            item=l1.item,
            quantity=5,
            reason="x",
            destination="y",
            allocations=[(l1, 2), (l2, 2)],
        )
    moves = stock_dispatch(
        actor=admin,
        item=l1.item,
        quantity=5,
        reason="x",
        destination="y",
        allocations=[(l2, 3), (l1, 2)],
    )
    assert sorted(m.quantity for m in moves) == [2, 3]
    with pytest.raises(InsufficientStock):
        stock_dispatch(
            actor=admin,
            item=l1.item,
            quantity=3,
            reason="x",
            destination="y",
            allocations=[(l1, 3)],
        )


def test_dispatch_only_from_the_actors_county(world: World, officer) -> None:  # type: ignore[no-untyped-def]
    f.lot(f.warehouse(world.county_b), 100)
    with pytest.raises(InsufficientStock, match="现有 0，需 1"):
        stock_dispatch(actor=officer, item=f.item(), quantity=1, reason="x", destination="y")


def test_ledger_is_append_only(world: World) -> None:
    lot = f.lot(f.warehouse(world.county_a), 1)
    mv = StockMovement.objects.get(lot=lot)
    mv.reason = "改写"
    with pytest.raises(TypeError):
        mv.save()
    with pytest.raises(TypeError):
        mv.delete()
    with pytest.raises(TypeError):
        StockMovement.objects.filter(pk=mv.pk).update(reason="x")


def test_warehouse_create_enterprise_needs_agreement(world: World, officer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        warehouse_create(
            actor=officer,
            name="某超市协议储备",
            kind=WarehouseKind.ENTERPRISE,
            region=world.county_a,
            lon=116.9,
            lat=36.55,
        )
    assert "agreement_end" in err.value.message_dict
    wh = warehouse_create(
        actor=officer,
        name="某超市协议储备",
        kind=WarehouseKind.ENTERPRISE,
        region=world.county_a,
        lon=116.9,
        lat=36.55,
        agreement_end=date(2020, 1, 1),
    )
    assert wh.h3_cell and wh.agreement_expired
    with pytest.raises(PermissionDenied):
        warehouse_create(
            actor=officer, name="越权", kind=WarehouseKind.GOVERNMENT, region=world.county_b
        )


def test_minimum_set_and_clear(world: World, officer) -> None:  # type: ignore[no-untyped-def]
    wh = f.warehouse(world.county_a)
    row = minimum_set(actor=officer, warehouse=wh, item=f.item(), minimum="500")
    assert row is not None and row.minimum == 500
    assert minimum_set(actor=officer, warehouse=wh, item=f.item(), minimum=None) is None
    with pytest.raises(ValidationError):
        minimum_set(actor=officer, warehouse=wh, item=f.item(), minimum="-3")


def test_clock_is_taken_from_now(world: World) -> None:
    at = timezone.make_aware(datetime(2026, 7, 1, 8, 0))
    lot = f.lot(f.warehouse(world.county_a), 5)
    mv = stock_issue(actor=None, lot=lot, quantity=1, reason="x", now=at)
    assert mv.at == at
