"""Writes for hazard sources, low-lying roads and their water depth records."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yingji.core.registry import registry_create, registry_update

from .models import HazardSource, LowLyingRoad, WaterDepthRecord


def hazard_create(*, actor: Any, **fields: Any) -> HazardSource:
    hazard: HazardSource = registry_create(
        actor=actor, model=HazardSource, reason=_("登记危险源"), **fields
    )
    return hazard


def hazard_update(*, actor: Any, obj: HazardSource, **fields: Any) -> HazardSource:
    hazard: HazardSource = registry_update(actor=actor, obj=obj, reason=_("修改危险源"), **fields)
    return hazard


def road_create(*, actor: Any, **fields: Any) -> LowLyingRoad:
    road: LowLyingRoad = registry_create(
        actor=actor, model=LowLyingRoad, reason=_("登记低洼路段"), **fields
    )
    return road


def road_update(*, actor: Any, obj: LowLyingRoad, **fields: Any) -> LowLyingRoad:
    road: LowLyingRoad = registry_update(actor=actor, obj=obj, reason=_("修改低洼路段"), **fields)
    return road


def water_depth_record(*, actor: Any, **fields: Any) -> WaterDepthRecord:
    """Record a water depth observed at a road section the actor may change."""
    record: WaterDepthRecord = registry_create(
        actor=actor, model=WaterDepthRecord, reason=_("记录积水深度"), **fields
    )
    return record


def water_depth_update(*, actor: Any, obj: WaterDepthRecord, **fields: Any) -> WaterDepthRecord:
    record: WaterDepthRecord = registry_update(
        actor=actor, obj=obj, reason=_("修改积水记录"), **fields
    )
    return record
