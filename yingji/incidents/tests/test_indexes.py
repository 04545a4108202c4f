"""The incident table's sparse indexes (migration 0007): an event's incidents, the
incidents merged into one and a region's incidents are still read through an index,
although an intake writes no entry for an empty event or merge and none for the region
alone. SQLite's plan is checked (PostgreSQL's planner reads a test's few rows by a scan
whatever the indexes); on both, the lookups find what they should."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from yingji.core.testing.world import build_world
from yingji.incidents.models import Event, Incident

from .factories import make_incident

pytestmark = pytest.mark.django_db


def plan(queryset: object) -> str:
    sql, params = queryset.query.sql_with_params()  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(row[-1]) for row in cursor.fetchall())


def test_event_merge_and_region_lookups_use_the_indexes_left() -> None:
    world = build_world()
    event = Event.objects.create(
        name="暴雨", started_at=timezone.now(), region=world.county_a, owner_unit=world.unit_a
    )
    kept = make_incident(world, event=event)
    merged = make_incident(world, merged_into=kept)
    plain = make_incident(world, region=world.county_b)

    by_event = Incident.objects.filter(event=event)
    by_merge = Incident.objects.filter(merged_into=kept)
    by_region = Incident.objects.filter(region=world.county_b)
    assert list(by_event) == [kept]
    assert list(by_merge) == [merged]
    assert list(by_region) == [plain]
    assert list(event.incidents.all()) == [kept]
    assert list(kept.merged_incidents.all()) == [merged]
    if connection.vendor != "sqlite":
        return
    assert "USING INDEX incident_event " in plan(by_event) + " "
    assert "USING INDEX incident_merged_into " in plan(by_merge) + " "
    assert "incident_region_status" in plan(by_region)
    indexed = {
        row[0]
        for row in connection.cursor().execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
            [Incident._meta.db_table],
        )
    }
    assert {"incident_event", "incident_merged_into"} <= indexed
    assert not any(name.startswith("incidents_incident_region_id") for name in indexed)
    assert not any(name.startswith("incidents_incident_event_id") for name in indexed)
