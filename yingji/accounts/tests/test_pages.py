"""Unit pages: list with filters, sort and export; detail; region scoping."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from yingji.accounts.choices import Role, UnitKind
from yingji.core.testing.world import World, build_world, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    # The world makes a dozen accounts; the production hasher would take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    return build_world()


def as_user(
    client: Client, world: World, role: str = Role.CITY_ADMIN, where: str = "city"
) -> Client:
    client.force_login(world.user(role, where))
    return client


def export_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "单位名称"
    return sorted(row[0] for row in rows[1:])


def test_unit_list_renders_with_filters_and_export_link(client: Client, world: World) -> None:
    as_user(client, world)
    response = client.get(reverse("accounts:unit_list"))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("济南市应急管理局", "历下区应急管理局", "市中区应急管理局"):
        assert name in html
    assert "导出Excel" in html
    assert 'href="?export=xlsx"' in html


def test_unit_list_filters_by_kind_and_sorts(client: Client, world: World) -> None:
    make_unit("历下区水务局", world.county_a, kind=UnitKind.DEPARTMENT)
    as_user(client, world)
    response = client.get(reverse("accounts:unit_list"), {"kind": "department"})
    assert [u.name for u in response.context["page"].object_list] == ["历下区水务局"]
    response = client.get(reverse("accounts:unit_list"), {"sort": "-region__code"})
    codes = [u.region.code for u in response.context["page"].object_list]
    assert codes == sorted(codes, reverse=True)


def test_county_user_sees_only_their_units_in_list_export_and_filters(
    client: Client, world: World
) -> None:
    as_user(client, world, Role.COUNTY_OFFICER, "a")
    html = client.get(reverse("accounts:unit_list")).content.decode()
    assert "历下区应急管理局" in html
    assert "市中区应急管理局" not in html
    assert "市中区" not in html  # not even in the region filter
    names = export_names(client.get(reverse("accounts:unit_list"), {"export": "xlsx"}))
    assert names == ["历下区应急管理局"]


def test_export_keeps_the_filters(client: Client, world: World) -> None:
    as_user(client, world)
    names = export_names(client.get(reverse("accounts:unit_list"), {"q": "市中", "export": "xlsx"}))
    assert names == ["市中区应急管理局"]


def test_unit_detail_and_404_for_another_county(client: Client, world: World) -> None:
    world.unit_a.lon, world.unit_a.lat = 117.05, 36.67
    world.unit_a.save()
    as_user(client, world, Role.COUNTY_OFFICER, "a")
    response = client.get(reverse("accounts:unit_detail", args=[world.unit_a.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "历下区应急管理局" in html
    assert "117.05000, 36.67000" in html
    assert 'id="mini-map-geometry"' in html
    assert client.get(reverse("accounts:unit_detail", args=[world.unit_b.pk])).status_code == 404
