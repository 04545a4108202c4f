"""Synthetic demo supplies for Jinan: warehouses, stock lots and their receipts.

Everything here is **synthetic** (合成演示数据): names are made up from district names and
numbers, each warehouse is ``is_synthetic=True`` with a note saying so, and the points are
random points inside the districts (the region is derived from the point with the region
index, so a warehouse always lies in the region it is filed under).

- ~300 warehouses across the districts (government depots, enterprise agreement reserves —
  some with agreements already expired —, township points, on-site kits, donation points);
- ~3,000 lots of realistic items (沙袋, 编织袋, 救生衣, 冲锋舟, 帐篷, 棉被, 发电机, 抽水泵,
  矿泉水, 方便食品 …), each with its receipt in the ledger so the ledger adds up; about 3 %
  expire within 30 days, 5 % more within 90, 1 % have expired, and a share of lots are
  small so that some warehouses fall below their minimums;
- ``scale`` multiplies everything (×100 for benchmarks).

Fast: rows are built in memory (``set_point`` first, so ``h3_cell`` is right) and written
with ``bulk_create``. Idempotent: if synthetic warehouses exist, nothing is added unless
``reset`` removes them first. Needs the regions (``yingji load_regions``); the demo units
(``yingji load_demo``) are used as owners when present.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yingji.accounts.choices import UnitKind
from yingji.accounts.models import Unit
from yingji.geo.choices import RegionLevel
from yingji.geo.geometry import to_shape
from yingji.geo.lookup import get_index
from yingji.geo.models import Region

from .catalogue import load_catalogue
from .choices import LotCondition, LotSource, MovementKind, WarehouseKind
from .models import StockLot, StockMinimum, StockMovement, SupplyItem, Warehouse

SYNTHETIC_NOTE = "合成演示数据，不是真实仓库（yingji load_demo_supplies 生成）。"
BATCH = 5000

WAREHOUSES = 300
LOTS_PER_WAREHOUSE = 10

KIND_WEIGHTS = [
    (WarehouseKind.GOVERNMENT, 20),
    (WarehouseKind.ENTERPRISE, 20),
    (WarehouseKind.TOWNSHIP, 40),
    (WarehouseKind.ONSITE, 12),
    (WarehouseKind.DONATION, 8),
]
KIND_NAMES = {
    WarehouseKind.GOVERNMENT: "应急物资储备库",
    WarehouseKind.ENTERPRISE: "协议储备点",
    WarehouseKind.TOWNSHIP: "应急物资储备点",
    WarehouseKind.ONSITE: "现场物资箱",
    WarehouseKind.DONATION: "社会捐赠接收点",
}
ENTERPRISES = ("商贸", "物流", "超市", "建材", "粮油", "五金", "医药")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"

# Item code → (weight, typical quantity range). Flood materials dominate in Jinan.
ITEM_MIX: dict[str, tuple[int, tuple[int, int]]] = {
    "3010101": (14, (500, 20000)),  # 沙袋
    "3010102": (12, (1000, 50000)),  # 编织袋
    "3010103": (3, (100, 3000)),
    "3010201": (3, (200, 8000)),
    "3010202": (3, (200, 8000)),
    "3010301": (2, (20, 500)),
    "3010302": (2, (20, 500)),
    "3020101": (2, (50, 1000)),
    "3020102": (3, (100, 3000)),
    "3020103": (2, (50, 2000)),
    "2010101": (9, (50, 2000)),  # 救生衣
    "2010102": (3, (20, 500)),
    "2010201": (4, (50, 2000)),
    "2010202": (3, (1000, 50000)),
    "2010203": (2, (50, 1000)),
    "2020101": (3, (1, 12)),  # 冲锋舟
    "2020102": (2, (1, 10)),
    "2020201": (5, (2, 40)),  # 抽水泵
    "2020301": (3, (5, 80)),
    "2020302": (3, (20, 500)),
    "2030101": (4, (1, 20)),  # 发电机
    "1010101": (5, (10, 500)),  # 帐篷
    "1010201": (5, (50, 3000)),  # 棉被
    "1010202": (2, (20, 800)),
    "1010203": (2, (50, 2000)),
    "1020101": (5, (50, 3000)),  # 矿泉水
    "1020201": (4, (50, 2000)),  # 方便食品
    "1020202": (2, (20, 800)),
    "1030101": (2, (50, 1500)),
}


@dataclass
class DemoSuppliesResult:
    warehouses: int = 0
    lots: int = 0
    movements: int = 0
    minimums: int = 0
    skipped: bool = False


def districts(city_code: str | None = None) -> list[Region]:
    code = city_code or getattr(settings, "YINGJI_CITY_CODE", "370100")
    return list(
        Region.objects.filter(
            level=RegionLevel.DISTRICT, parent__code=code, boundary__isnull=False
        ).order_by("code")
    )


def sample_points(
    district: Region, n: int, rng: random.Random
) -> Iterator[tuple[float, float, int]]:
    """``n`` random points inside ``district``: (lon, lat, id of the deepest region there).

    Rejection sampling in the boundary's box; the region index says where each point is,
    so a point on the wrong side of a ragged border is simply drawn again.
    """
    index = get_index()
    minx, miny, maxx, maxy = to_shape(district.boundary).bounds
    made, tries = 0, 0
    while made < n:
        tries += 1
        if tries > n * 200 + 1000:
            raise RuntimeError(f"could not place points inside {district.code}")
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        where = index.locate(lon, lat)
        if where.district is None or where.district.id != district.pk:
            continue
        made += 1
        yield round(lon, 6), round(lat, 6), (where.deepest or where.district).id


def owner_units() -> dict[int, int]:
    """District region id → the id of its emergency office (or any unit there)."""
    owners: dict[int, int] = {}
    for unit_id, region_id, kind in Unit.objects.values_list("pk", "region_id", "kind"):
        if kind == UnitKind.EMERGENCY_OFFICE or region_id not in owners:
            owners[region_id] = unit_id
    return owners


def person(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def reset_demo_supplies() -> None:
    """Remove synthetic warehouses with their lots, minimums and ledger rows (demo only).

    Raw deletes: the ledger refuses ordinary deletes, and bulk-created demo rows have no
    history worth a deletion record each.
    """
    synthetic = Warehouse.objects.filter(is_synthetic=True)
    for queryset in (
        StockMovement.objects.filter(warehouse__in=synthetic),
        StockMovement.objects.filter(counterpart_warehouse__in=synthetic),
        StockLot.objects.filter(warehouse__in=synthetic),
        StockMinimum.objects.filter(warehouse__in=synthetic),
        synthetic,
    ):
        queryset._raw_delete(queryset.db)


@transaction.atomic
def load_demo_supplies(
    *, scale: int = 1, seed: int = 38565, reset: bool = False, today: date | None = None
) -> DemoSuppliesResult:
    if reset:
        reset_demo_supplies()
    if Warehouse.objects.filter(is_synthetic=True).exists():
        return DemoSuppliesResult(skipped=True)
    regions = districts()
    if not regions:
        raise RuntimeError("no districts with boundaries: run `yingji load_regions` first")
    if not SupplyItem.objects.exists():
        load_catalogue()
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now()
    owners = owner_units()
    names = {r.pk: r.name for r in Region.objects.filter(level__in=["district", "township"])}
    result = DemoSuppliesResult()

    # --- warehouses, spread over the districts (the urban ones hold more) ---
    total = WAREHOUSES * scale
    weights = [
        3 if r.code in {"370102", "370103", "370104", "370105", "370112"} else 2 for r in regions
    ]
    share = [total * w // sum(weights) for w in weights]
    share[0] += total - sum(share)
    warehouses: list[Warehouse] = []
    serial = 0
    for district, count in zip(regions, share, strict=True):
        for lon, lat, region_id in sample_points(district, count, rng):
            serial += 1
            kind = _weighted(rng, KIND_WEIGHTS)
            place = names.get(region_id, district.name)
            wh = Warehouse(
                name=f"{place}{KIND_NAMES[kind]}{serial:05d}号（演示）",
                kind=kind,
                region_id=region_id,
                owner_unit_id=owners.get(district.pk),
                address=f"{district.name}演示路{rng.randrange(1, 999)}号",
                area_m2=Decimal(rng.choice([40, 80, 120, 300, 600, 1200, 3000])),
                volume_m3=Decimal(rng.choice([100, 300, 800, 2000, 6000])),
                keeper=person(rng),
                keeper_phone=phone(rng),
                phone_24h=f"0531-{rng.randrange(10**7, 10**8)}",
                is_synthetic=True,
                note=SYNTHETIC_NOTE,
                last_reviewed_at=now - timedelta(days=rng.randrange(0, 240)),
            )
            if kind == WarehouseKind.ENTERPRISE:
                wh.operator = (
                    f"济南{rng.choice('鑫华盛泰恒通')}{rng.choice(ENTERPRISES)}有限公司（演示）"
                )
                wh.agreement_no = f"CB-{today.year}-{serial:05d}"
                # One in eight agreements has lapsed: the list flags them.
                wh.agreement_end = today + timedelta(
                    days=rng.randrange(-120, 900)
                    if rng.random() < 0.125
                    else rng.randrange(30, 900)
                )
            wh.set_point(lon, lat)
            warehouses.append(wh)
    Warehouse.objects.bulk_create(warehouses, batch_size=BATCH)
    if warehouses[0].pk is None:  # backends that do not return ids
        warehouses = list(Warehouse.objects.filter(is_synthetic=True).order_by("pk"))
    result.warehouses = len(warehouses)

    # --- lots and their receipts ---
    items = {i.code: i for i in SupplyItem.objects.filter(code__in=ITEM_MIX)}
    mix = [(code, w) for code, (w, _r) in ITEM_MIX.items() if code in items]
    lots: list[StockLot] = []
    for wh in warehouses:
        n = rng.randrange(LOTS_PER_WAREHOUSE - 4, LOTS_PER_WAREHOUSE + 5)
        for _ in range(n):
            item = items[_weighted(rng, mix)]
            low, high = ITEM_MIX[item.code][1]
            quantity = rng.randrange(low, high + 1)
            if rng.random() < 0.15:  # a depleted lot: below the minimum somewhere
                quantity = max(1, quantity // 20)
            expires = None
            produced = today - timedelta(days=rng.randrange(10, 1500))
            if item.shelf_life_days:
                roll = rng.random()
                if roll < 0.03:
                    expires = today + timedelta(days=rng.randrange(0, 31))
                elif roll < 0.08:
                    expires = today + timedelta(days=rng.randrange(31, 91))
                elif roll < 0.09:
                    expires = today - timedelta(days=rng.randrange(1, 60))
                else:
                    expires = today + timedelta(days=rng.randrange(91, 1500))
                produced = min(produced, expires - timedelta(days=1))
            condition = LotCondition.GOOD if rng.random() < 0.96 else LotCondition.NEEDS_REPAIR
            lots.append(
                StockLot(
                    warehouse=wh,
                    item=item,
                    quantity=Decimal(quantity),
                    batch=f"{produced:%Y%m}-{rng.randrange(1, 99):02d}",
                    produced_on=produced,
                    expires_on=expires,
                    condition=condition,
                    source=rng.choice(
                        [
                            LotSource.PURCHASE,
                            LotSource.PURCHASE,
                            LotSource.ALLOCATION,
                            LotSource.DONATION,
                        ]
                    ),
                    note="合成演示数据",
                )
            )
    StockLot.objects.bulk_create(lots, batch_size=BATCH)
    if lots and lots[0].pk is None:
        lots = list(StockLot.objects.filter(warehouse__is_synthetic=True).order_by("pk"))
    result.lots = len(lots)
    movements = [
        StockMovement(
            kind=MovementKind.IN,
            operation=uuid.uuid4(),
            lot_id=lot.pk,
            warehouse_id=lot.warehouse_id,
            item_id=lot.item_id,
            quantity=lot.quantity,
            delta=lot.quantity,
            balance_after=lot.quantity,
            reason="演示数据初始入库",
            at=now - timedelta(days=rng.randrange(1, 365)),
            reference="DEMO",
        )
        for lot in lots
    ]
    StockMovement.objects.bulk_create(movements, batch_size=BATCH)
    result.movements = len(movements)

    # --- own minimums for the government depots' key flood items ---
    key_items = [items[c] for c in ("3010101", "2010101", "2020201") if c in items]
    minimums = [
        StockMinimum(
            warehouse=wh,
            item=item,
            minimum=Decimal(rng.choice([500, 1000, 3000]))
            if item.code == "3010101"
            else Decimal(rng.choice([20, 50, 100])),
        )
        for wh in warehouses
        if wh.kind == WarehouseKind.GOVERNMENT
        for item in key_items
    ]
    StockMinimum.objects.bulk_create(minimums, batch_size=BATCH)
    result.minimums = len(minimums)
    return result
