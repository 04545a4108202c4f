"""Synthetic hazards for the demo (``yingji load_demo_hazards``): plainly marked.

About 1,700 hazard sources and risk areas and 300 low-lying road sections (a third of
them underpasses) with recorded water depths. Names are generic and end with "（合成）"
("经十路某下穿立交（合成）"): no claim is made about any real place.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from yingji.core.registry import (
    PointSampler,
    bulk_save,
    demo_units,
    purge_synthetic,
    scaled,
    steward_for,
)
from yingji.shelters.demo import square_around
from yingji.teams.demo import fake_phone, person

from .choices import DepthSource, HazardLevel
from .models import HazardSource, LowLyingRoad, WaterDepthRecord

HAZARDS = 1700
ROADS = 300
#: code → (weight, name stem, is an area (outline) rather than a point)
HAZARD_KINDS: dict[str, tuple[int, str, bool]] = {
    "22A11": (300, "加油站", False),
    "22A03": (250, "生产场所", False),
    "22A01": (150, "储罐区", False),
    "22A02": (120, "仓储库区", False),
    "22A04": (120, "压力管道段", False),
    "22A05": (80, "锅炉房", False),
    "22A06": (80, "压力容器", False),
    "22A10": (60, "气瓶充装站", False),
    "22A09": (15, "尾矿库", True),
    "22B01": (60, "危化品运输车辆停车场", False),
    "21D01": (120, "滑坡隐患区", True),
    "21A01": (60, "洪水风险区", True),
    "21A04": (60, "山洪风险区", True),
    "21A02": (80, "内涝风险区", True),
    "21G00": (50, "森林火灾风险区", True),
    "23B00": (40, "医疗机构危险源", False),
    "23C00": (15, "病原微生物实验室", False),
}
ROAD_NAMES = (
    "经十路",
    "经七路",
    "经四路",
    "纬二路",
    "纬十二路",
    "二环东路",
    "二环西路",
    "北园大街",
    "工业南路",
    "工业北路",
    "旅游路",
    "历山路",
    "英雄山路",
    "舜耕路",
    "济泺路",
    "二环南路",
    "花园路",
    "山大路",
    "解放路",
    "和平路",
    "文化东路",
    "华龙路",
    "奥体中路",
    "凤鸣路",
)
ROAD_FEATURES = ("下穿立交", "铁路桥下", "低洼段", "涵洞", "下沉路段")


def _road_line(rng: random.Random, lon: float, lat: float, road_name: str) -> dict[str, Any]:
    """A synthetic road segment of 250–600 m through the point (its middle vertex).

    Five vertices with a gentle bend, along the grid of the old city where the name says
    so (经 roads run east-west, 纬 roads north-south), else in a random direction. Takes
    exactly two draws from ``rng`` so the rest of the demo data does not shift.
    """
    a, b = rng.random(), rng.random()
    if road_name.startswith("经"):
        angle = math.radians((a - 0.5) * 16)
    elif road_name.startswith("纬"):
        angle = math.radians(90 + (a - 0.5) * 16)
    else:
        angle = math.pi * a
    length_m = 250 + 350 * b
    bend_m = (b - 0.5) * 40  # the middle bulges up to 20 m to one side
    m_per_deg_lat = 111_320.0
    m_per_deg_lon = m_per_deg_lat * math.cos(math.radians(lat))
    ux, uy = math.cos(angle), math.sin(angle)  # along, in metres east/north
    coordinates = []
    for i in range(5):
        t = (i - 2) / 4  # -0.5 … 0.5 of the length; the middle vertex is the point
        side = bend_m * (1 - (2 * t) ** 2) - bend_m  # 0 at the middle, -bend at the ends
        east = t * length_m * ux - side * uy
        north = t * length_m * uy + side * ux
        coordinates.append(
            [round(lon + east / m_per_deg_lon, 6), round(lat + north / m_per_deg_lat, 6)]
        )
    return {"type": "LineString", "coordinates": coordinates}


def _hazards(
    rng: random.Random, sampler: PointSampler, units: dict[str, Any], count: int
) -> list[HazardSource]:
    now = timezone.now()
    today = timezone.localdate()
    codes = list(HAZARD_KINDS)
    weights = [HAZARD_KINDS[c][0] for c in codes]
    out = []
    for n in range(count):
        code = rng.choices(codes, weights)[0]
        _w, stem, is_area = HAZARD_KINDS[code]
        lon, lat, region = sampler.sample()
        hazard = HazardSource(
            code=code,
            name=f"{region.name}{stem}{n + 1:05d}（合成）",
            level=rng.choices(HazardLevel.values, [3, 12, 55, 30])[0],
            operator_name="" if is_area else f"某{stem[:2]}企业{n % 97 + 1}（合成）",
            contact_name=person(rng),
            contact_phone=fake_phone(rng),
            region=region,
            owner_unit=steward_for(units, region),
            address=f"{region.name}某处（合成地址）",
            geometry=square_around(lon, lat, rng.uniform(0.002, 0.008)) if is_area else None,
            last_inspected_on=today - timedelta(days=rng.randint(0, 400)),
            inspection_findings=rng.choice(("", "", "消防通道堵塞，已责令整改", "警示标识缺失")),
            last_reviewed_at=now - timedelta(days=rng.randint(0, 300)),
            is_synthetic=True,
        )
        hazard.set_point(lon, lat)
        out.append(hazard)
    return out


def _roads(
    rng: random.Random, sampler: PointSampler, units: dict[str, Any], count: int
) -> list[LowLyingRoad]:
    now = timezone.now()
    # Most low-lying roads are in the central districts (历下, 市中, 槐荫, 天桥, 历城).
    central = [
        d for d in sampler.districts if d.code in {"370102", "370103", "370104", "370105", "370112"}
    ]
    out = []
    for n in range(count):
        district = rng.choice(central) if central and rng.random() < 0.8 else None
        lon, lat, region = sampler.sample(district)
        underpass = rng.random() < 0.35
        feature = "下穿立交" if underpass else rng.choice(ROAD_FEATURES[1:])
        road_name = rng.choice(ROAD_NAMES)
        surrounding = round(rng.uniform(25, 180), 2)
        dip = round(rng.uniform(2.0, 6.5) if underpass else rng.uniform(0.3, 2.0), 2)
        pumps = rng.choice((0, 1, 2, 2, 3, 4)) if underpass else rng.choice((0, 0, 0, 1))
        road = LowLyingRoad(
            road_name=road_name,
            section_from=f"某{feature}{n + 1:04d}（合成）",
            section_to="",
            description=f"{road_name}某{feature}（合成），雨后易积水。",
            region=region,
            owner_unit=steward_for(units, region),
            address=f"{region.name}{road_name}某处（合成地址）",
            geometry=_road_line(rng, lon, lat, road_name),
            lowest_elevation_m=round(surrounding - dip, 2),
            surrounding_elevation_m=surrounding,
            dip_depth_m=dip,
            drainage_capacity_m3h=float(rng.choice((200, 400, 800, 1200, 2000))),
            warning_depth_cm=rng.choice((15, 20, 25, 30)),
            pump_count=pumps,
            pump_capacity_m3h=float(pumps * rng.choice((300, 500, 800))) if pumps else None,
            is_underpass=underpass,
            last_reviewed_at=now - timedelta(days=rng.randint(0, 500)),
            is_synthetic=True,
        )
        road.set_point(lon, lat)
        out.append(road)
    return out


@transaction.atomic
def load(*, scale: float = 1.0, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed + 20000)
    purge_synthetic(HazardSource, LowLyingRoad)
    sampler = PointSampler(rng)
    units = demo_units()
    hazards = _hazards(rng, sampler, units, scaled(HAZARDS, scale))
    bulk_save(HazardSource, hazards)
    roads = _roads(rng, sampler, units, scaled(ROADS, scale))
    bulk_save(LowLyingRoad, roads)
    ids = list(
        LowLyingRoad.objects.filter(is_synthetic=True)
        .order_by("pk")
        .values_list("pk", "dip_depth_m")
    )
    records = []
    for pk, dip in ids:
        for _i in range(rng.randint(0, 5)):
            rainfall = round(rng.uniform(20, 200), 1)
            depth = int(min(dip * 100, rainfall * rng.uniform(0.1, 0.9)))
            records.append(
                WaterDepthRecord(
                    road_id=pk,
                    observed_on=date(
                        rng.randint(2021, 2025), rng.choice((6, 7, 8)), rng.randint(1, 28)
                    ),
                    depth_cm=max(1, depth),
                    rainfall_mm=rainfall,
                    source=rng.choice(DepthSource.values),
                )
            )
    bulk_save(WaterDepthRecord, records)
    return {"hazards": len(hazards), "roads": len(roads), "depth_records": len(records)}
