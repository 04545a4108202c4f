"""Test data for the supplies reserve: warehouses in the test world, lots with stock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from yingji.geo.models import Region
from yingji.supplies.catalogue import load_catalogue
from yingji.supplies.choices import WarehouseKind
from yingji.supplies.models import StockLot, SupplyItem, Warehouse
from yingji.supplies.services import stock_receive


def item(code: str = "3010101") -> SupplyItem:
    """A catalogue item loaded by the migration (沙袋 by default).

    Transactional tests flush the tables, migration data included: load it again then.
    """
    if not SupplyItem.objects.filter(code=code).exists():
        load_catalogue()
    found: SupplyItem = SupplyItem.objects.get(code=code)
    return found


def warehouse(region: Region, name: str = "", **extra: Any) -> Warehouse:
    # A point inside the test world's square for the region (build_world's squares).
    lon, lat = (116.85, 36.55) if region.code.startswith("370102") else (117.05, 36.55)
    lon, lat = extra.pop("lon", lon), extra.pop("lat", lat)
    wh = Warehouse(
        name=name or f"{region.name}储备库{Warehouse.objects.count() + 1}",
        kind=extra.pop("kind", WarehouseKind.GOVERNMENT),
        region=region,
        **extra,
    )
    wh.set_point(lon, lat)
    wh.save()
    return wh


def lot(
    wh: Warehouse,
    quantity: Any = 100,
    *,
    code: str = "3010101",
    expires_on: date | None = None,
    **extra: Any,
) -> StockLot:
    """A lot with ``quantity`` received through the service (so the ledger matches)."""
    movement = stock_receive(
        actor=None,
        warehouse=wh,
        item=item(code),
        quantity=Decimal(str(quantity)),
        reason="测试入库",
        expires_on=expires_on,
        **extra,
    )
    return movement.lot
