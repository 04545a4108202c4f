"""The census specs of child registries (team members, water depths, stock minimums, expert
terms) and of the supplies categories appear everywhere a spec does: the catalogue with
its data standard, the census list of the API, the import page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from yingji.accounts.choices import Role
from yingji.catalogue.selectors import catalogue_rows
from yingji.core.testing.world import build_world

pytestmark = pytest.mark.django_db

CHILD_KEYS = (
    "teams.teammember",
    "hazards.waterdepthrecord",
    "supplies.stockminimum",
    "experts.expertterm",
    "supplies.supplycategory",
)


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_child_specs_are_catalogued_with_their_data_standard() -> None:
    world = build_world()
    rows = {r.census_key: r for r in catalogue_rows(user=world.user(Role.VIEWER, "a"))}
    for key in CHILD_KEYS:
        row = rows[key]
        assert row.standard and row.standard[0].required, key
    members = rows["teams.teammember"]
    assert [f.header for f in members.standard][:3] == ["所属队伍", "队伍所在行政区划代码", "姓名"]


def test_child_specs_are_listed_and_their_import_pages_open() -> None:
    world = build_world()
    c = login(world.user(Role.COUNTY_OFFICER, "a"))
    listed = {s["key"] for s in c.get(reverse("api:census-list")).json()}
    assert set(CHILD_KEYS) <= listed
    for key in CHILD_KEYS:
        page = c.get(reverse("catalogue:census_import", args=[key]))
        assert page.status_code == 200, key
        template = c.get(reverse("api:census-template", args=[key]))
        assert template.status_code == 200, key
