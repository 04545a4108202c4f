"""Equipment pages render, filter, export and stay inside the user's region."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world

from . import factories as f

pytestmark = pytest.mark.django_db


def test_list_detail_export_scoped() -> None:
    world = build_world()
    a = f.equipment(world.county_a, "历下排水车", capacity=3000, capacity_unit="m³/h")
    b = f.equipment(world.county_b, "市中排水车")
    client = Client()
    client.force_login(world.user(Role.COUNTY_OFFICER, "a"))
    text = client.get(reverse("equipment:equipment_list")).content.decode()
    assert "历下排水车" in text and "市中排水车" not in text
    assert client.get(reverse("equipment:equipment_list"), {"capacity_min": "x"}).status_code == 200
    assert client.get(reverse("equipment:equipment_detail", args=[a.pk])).status_code == 200
    assert client.get(reverse("equipment:equipment_detail", args=[b.pk])).status_code == 404
    response = client.get(
        reverse("equipment:equipment_list"), {"export": "xlsx", "sort": "-capacity"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["历下排水车"]
