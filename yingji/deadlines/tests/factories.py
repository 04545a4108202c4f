"""Test helpers: a world with the default rules, incidents and reports at controlled times."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

from django.utils import timezone

from yingji.core.testing.world import World, build_world
from yingji.deadlines.loader import load_default_rules
from yingji.deadlines.models import DeadlineRule
from yingji.geo.models import Region
from yingji.incidents.choices import IncidentStatus, ReportKind, ReportMode, SourceChannel
from yingji.incidents.models import Incident, IncidentType, Report

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0, 0))  # a Monday, 09:00 Beijing time
_seq = count(1)


def at(minutes: float = 0, seconds: float = 0) -> dt.datetime:
    """T0 plus some minutes (and seconds)."""
    return T0 + dt.timedelta(minutes=minutes, seconds=seconds)


def world_with_rules() -> World:
    world = build_world()
    load_default_rules(rule_model=DeadlineRule, region_model=Region)
    return world


def incident_type() -> IncidentType:
    """A leaf type (the migration loads them; transactional tests flush them, so make one)."""
    found = IncidentType.objects.filter(depth=3).first()
    if found is None:
        found, _ = IncidentType.objects.get_or_create(
            code="11B03", defaults={"name": "暴雨", "depth": 3}
        )
    return found


def make_incident(
    world: World,
    *,
    region: Region | None = None,
    severity: int = 4,
    occurred: dt.datetime | None = None,
    received: dt.datetime | None = None,
    channel: str = SourceChannel.PHONE,
    **extra: Any,
) -> Incident:
    region = region or world.township_a
    unit = world.unit_a if region.path.startswith(world.county_a.path) else world.unit_b
    if region == world.city:
        unit = world.city_unit
    return Incident.objects.create(
        title=f"测试事件{next(_seq)}",
        incident_type=incident_type(),
        severity=severity,
        status=extra.pop("status", IncidentStatus.RECEIVED),
        occurred_at=occurred or T0,
        received_at=received or occurred or T0,
        source_channel=channel,
        region=region,
        owner_unit=extra.pop("owner_unit", unit),
        **extra,
    )


def make_report(
    incident: Incident,
    *,
    when: dt.datetime,
    kind: str = ReportKind.INITIAL,
    mode: str = ReportMode.PHONE,
    unit: Any = None,
    sequence: int | None = None,
    **extra: Any,
) -> Report:
    if sequence is None:
        sequence = 0
        if kind == ReportKind.FOLLOWUP:
            sequence = incident.reports.filter(kind=kind, mode=mode).count() + 1
    return Report.objects.create(
        incident=incident,
        kind=kind,
        sequence=sequence,
        mode=mode,
        unit=unit if unit is not None else incident.owner_unit,
        submitted_at=when,
        **extra,
    )
