"""Alerts at their boundaries, and the map layer's has_item filter."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world
from yingji.geo.layers import get_layer
from yingji.supplies.choices import LotCondition
from yingji.supplies.models import Warehouse
from yingji.supplies.selectors import items_below_minimum, lots_expired, lots_expiring
from yingji.supplies.services import lot_update, minimum_set, stock_issue, stock_reserve

from . import factories as f

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime(2026, 6, 1, 23, 30))  # late evening: the local date matters
TODAY = timezone.localdate(NOW)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.mark.parametrize("window", [30, 90])
def test_expiring_window_boundaries(world: World, window: int) -> None:
    user = world.user(Role.VIEWER, "a")
    wh = f.warehouse(world.county_a)
    days = {
        d: f.lot(wh, 5, code="1020101", expires_on=TODAY + timedelta(days=d))
        for d in (-1, 0, window, window + 1)
    }
    found = set(lots_expiring(user=user, within_days=window, now=NOW))
    assert found == {days[0], days[window]}
    assert set(lots_expired(user=user, now=NOW)) == {days[-1]}


def test_expiring_leaves_out_empty_scrapped_and_other_counties(world: World) -> None:
    user = world.user(Role.VIEWER, "a")
    soon = TODAY + timedelta(days=3)
    wh = f.warehouse(world.county_a)
    empty = f.lot(wh, 2, code="1020101", expires_on=soon)
    stock_issue(actor=None, lot=empty, quantity=2, reason="用完")
    scrapped = f.lot(wh, 2, code="1020101", expires_on=soon)
    lot_update(actor=None, lot=scrapped, condition=LotCondition.SCRAPPED)
    f.lot(f.warehouse(world.county_b), 2, code="1020101", expires_on=soon)
    kept = f.lot(wh, 2, code="1020101", expires_on=soon)
    assert list(lots_expiring(user=user, within_days=30, now=NOW)) == [kept]


def test_below_minimum_boundaries(world: World) -> None:
    user = world.user(Role.VIEWER, "a")
    wh = f.warehouse(world.county_a)
    tent = f.item("1010101")  # default minimum 50
    f.lot(wh, 50, code="1010101")
    assert items_below_minimum(user=user, now=NOW) == []  # equal to the minimum is enough
    lot = f.lot(wh, 10, code="1010101")
    stock_reserve(actor=None, lot=lot, quantity=1, reason="预留")  # reserved is not available
    assert items_below_minimum(user=user, now=NOW) == []  # 59 available
    minimum_set(actor=None, warehouse=wh, item=tent, minimum="60")
    (row,) = items_below_minimum(user=user, now=NOW)
    assert (row.available, row.minimum, row.shortfall) == (59, 60, 1)
    # An own minimum for an item the warehouse does not hold at all still shows, at 0.
    minimum_set(actor=None, warehouse=wh, item=f.item("2020101"), minimum="2")
    rows = {r.item_code: r for r in items_below_minimum(user=user, now=NOW)}
    assert rows["2020101"].available == 0
    # Expired and damaged lots do not count as stock at hand.
    old = f.lot(wh, 500, code="1020101", expires_on=TODAY - timedelta(days=1))
    rows = {r.item_code: r for r in items_below_minimum(user=user, now=NOW)}
    assert rows["1020101"].available == Decimal("0")
    lot_update(actor=None, lot=old, expires_on=TODAY)
    rows = {r.item_code: r for r in items_below_minimum(user=user, now=NOW)}
    assert "1020101" not in rows
    assert items_below_minimum(user=world.user(Role.VIEWER, "b"), now=NOW) == []


def test_warehouse_layer_has_item(world: World) -> None:
    layer = get_layer("supplies.warehouse")
    assert layer is not None and layer.model is Warehouse
    has_item = layer.special_filters["has_item"]
    a, b, c = (f.warehouse(world.county_a, n) for n in ("甲库", "乙库", "丙库"))
    f.lot(a, 10, code="3010101")
    reserved = f.lot(b, 10, code="3010101")
    stock_reserve(actor=None, lot=reserved, quantity=10, reason="全部预留")
    f.lot(c, 10, code="3010102")
    qs = Warehouse.objects.all()
    assert set(has_item(qs, "3010101")) == {a}
    assert set(has_item(qs, "30101")) == {a, c}
    assert set(has_item(qs, "3")) == {a, c}
    assert list(has_item(qs, "")) == [] and list(has_item(qs, "沙袋")) == []
