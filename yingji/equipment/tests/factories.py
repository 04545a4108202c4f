from __future__ import annotations

from typing import Any

from yingji.equipment.choices import EquipmentKind, OwnerKind
from yingji.equipment.models import Equipment
from yingji.geo.models import Region


def equipment(region: Region, name: str = "", **extra: Any) -> Equipment:
    lon, lat = (116.85, 36.55) if region.code.startswith("370102") else (117.05, 36.55)
    lon, lat = extra.pop("lon", lon), extra.pop("lat", lat)
    obj = Equipment(
        name=name or f"{region.name}排水车{Equipment.objects.count() + 1}",
        kind=extra.pop("kind", EquipmentKind.DRAINAGE_TRUCK),
        owner_kind=extra.pop("owner_kind", OwnerKind.ENTERPRISE),
        owner_name=extra.pop("owner_name", "某市政工程公司"),
        region=region,
        **extra,
    )
    obj.set_point(lon, lat)
    obj.save()
    return obj
