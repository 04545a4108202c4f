"""Region pages and the map page, as a user sees them."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world, make_region
from yingji.geo.choices import RegionLevel

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


def xlsx_rows(response) -> list[tuple]:  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_region_list_shows_filters_sort_links_and_export(client: Client, world: World) -> None:
    as_user(client, world)
    response = client.get(reverse("geo:region_list"), {"level": "district"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "历下区" in html and "市中区" in html
    assert "解放路街道" not in html
    assert 'name="q"' in html and 'name="level"' in html
    assert re.search(r'value="district" checked', html)
    assert 'href="?level=district&amp;export=xlsx"' in html
    assert 'href="?level=district&amp;sort=code"' in html


def test_region_list_sorts_by_column(client: Client, world: World) -> None:
    as_user(client, world)
    response = client.get(reverse("geo:region_list"), {"level": "district", "sort": "-code"})
    names = [r.name for r in response.context["page"].object_list]
    assert names == ["市中区", "历下区"]
    html = response.content.decode()
    assert 'data-sort-state="descending"' in html


def test_region_list_paginates_and_keeps_filters(client: Client, world: World) -> None:
    for n in range(60):
        make_region(f"3701020{n:02d}", f"测试街道{n}", RegionLevel.TOWNSHIP, world.county_a)
    as_user(client, world)
    response = client.get(reverse("geo:region_list"), {"level": "township", "q": "测试"})
    html = response.content.decode()
    assert response.context["page"].paginator.count == 60
    assert len(response.context["page"].object_list) == 50
    assert "共 60 条" in html
    assert "page=2" in html and "level=township" in html
    response = client.get(reverse("geo:region_list"), {"level": "township", "q": "测试", "page": 2})
    assert len(response.context["page"].object_list) == 10


def test_region_list_search_by_name(client: Client, world: World) -> None:
    as_user(client, world)
    response = client.get(reverse("geo:region_list"), {"q": "解放"})
    assert [r.name for r in response.context["page"].object_list] == ["解放路街道"]


def test_county_user_sees_only_their_county_in_list_and_export(
    client: Client, world: World
) -> None:
    as_user(client, world, Role.COUNTY_OFFICER, "a")
    html = client.get(reverse("geo:region_list")).content.decode()
    assert "历下区" in html
    assert "市中区" not in html  # neither in the table nor in the parent filter
    rows = xlsx_rows(client.get(reverse("geo:region_list"), {"export": "xlsx"}))
    assert rows[0][:2] == ("区划代码", "名称")
    codes = sorted(row[0] for row in rows[1:])
    assert codes == ["370102", "370102001"]


def test_export_keeps_the_filters(client: Client, world: World) -> None:
    as_user(client, world)
    rows = xlsx_rows(
        client.get(reverse("geo:region_list"), {"level": "district", "export": "xlsx"})
    )
    assert sorted(row[1] for row in rows[1:]) == ["历下区", "市中区"]


def test_region_detail_shows_fields_children_and_boundary(client: Client, world: World) -> None:
    as_user(client, world)
    response = client.get(reverse("geo:region_detail", args=[world.county_a.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "370102" in html and "历下区" in html
    assert "解放路街道" in html  # the child township
    assert "历下区应急管理局" in html  # its unit
    assert 'id="mini-map-geometry"' in html
    assert "vendor/leaflet/leaflet.js" in html
    geometry = json.loads(re.search(r'id="mini-map-geometry"[^>]*>(.*?)</script>', html).group(1))
    assert geometry["type"] == "Polygon"


def test_county_user_gets_404_for_another_countys_region(client: Client, world: World) -> None:
    as_user(client, world, Role.COUNTY_OFFICER, "a")
    assert client.get(reverse("geo:region_detail", args=[world.county_b.pk])).status_code == 404
    assert client.get(reverse("geo:region_detail", args=[world.county_a.pk])).status_code == 200


def test_map_page_passes_config_and_loads_nothing_from_outside(
    client: Client, world: World, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TIANDITU_KEY = ""
    settings.YINGJI_TILE_URL = ""
    as_user(client, world)
    html = client.get(reverse("geo:map")).content.decode()
    config = json.loads(re.search(r'id="map-config"[^>]*>(.*?)</script>', html).group(1))
    assert config["layersUrl"] == "/api/v1/geo/layers/regions/"
    assert config["regionUrl"] == "/geo/regions/0/"
    assert config["tiandituKey"] == ""
    labels = json.loads(re.search(r'id="map-labels"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert labels["districts"] == "县区"
    # Every script and stylesheet is served by the app itself.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url


def test_map_page_passes_the_tianditu_key_when_configured(
    client: Client, world: World, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TIANDITU_KEY = "abc123"
    as_user(client, world)
    html = client.get(reverse("geo:map")).content.decode()
    config = json.loads(re.search(r'id="map-config"[^>]*>(.*?)</script>', html).group(1))
    assert config["tiandituKey"] == "abc123"
