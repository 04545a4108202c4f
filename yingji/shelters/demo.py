"""Synthetic shelters for the demo (``yingji load_demo_shelters``): plainly marked.

Outdoor shelters get a small square outline around their point; all names end with
"（合成）".
"""

from __future__ import annotations

import random
from datetime import timedelta
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
from yingji.teams.demo import fake_phone, person

from .choices import INDOOR_KINDS, ShelterKind, ShelterStatus
from .models import Shelter

SHELTERS = 150
KINDS = (
    (ShelterKind.PARK, 30, "公园"),
    (ShelterKind.SQUARE, 20, "广场"),
    (ShelterKind.GREEN, 10, "绿地"),
    (ShelterKind.SCHOOL, 20, "学校"),
    (ShelterKind.GYM, 8, "体育馆"),
    (ShelterKind.CIVIL_DEFENCE_BASEMENT, 7, "人防地下室"),
    (ShelterKind.RESCUE_STATION, 5, "救助管理站"),
)


def square_around(lon: float, lat: float, half: float) -> dict[str, Any]:
    """A small square polygon centred on the point (``half`` in degrees)."""
    ring = [
        [round(lon - half, 6), round(lat - half, 6)],
        [round(lon + half, 6), round(lat - half, 6)],
        [round(lon + half, 6), round(lat + half, 6)],
        [round(lon - half, 6), round(lat + half, 6)],
        [round(lon - half, 6), round(lat - half, 6)],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@transaction.atomic
def load(*, scale: float = 1.0, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed + 47)
    purge_synthetic(Shelter)
    sampler = PointSampler(rng)
    units = demo_units()
    now = timezone.now()
    shelters = []
    for n in range(scaled(SHELTERS, scale)):
        kind, _weight, stem = rng.choices(KINDS, [w for _k, w, _s in KINDS])[0]
        lon, lat, region = sampler.sample()
        indoor = kind in INDOOR_KINDS
        area = rng.randint(800, 6000) if indoor else rng.randint(5000, 120000)
        half = (area**0.5) / 2 / 100000  # ≈ metres → degrees, good enough for a demo outline
        shelter = Shelter(
            name=f"{region.name}{stem}避难场所{n + 1:04d}（合成）",
            kind=kind,
            region=region,
            owner_unit=steward_for(units, region),
            address=f"{region.name}某处（合成地址）",
            capacity=int(area / (2.0 if indoor else 1.5)),
            area_m2=float(area),
            has_water=rng.random() < 0.8,
            has_power=rng.random() < 0.7,
            has_toilets=rng.random() < 0.85,
            has_medical=rng.random() < 0.4,
            has_broadcast=rng.random() < 0.6,
            status=rng.choices(ShelterStatus.values, [85, 2, 5, 8])[0],
            manager_name=person(rng),
            manager_phone=fake_phone(rng),
            boundary=None if indoor else square_around(lon, lat, half),
            last_reviewed_at=now - timedelta(days=rng.randint(0, 500)),
            is_synthetic=True,
        )
        shelter.set_point(lon, lat)
        shelters.append(shelter)
    bulk_save(Shelter, shelters)
    return {"shelters": len(shelters)}
