"""``core.versioned``: a value kept in the process is read again exactly when its tables
changed — here or in another process (seen through the version, not the signal)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingji.core.testing.world import build_world
from yingji.core.versioned import Versioned
from yingji.geo.models import Region

pytestmark = pytest.mark.django_db


def names() -> list[str]:
    return sorted(Region.objects.values_list("name", flat=True))


def test_unchanged_tables_cost_one_query_and_keep_the_value() -> None:
    build_world()
    loads: list[int] = []
    kept = Versioned("test-regions", (Region,), lambda: loads.append(1) or names())
    first = kept.get()
    with CaptureQueriesContext(connection) as queries:
        assert kept.get() is first
    assert len(queries) == 1 and len(loads) == 1


def test_a_change_in_another_process_is_seen_by_the_next_read() -> None:
    world = build_world()
    kept = Versioned("test-regions-2", (Region,), names)
    assert "改名区" not in kept.get()
    # As another process would: no signal here, only the row (and its updated_at) changed.
    Region.objects.filter(pk=world.county_a.pk).update(
        name="改名区", updated_at=timezone.now() + timedelta(seconds=1)
    )
    assert "改名区" in kept.get()
    # A row added and deleted elsewhere (no signals): the key and the count tell.
    added = Region(name="新设区", code="370199", level=world.county_a.level, path="/x/")
    Region.objects.bulk_create([added])
    assert "新设区" in kept.get()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Region._meta.db_table} WHERE code = %s", ["370199"])
    assert "新设区" not in kept.get()


def test_a_save_here_forgets_at_once() -> None:
    world = build_world()
    kept = Versioned("test-regions-3", (Region,), names)
    kept.get()
    region = Region.objects.get(pk=world.county_a.pk)
    stamp = region.updated_at
    region.name = "同刻改名"
    region.save()
    # Even were the version the same (a frozen clock, a rolled-back row's key again):
    Region.objects.filter(pk=region.pk).update(updated_at=stamp)
    assert "同刻改名" in kept.get()
