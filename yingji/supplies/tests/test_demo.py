"""The demo loaders: synthetic, inside their regions, ledger consistent, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from yingji.core.testing.world import build_world
from yingji.equipment.models import Equipment
from yingji.geo.lookup import invalidate, locate
from yingji.supplies.models import StockLot, StockMovement, Warehouse

pytestmark = pytest.mark.django_db


def test_demo_supplies_and_equipment() -> None:
    world = build_world()  # two square districts under 370100
    invalidate()
    out = StringIO()
    call_command("load_demo_supplies", stdout=out)
    assert "300 warehouses" in out.getvalue()
    call_command("load_demo_equipment", stdout=out)
    assert Warehouse.objects.filter(is_synthetic=True).count() == 300
    assert 2500 <= StockLot.objects.count() <= 3500
    assert Equipment.objects.filter(is_synthetic=True).count() == 400
    for wh in Warehouse.objects.all()[:50]:
        where = locate(wh.lon, wh.lat)
        assert wh.region_id == (where.deepest.id if where.deepest else None)
        assert wh.h3_cell and "演示" in wh.name
    assert {w.region.path.split("/")[3] for w in Warehouse.objects.select_related("region")} == {
        world.county_a.code,
        world.county_b.code,
    }
    ledger = StockMovement.objects.aggregate(s=Sum("delta"))["s"]
    assert ledger == StockLot.objects.aggregate(s=Sum("quantity"))["s"]
    # Idempotent, and --reset reloads.
    call_command("load_demo_supplies", stdout=out)
    assert Warehouse.objects.count() == 300
    call_command("load_demo_supplies", "--reset", stdout=out)
    assert Warehouse.objects.count() == 300
    call_command("load_demo_equipment", "--reset", "--scale", "2", stdout=out)
    assert Equipment.objects.count() == 800
    invalidate()
