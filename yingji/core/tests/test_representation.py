"""``Representation`` gives what the serializer's own ``to_representation`` gives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from yingji.core.api.representation import Representation
from yingji.core.testing.world import build_world
from yingji.incidents.api.serializers import IncidentSerializer, ReportSerializer
from yingji.incidents.choices import IncidentStatus, Severity
from yingji.incidents.models import Event, Incident
from yingji.incidents.tests.factories import make_incident, make_report

pytestmark = pytest.mark.django_db


def _same(serializer: serializers.Serializer[Any], instance: Any) -> dict[str, Any]:
    ours = Representation(serializer)(instance)
    theirs = type(serializer)(instance).data
    assert ours == dict(theirs)
    assert list(ours) == list(theirs)  # the same keys in the same order
    return ours


def test_incidents_of_every_shape_are_represented_as_drf_represents_them() -> None:
    world = build_world()
    plain = make_incident(world)
    event = Event.objects.create(
        name="暴雨", region=world.city, started_at=timezone.now(), incident_type=None
    )
    full = make_incident(
        world,
        region=world.county_b,
        severity=Severity.LARGER,
        status=IncidentStatus.CLOSED,
        closed_at=timezone.now(),
        event=event,
        direct_loss=Decimal("12.5"),
        reporting_unit=world.unit_b,
        reporter_name="张三",
        scene_contact_name="李四",
        scene_contact_phone="13800000000",
        escalated_at=timezone.now(),
    )
    merged = make_incident(world, merged_into=plain, status=IncidentStatus.MERGED)
    no_owner = make_incident(world, owner_unit=None, severity=Severity.MAJOR)
    for incident in (plain, full, merged, no_owner):
        # As the API reads it, and as the intake answers (the objects just written).
        fresh = Incident.objects.select_related("incident_type", "region", "owner_unit").get(
            pk=incident.pk
        )
        for instance in (incident, fresh):
            ours = _same(IncidentSerializer(), instance)
    assert ours["owner_unit"] is None and ours["owner_unit_name"] == ""
    assert ours["needs_scene_liaison"] is True
    merged_answer = Representation(IncidentSerializer())(merged)
    assert merged_answer["merged_into"] == plain.pk and merged_answer["event"] is None
    full_answer = Representation(IncidentSerializer())(full)
    assert full_answer["event"] == event.pk and full_answer["direct_loss"] == "12.50"


def test_another_serializer_and_an_unreadable_field_take_drfs_own_way() -> None:
    world = build_world()
    report = make_report(make_incident(world, with_report=False))
    _same(ReportSerializer(), report)

    class Odd(serializers.Serializer[Any]):
        missing = serializers.CharField(source="nothing.here", default="—")
        method = serializers.SerializerMethodField()
        called = serializers.CharField(source="get_severity_display")

        def get_method(self, obj: Any) -> str:
            return str(obj.pk)

    incident = make_incident(world)
    answer = _same(Odd(), incident)
    assert answer["missing"] == "—" and answer["called"] == incident.get_severity_display()
