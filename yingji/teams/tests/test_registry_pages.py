"""The declared list and detail pages of every registry: scoped, filtered, sorted, exported.

One test module for the five registries (their pages come from one declaration each in
``<app>/views.py`` and the shared views in ``yingji.core.registry``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.core.registry import RegistryPages
from yingji.core.testing.world import build_world
from yingji.experts.tests.test_api import make_expert
from yingji.experts.views import EXPERT_PAGES
from yingji.hazards.tests.test_api import make_hazard, make_road
from yingji.hazards.views import HAZARD_PAGES, ROAD_PAGES
from yingji.shelters.tests.test_api import make_shelter
from yingji.shelters.views import SHELTER_PAGES
from yingji.targets.tests.test_api import make_target
from yingji.targets.views import TARGET_PAGES
from yingji.teams.tests.test_api import make_team
from yingji.teams.views import TEAM_PAGES

pytestmark = pytest.mark.django_db

CASES: list[tuple[RegistryPages, Callable[..., Any], str]] = [
    (TEAM_PAGES, make_team, "head_count"),
    (EXPERT_PAGES, make_expert, "latest_term_end"),
    (SHELTER_PAGES, make_shelter, "capacity"),
    (HAZARD_PAGES, make_hazard, "level"),
    (ROAD_PAGES, make_road, "dip_depth_m"),
    (TARGET_PAGES, make_target, "population"),
]


@pytest.mark.parametrize(("pages", "make", "sort"), CASES, ids=lambda c: getattr(c, "slug", ""))
def test_pages_are_scoped(
    client, pages: RegistryPages, make: Callable[..., Any], sort: str
) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    mine = make(world.county_a, 1)
    theirs = make(world.county_b, 2)
    client.force_login(world.user(Role.VIEWER, "a"))
    list_url = reverse(pages.list_name)
    for query in ({}, {"sort": sort}, {"sort": f"-{sort}"}, {"q": str(mine)[:3]}, {"page": "x"}):
        response = client.get(list_url, query)
        assert response.status_code == 200, query
        html = response.content.decode()
        assert str(theirs) not in html
    assert str(mine) in client.get(list_url).content.decode()
    # A bad filter value is a form error, not a 500.
    assert client.get(list_url, {"owner_unit": "not-a-number"}).status_code == 200
    export = client.get(list_url, {"export": "xlsx"})
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2  # header + mine
    assert client.get(reverse(pages.detail_name, args=[mine.pk])).status_code == 200
    assert client.get(reverse(pages.detail_name, args=[theirs.pk])).status_code == 404
    client.logout()
    assert client.get(list_url).status_code == 302
