"""Synthetic protection targets for the demo (``yingji load_demo_targets``): plainly marked.

About 5,000 schools, kindergartens, hospitals, nursing homes, crowded places and pieces
of infrastructure; every name ends with "（合成）".
"""

from __future__ import annotations

import random
from datetime import timedelta

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
from yingji.teams.demo import fake_phone, person

from .choices import TargetKind
from .models import ProtectionTarget

TARGETS = 5000
#: (kind, code, name stem, weight, population range)
KINDS: tuple[tuple[str, str, str, int, tuple[int, int]], ...] = (
    (TargetKind.KINDERGARTEN, "31B07", "幼儿园", 900, (60, 400)),
    (TargetKind.SCHOOL, "31B06", "小学", 700, (300, 2500)),
    (TargetKind.SCHOOL, "31B05", "初中", 350, (400, 2000)),
    (TargetKind.SCHOOL, "31B02", "高中", 150, (800, 3000)),
    (TargetKind.SCHOOL, "31B01", "大学校区", 30, (5000, 30000)),
    (TargetKind.HOSPITAL, "", "医院", 250, (100, 3000)),
    (TargetKind.NURSING_HOME, "", "养老院", 300, (30, 500)),
    (TargetKind.CROWDED_PLACE, "31F02", "商场", 450, (500, 10000)),
    (TargetKind.CROWDED_PLACE, "31F01", "体育馆", 60, (1000, 40000)),
    (TargetKind.CROWDED_PLACE, "31F03", "影剧院", 150, (200, 2000)),
    (TargetKind.GOVERNMENT, "31A00", "机关办公区", 300, (50, 800)),
    (TargetKind.KEY_INFRASTRUCTURE, "32J05", "供水厂", 80, (20, 200)),
    (TargetKind.KEY_INFRASTRUCTURE, "32J07", "燃气门站", 80, (10, 80)),
    (TargetKind.KEY_INFRASTRUCTURE, "32J06", "变电站", 400, (0, 30)),
    (TargetKind.KEY_INFRASTRUCTURE, "32F03", "排灌泵站", 200, (0, 20)),
    (TargetKind.KEY_INFRASTRUCTURE, "32J04", "轨道交通站点", 150, (500, 8000)),
    (TargetKind.KEY_INFRASTRUCTURE, "32F01", "水库", 30, (0, 50)),
    (TargetKind.RESERVE, "31H04", "储备物资库", 40, (0, 30)),
    (TargetKind.MONITORING, "31J04", "气象监测站", 40, (0, 10)),
    (TargetKind.CONSTRUCTION_SITE, "31M00", "在建工地", 300, (50, 1500)),
)


@transaction.atomic
def load(*, scale: float = 1.0, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed + 30000)
    purge_synthetic(ProtectionTarget)
    sampler = PointSampler(rng)
    units = demo_units()
    now = timezone.now()
    weights = [k[3] for k in KINDS]
    targets = []
    for n in range(scaled(TARGETS, scale)):
        kind, code, stem, _weight, (low, high) = rng.choices(KINDS, weights)[0]
        lon, lat, region = sampler.sample()
        target = ProtectionTarget(
            code=code,
            name=f"{region.name}{stem}{n + 1:05d}（合成）",
            kind=kind,
            population=rng.randint(low, high),
            contact_name=person(rng),
            contact_phone=fake_phone(rng),
            region=region,
            owner_unit=steward_for(units, region),
            address=f"{region.name}某处（合成地址）",
            last_reviewed_at=now - timedelta(days=rng.randint(0, 500)),
            is_synthetic=True,
        )
        target.set_point(lon, lat)
        targets.append(target)
    bulk_save(ProtectionTarget, targets, batch_size=2000)
    return {"targets": len(targets)}
