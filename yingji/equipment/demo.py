"""Synthetic demo equipment and social special vehicles for Jinan (合成演示数据).

~400 machines and vehicles (×``scale``) at random points inside the districts, the region
derived from the point; owners are made-up enterprises and private owners, every row
``is_synthetic=True``. Some agreements have lapsed and some machines are in use or in
maintenance, so the lists and the map have something to show. Idempotent; ``reset``
removes earlier synthetic rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yingji.geo.models import Region
from yingji.supplies.demo import districts, owner_units, person, phone, sample_points

from .choices import Availability, EquipmentKind, OwnerKind
from .models import Equipment

SYNTHETIC_NOTE = "合成演示数据，不是真实装备（yingji load_demo_equipment 生成）。"
COUNT = 400

# kind → (weight, capability text, capacity range, unit, models)
KINDS: dict[str, tuple[int, str, tuple[int, int], str, tuple[str, ...]]] = {
    EquipmentKind.CRANE: (40, "最大起重量", (8, 130), "t", ("QY25K", "QY50", "STC800")),
    EquipmentKind.EXCAVATOR: (60, "斗容量", (1, 3), "m³", ("SY215", "PC200", "CAT320")),
    EquipmentKind.LOADER: (40, "额定载重", (3, 6), "t", ("LG855", "ZL50")),
    EquipmentKind.BULLDOZER: (10, "功率", (120, 320), "kW", ("SD16", "TY230")),
    EquipmentKind.DRAINAGE_TRUCK: (
        40,
        "抽排能力",
        (500, 3000),
        "m³/h",
        ("龙吸水 3000", "排水抢险车 1500"),
    ),
    EquipmentKind.PUMP: (40, "抽排能力", (100, 1000), "m³/h", ("移动泵站 500", "潜水泵组")),
    EquipmentKind.TANKER: (25, "罐容", (5, 30), "m³", ("供水车 10 m³", "油罐车 20 m³")),
    EquipmentKind.GENERATOR: (
        30,
        "额定功率",
        (50, 800),
        "kW",
        ("发电车 400 kW", "柴油机组 200 kW"),
    ),
    EquipmentKind.LIGHTING: (20, "照明功率", (4, 16), "kW", ("照明灯塔 4×1000 W",)),
    EquipmentKind.BOAT: (25, "载员", (6, 15), "人", ("冲锋舟 40 马力", "橡皮艇")),
    EquipmentKind.RESCUE_VEHICLE: (20, "", (0, 0), "", ("抢险救援车",)),
    EquipmentKind.DUMP_TRUCK: (30, "载重", (10, 40), "t", ("自卸车 25 t",)),
    EquipmentKind.TRANSPORT: (10, "载重", (5, 30), "t", ("厢式货车",)),
    EquipmentKind.AMBULANCE: (5, "", (0, 0), "", ("监护型救护车",)),
    EquipmentKind.COMMUNICATION: (5, "", (0, 0), "", ("卫星通信车",)),
}
COMPANIES = ("建工", "市政", "路桥", "吊装", "工程机械租赁", "水务工程", "电力安装")


@dataclass
class DemoEquipmentResult:
    equipment: int = 0
    skipped: bool = False


def plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"鲁A{rng.choice(letters)}{rng.randrange(1000, 9999)}"


@transaction.atomic
def load_demo_equipment(
    *, scale: int = 1, seed: int = 4500, reset: bool = False, today: date | None = None
) -> DemoEquipmentResult:
    if reset:
        synthetic = Equipment.objects.filter(is_synthetic=True)
        synthetic._raw_delete(synthetic.db)
    if Equipment.objects.filter(is_synthetic=True).exists():
        return DemoEquipmentResult(skipped=True)
    regions = districts()
    if not regions:
        raise RuntimeError("no districts with boundaries: run `yingji load_regions` first")
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now()
    owners = owner_units()
    names = {r.pk: r.name for r in Region.objects.filter(level__in=["district", "township"])}
    kinds = list(KINDS)
    weights = [KINDS[k][0] for k in kinds]
    total = COUNT * scale
    share = [total // len(regions)] * len(regions)
    share[0] += total - sum(share)
    rows: list[Equipment] = []
    serial = 0
    for district, count in zip(regions, share, strict=True):
        for lon, lat, region_id in sample_points(district, count, rng):
            serial += 1
            kind = rng.choices(kinds, weights=weights)[0]
            _w, what, (low, high), unit, models = KINDS[kind]
            owner_kind = rng.choices(
                [OwnerKind.ENTERPRISE, OwnerKind.PRIVATE, OwnerKind.UNIT], weights=[60, 25, 15]
            )[0]
            capacity = Decimal(rng.randrange(low, high + 1)) if unit else None
            row = Equipment(
                name=f"{KINDS_LABEL[kind]}{serial:05d}（演示）",
                kind=kind,
                model_no=rng.choice(models),
                region_id=region_id,
                owner_unit_id=owners.get(district.pk),
                owner_kind=owner_kind,
                owner_org_id=owners.get(district.pk) if owner_kind == OwnerKind.UNIT else None,
                owner_name=(
                    f"济南{rng.choice('鑫华盛泰恒通宏达')}{rng.choice(COMPANIES)}有限公司（演示）"
                    if owner_kind == OwnerKind.ENTERPRISE
                    else person(rng)
                    if owner_kind == OwnerKind.PRIVATE
                    else ""
                ),
                owner_phone=phone(rng),
                capability=f"{what} {capacity} {unit}" if unit else models[0],
                capacity=capacity,
                capacity_unit=unit,
                plate_no=plate(rng) if kind != EquipmentKind.BOAT else "",
                status=rng.choices(list(Availability.values), weights=[80, 8, 8, 4])[0],
                contact_name=person(rng),
                contact_phone=phone(rng),
                address=f"{names.get(region_id, district.name)}演示停放点{rng.randrange(1, 99)}号",
                is_synthetic=True,
                note=SYNTHETIC_NOTE,
                last_reviewed_at=now - timedelta(days=rng.randrange(0, 300)),
            )
            if owner_kind != OwnerKind.UNIT:
                row.agreement_no = f"ZY-{today.year}-{serial:05d}"
                lapsed = rng.random() < 0.1
                row.agreement_valid_until = today + timedelta(
                    days=rng.randrange(-200, -1) if lapsed else rng.randrange(20, 1000)
                )
            row.set_point(lon, lat)
            rows.append(row)
    Equipment.objects.bulk_create(rows, batch_size=5000)
    return DemoEquipmentResult(equipment=len(rows))


KINDS_LABEL = {
    EquipmentKind.CRANE: "汽车吊",
    EquipmentKind.EXCAVATOR: "挖掘机",
    EquipmentKind.LOADER: "装载机",
    EquipmentKind.BULLDOZER: "推土机",
    EquipmentKind.DRAINAGE_TRUCK: "排水抢险车",
    EquipmentKind.PUMP: "移动泵站",
    EquipmentKind.TANKER: "罐车",
    EquipmentKind.GENERATOR: "发电车",
    EquipmentKind.LIGHTING: "照明灯塔",
    EquipmentKind.BOAT: "冲锋舟",
    EquipmentKind.RESCUE_VEHICLE: "抢险救援车",
    EquipmentKind.DUMP_TRUCK: "自卸车",
    EquipmentKind.TRANSPORT: "运输车",
    EquipmentKind.AMBULANCE: "救护车",
    EquipmentKind.COMMUNICATION: "应急通信车",
}
