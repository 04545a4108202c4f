"""Small builders for reporters tests (plain functions: the models are simple)."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from yingji.accounts.choices import UnitKind, UtilitySector
from yingji.accounts.models import Unit
from yingji.geo.models import Region
from yingji.reporters.choices import OfficerPost
from yingji.reporters.models import DirectReportPoint, InformationOfficer

_seq = count(1)


def officer(region: Region, **extra: Any) -> InformationOfficer:
    n = next(_seq)
    fields: dict[str, Any] = {
        "name": f"测试信息员{n}",
        "phone": f"139{n:08d}",
        "post": OfficerPost.GRID_WORKER,
        "area_covered": f"第{n}网格",
        "joined_at": date(2026, 1, 1),
        "region": region,
    }
    fields.update(extra)
    if not fields.get("is_active", True):
        fields.setdefault("inactive_reason", "调离")
    return InformationOfficer.objects.create(**fields)


def officers(region: Region, n: int, **extra: Any) -> list[InformationOfficer]:
    return [officer(region, **extra) for _ in range(n)]


def utility_unit(region: Region, name: str = "", sector: str = UtilitySector.WATER) -> Unit:
    n = next(_seq)
    unit, _ = Unit.objects.get_or_create(
        name=name or f"{region.name}测试供水公司{n}",
        region=region,
        defaults={"kind": UnitKind.UTILITY, "sector": sector},
    )
    return unit


def point(region: Region, **extra: Any) -> DirectReportPoint:
    unit = extra.pop("unit", None) or utility_unit(region)
    fields: dict[str, Any] = {
        "contact_name": "王联系",
        "contact_phone": "13900001111",
        "phone_24h": "0531-86000000",
        "facilities": "供水管网",
    }
    fields.update(extra)
    return DirectReportPoint.objects.create(unit=unit, region=unit.region, **fields)
