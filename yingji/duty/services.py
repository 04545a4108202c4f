"""Writes of the duty log: one entry at a time, with history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.services import check_scope, save_with_history
from yingji.incidents.models import Incident

from .choices import EntryKind
from .models import DutyLogEntry

EDITABLE = ("at", "kind", "caller", "caller_phone", "summary", "handling", "incident")
LIMITS = {"caller": 128, "caller_phone": 32, "summary": 5000, "handling": 5000}
# An entry may be written a little after the fact, never in the future.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _check(entry: DutyLogEntry, actor: Any, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    for name, limit in LIMITS.items():
        value = getattr(entry, name)
        if not isinstance(value, str):
            errors.setdefault(name, []).append(_("应为文本。"))
            continue
        value = value.strip()
        setattr(entry, name, value)
        if len(value) > limit:
            errors.setdefault(name, []).append(_("不能超过 %(n)d 个字符。") % {"n": limit})
    if not entry.summary and "summary" not in errors:
        errors.setdefault("summary", []).append(_("请填写内容摘要。"))
    if entry.kind not in EntryKind.values:
        errors.setdefault("kind", []).append(_("不是有效的选项。"))
    if not isinstance(entry.at, datetime):
        errors.setdefault("at", []).append(_("时间格式不正确。"))
    elif entry.at > now + FUTURE_TOLERANCE:
        errors.setdefault("at", []).append(_("时间不能晚于当前时间。"))
    if entry.incident is not None and actor is not None:
        visible = Incident.objects.restrict(actor, "view").filter(pk=entry.incident.pk).exists()
        if not visible:
            errors.setdefault("incident", []).append(_("对象不存在。"))
    if errors:
        raise ValidationError(errors)


def _region_of(actor: Any) -> Any:
    region = getattr(actor, "region", None)
    if region is None:
        raise PermissionDenied(_("您没有所属单位，不能记录值班日志。"))
    return region


@transaction.atomic
def duty_log_add(*, actor: Any, data: dict[str, Any], now: datetime | None = None) -> DutyLogEntry:
    """Write one line in the actor's duty room's log (time defaults to now)."""
    now = now or timezone.now()
    region = data.get("region") or _region_of(actor)
    check_scope(actor=actor, model=DutyLogEntry, action="add", region=region)
    unknown = sorted(set(data) - set(EDITABLE) - {"region"})
    if unknown:
        raise ValidationError({name: [_("不能在这里填写。")] for name in unknown})
    entry = DutyLogEntry(
        region=region,
        owner_unit=getattr(actor, "unit", None),
        recorded_by=actor,
        at=data.get("at") or now,
        kind=data.get("kind") or EntryKind.CALL,
        caller=data.get("caller") or "",
        caller_phone=data.get("caller_phone") or "",
        summary=data.get("summary") or "",
        handling=data.get("handling") or "",
        incident=data.get("incident"),
    )
    _check(entry, actor, now)
    return save_with_history(entry, actor=actor, reason=_("记录值班日志"))


@transaction.atomic
def duty_log_update(
    *, actor: Any, entry: DutyLogEntry, data: dict[str, Any], now: datetime | None = None
) -> DutyLogEntry:
    """Correct a line (what was said, how it was handled); history keeps the old text."""
    now = now or timezone.now()
    check_scope(actor=actor, model=DutyLogEntry, action="change", region=entry.region)
    data = {k: v for k, v in data.items() if not (k == "region" and v == entry.region)}
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise ValidationError({name: [_("不能在这里修改。")] for name in unknown})
    for name, value in data.items():
        if name in LIMITS and value is None:
            value = ""
        setattr(entry, name, value)
    _check(entry, actor, now)
    return save_with_history(entry, actor=actor, reason=_("修改值班日志"))
