"""Writes of the equipment registry: create, update, status changes, review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.services import check_scope, save_with_history
from yingji.geo.choices import CoordinateSystem

from .choices import Availability
from .models import Equipment

POINT_FIELDS = ("lon", "lat", "source_crs")


def _set_point(obj: Equipment, point: dict[str, Any]) -> None:
    if point:
        obj.set_point(
            point.get("lon", obj.lon),
            point.get("lat", obj.lat),
            point.get("source_crs") or CoordinateSystem.WGS84,
        )


@transaction.atomic
def equipment_create(*, actor: Any, **fields: Any) -> Equipment:
    point = {k: fields.pop(k) for k in POINT_FIELDS if k in fields}
    equipment = Equipment(**fields)
    _set_point(equipment, point)
    if actor is not None:
        check_scope(actor=actor, model=Equipment, action="add", region=equipment.region)
    equipment.full_clean()
    return save_with_history(equipment, actor=actor, reason=_("登记装备"))


@transaction.atomic
def equipment_update(*, actor: Any, equipment: Equipment, **fields: Any) -> Equipment:
    if actor is not None:
        check_scope(actor=actor, model=Equipment, action="change", region=equipment.region)
    point = {k: fields.pop(k) for k in POINT_FIELDS if k in fields}
    for name, value in fields.items():
        setattr(equipment, name, value)
    _set_point(equipment, point)
    if actor is not None:  # moving it to another region needs scope there too
        check_scope(actor=actor, model=Equipment, action="change", region=equipment.region)
    equipment.full_clean()
    return save_with_history(equipment, actor=actor, reason=_("修改装备信息"))


@transaction.atomic
def equipment_set_status(
    *, actor: Any, equipment: Equipment, status: str, reason: str = ""
) -> Equipment:
    """Availability changes (called to a task, back, in maintenance) with a reason."""
    if status not in Availability.values:
        raise ValidationError({"status": [_("未知的状态。")]})
    if actor is not None:
        check_scope(actor=actor, model=Equipment, action="change", region=equipment.region)
    if status != Availability.AVAILABLE and not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写事由。")]})
    equipment.status = status
    return save_with_history(
        equipment,
        actor=actor,
        reason=(reason or "").strip() or _("恢复可调用"),
    )


@transaction.atomic
def equipment_review(*, actor: Any, equipment: Equipment, now: datetime | None = None) -> Equipment:
    """核查: the steward confirms the record is current."""
    if actor is not None:
        check_scope(actor=actor, model=Equipment, action="change", region=equipment.region)
    equipment.last_reviewed_at = now or timezone.now()
    return save_with_history(equipment, actor=actor, reason=_("核查确认"))
