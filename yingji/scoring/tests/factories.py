"""Builders for scoring tests: incidents, reports and deadlines without the full pipeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from yingji.accounts.models import Unit
from yingji.incidents.models import Incident, IncidentType, Report
from yingji.scoring.models import ScoreEntry, ScoringRule

TZ = timezone.get_fixed_timezone(8 * 60)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Beijing-time moment."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def incident_type() -> IncidentType:
    kind, _ = IncidentType.objects.get_or_create(
        code="11B03", defaults={"name": "暴雨", "depth": 3}
    )
    return kind


def make_incident(
    unit: Unit, title: str = "经十路积水", when: datetime | None = None, **extra: Any
) -> Incident:
    when = when or at(2026, 3, 10)
    return Incident.objects.create(
        title=title,
        incident_type=incident_type(),
        region=unit.region,
        owner_unit=unit,
        occurred_at=when,
        received_at=when + timedelta(minutes=5),
        source_channel="phone",
        **extra,
    )


COMPLETE_INITIAL = {
    "source_info": "区应急局值班室",
    "location_text": "经十路与舜耕路路口",
    "nature": "城市内涝",
    "scope_of_impact": "路口积水约50厘米，交通中断",
    "deaths": 0,
    "injuries": 0,
    "direct_loss": Decimal("0"),
    "trend": "雨势减弱，积水缓慢下降",
    "leaders_on_scene": "副区长张某在现场",
    "measures_taken": "设置警戒，调派排水车",
    "scene_contact_name": "李某",
    "scene_contact_phone": "13800000000",
}


def make_report(
    incident: Incident,
    kind: str = "initial",
    *,
    user: Any = None,
    when: datetime | None = None,
    sequence: int = 0,
    mode: str = "written",
    **fields: Any,
) -> Report:
    return Report.objects.create(
        incident=incident,
        kind=kind,
        sequence=sequence,
        mode=mode,
        unit=incident.owner_unit,
        submitted_by=user,
        submitted_at=when or incident.received_at + timedelta(minutes=30),
        **fields,
    )


def make_rule(**fields: Any) -> ScoringRule:
    defaults: dict[str, Any] = {
        "name": "测试条款",
        "trigger": "report_late",
        "points": Decimal("-2"),
        "applies_to": "unit",
        "valid_from": at(2020, 1, 1).date(),
    }
    defaults.update(fields)
    return ScoringRule.objects.create(**defaults)


def make_entry(
    unit: Unit,
    *,
    rule: ScoringRule | None = None,
    points: str = "-2",
    when: datetime | None = None,
    source_id: int = 1,
    trigger: str = "report_late",
    **extra: Any,
) -> ScoreEntry:
    rule = rule or ScoringRule.objects.filter(trigger=trigger, region__isnull=True).first()
    return ScoreEntry.objects.create(
        rule=rule,
        trigger=trigger,
        unit=unit,
        counts_for_unit=True,
        source_kind="deadline",
        source_id=source_id,
        base_points=Decimal(points),
        points=Decimal(points),
        occurred_at=when or at(2026, 3, 10),
        reason=f"测试计分{source_id}",
        region=unit.region,
        owner_unit=unit,
        **extra,
    )
