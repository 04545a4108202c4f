"""Overdue reviews per department, across every reviewed registry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yingji.accounts.choices import Role
from yingji.core.registry import overdue_q, overdue_reviews, registry_mark_reviewed
from yingji.core.testing.world import build_world
from yingji.experts.tests.test_api import make_expert
from yingji.hazards.models import HazardSource, LowLyingRoad
from yingji.hazards.tests.test_api import make_hazard, make_road

pytestmark = pytest.mark.django_db


def test_overdue_counts_per_unit_and_region() -> None:
    world = build_world()
    now = timezone.now()
    long_ago = now - timedelta(days=400)
    fresh = make_hazard(world.county_a, 1, owner_unit=world.unit_a, last_reviewed_at=now)
    stale = make_hazard(world.county_a, 2, owner_unit=world.unit_a, last_reviewed_at=long_ago)
    # Its own, shorter cycle makes this one overdue too.
    short = make_hazard(
        world.county_a,
        3,
        owner_unit=world.unit_a,
        last_reviewed_at=now - timedelta(days=40),
        review_interval_days=30,
    )
    make_road(world.county_a, 1, owner_unit=world.unit_a, last_reviewed_at=long_ago)
    make_hazard(world.county_b, 9, owner_unit=world.unit_b, last_reviewed_at=long_ago)
    expert = make_expert(world.county_a, 1)
    type(expert).objects.filter(pk=expert.pk).update(last_reviewed_at=long_ago)

    assert set(overdue_q(HazardSource.objects.all(), now)) >= {stale, short}
    assert fresh not in set(overdue_q(HazardSource.objects.all(), now))

    rows = overdue_reviews(user=world.user(Role.VIEWER, "a"), now=now)
    counts = {(r.key, r.owner_unit_name): r.count for r in rows}
    assert counts[("hazards.hazardsource", "历下区应急管理局")] == 2
    assert counts[("hazards.lowlyingroad", "历下区应急管理局")] == 1
    assert counts[("experts.expert", "未指定")] == 1
    assert all(name != "市中区应急管理局" for _key, name in counts)

    registry_mark_reviewed(actor=world.user(Role.COUNTY_OFFICER, "a"), obj=stale, now=now)
    rows = overdue_reviews(user=world.user(Role.VIEWER, "a"), now=now)
    counts = {(r.key, r.owner_unit_name): r.count for r in rows}
    assert counts[("hazards.hazardsource", "历下区应急管理局")] == 1
    assert LowLyingRoad.objects.count() == 1


def test_overdue_page(client) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    make_hazard(
        world.county_a,
        1,
        owner_unit=world.unit_a,
        last_reviewed_at=timezone.now() - timedelta(days=999),
    )
    client.force_login(world.user(Role.VIEWER, "a"))
    response = client.get(reverse("hazards:overdue_reviews"))
    assert response.status_code == 200
    assert "历下区应急管理局" in response.content.decode()
    response = client.get(reverse("hazards:overdue_reviews"), {"export": "xlsx"})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    client.force_login(world.user(Role.VIEWER, "b"))
    assert "历下区应急管理局" not in client.get(reverse("hazards:overdue_reviews")).content.decode()
