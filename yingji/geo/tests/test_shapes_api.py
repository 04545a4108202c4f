"""The shapes endpoint (``/api/v1/geo/layers/<key>/shapes/``): lines and polygons of a layer.

Uses the registry's own hazard layers (``hazards.lowlyingroad``: lines,
``hazards.hazardsource``: polygons or points) over the small test world: county A is
lon 116.8–117.0, county B 117.0–117.2, both lat 36.5–36.7.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world, square
from yingji.geo import shape_index
from yingji.geo.api.shapes import MAX_ZOOM, tolerance
from yingji.geo.models import Region
from yingji.hazards.models import HazardSource, LowLyingRoad

ROADS = "/api/v1/geo/layers/hazards.lowlyingroad/shapes/"
HAZARDS = "/api/v1/geo/layers/hazards.hazardsource/shapes/"
# A view in county A around (116.85, 36.55), about 5 km across.
VIEW_A = "116.82,36.53,116.88,36.57"


@pytest.fixture(autouse=True)
def fresh_boxes() -> Iterator[None]:
    shape_index.invalidate()
    yield
    shape_index.invalidate()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def client(world: World, role: str = Role.CITY_ADMIN, where: str = "city") -> APIClient:
    c = APIClient()
    c.force_authenticate(world.user(role, where))
    return c


def line(lon: float, lat: float, length: float = 0.004) -> dict[str, Any]:
    """An east-west line of three positions starting at (lon, lat)."""
    return {
        "type": "LineString",
        "coordinates": [
            [round(x, 6), round(y, 6)]
            for x, y in ((lon, lat), (lon + length / 2, lat + 0.0001), (lon + length, lat))
        ],
    }


def road(region: Region, name: str, geometry: Any, **extra: Any) -> LowLyingRoad:
    obj = LowLyingRoad(road_name=name, region=region, geometry=geometry, **extra)
    if geometry and geometry["type"] == "LineString":
        obj.set_point(*geometry["coordinates"][1])
    obj.save()
    return obj


def hazard(region: Region, name: str, geometry: Any, point: tuple[float, float]) -> HazardSource:
    obj = HazardSource(code="21A02", name=name, region=region, geometry=geometry)
    obj.set_point(*point)
    obj.save()
    return obj


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {f["id"] for f in response.json()["features"]}


def test_a_road_line_comes_back_with_the_popup_properties(world: World) -> None:
    r = road(world.county_a, "经十路", line(116.85, 36.55), is_underpass=True, pump_count=2)
    body = client(world).get(ROADS, {"bbox": VIEW_A, "zoom": 15}).json()
    assert body["type"] == "FeatureCollection" and body["count"] == 1
    feature = body["features"][0]
    assert feature["id"] == r.pk
    assert feature["geometry"] == line(116.85, 36.55)
    props = feature["properties"]
    assert props["name"] == "经十路" and props["is_underpass"] is True
    assert props["pump_count"] == 2
    assert props["url"] == f"/hazards/roads/{r.pk}/"


def test_hazard_polygons_only_points_and_empty_shapes_left_out(world: World) -> None:
    area = hazard(world.county_a, "内涝风险区", square(116.84, 36.54, 0.01), (116.845, 36.545))
    hazard(
        world.county_a,
        "某加油站",
        {"type": "Point", "coordinates": [116.85, 36.55]},
        (116.85, 36.55),
    )
    hazard(world.county_a, "无形状", None, (116.85, 36.55))
    body = client(world).get(HAZARDS, {"bbox": VIEW_A}).json()
    assert [f["id"] for f in body["features"]] == [area.pk]
    assert body["features"][0]["geometry"]["type"] == "Polygon"
    assert body["features"][0]["properties"]["level"]  # a choice label


def test_bbox_keeps_shapes_that_meet_it_even_when_their_point_is_outside(world: World) -> None:
    inside = road(world.county_a, "内", line(116.85, 36.55))
    # Starts west of the view and ends inside it: its point (middle) is outside.
    crossing = road(world.county_a, "跨", line(116.80, 36.56, length=0.03))
    far = road(world.county_a, "远", line(116.95, 36.65))
    c = client(world)
    assert ids(c.get(ROADS, {"bbox": VIEW_A})) == {inside.pk, crossing.pk}
    assert ids(c.get(ROADS)) == {inside.pk, crossing.pk, far.pk}  # no bbox: all
    assert ids(c.get(ROADS, {"bbox": "116.90,36.60,116.99,36.69"})) == {far.pk}


def test_a_county_user_sees_only_its_own_shapes(world: World) -> None:
    mine = road(world.county_a, "甲路", line(116.99, 36.55))
    theirs = road(world.county_b, "乙路", line(117.001, 36.55))
    both = "116.98,36.54,117.02,36.56"
    assert ids(client(world).get(ROADS, {"bbox": both})) == {mine.pk, theirs.pk}
    assert ids(client(world, Role.COUNTY_OFFICER, "a").get(ROADS, {"bbox": both})) == {mine.pk}
    assert ids(client(world, Role.COUNTY_OFFICER, "b").get(ROADS, {"bbox": both})) == {theirs.pk}
    # Not even by asking for the other county's view.
    assert ids(client(world, Role.COUNTY_OFFICER, "b").get(ROADS, {"bbox": VIEW_A})) == set()


def test_layer_filters_and_q_apply(world: World) -> None:
    under = road(world.county_a, "经十路", line(116.85, 36.55), is_underpass=True)
    road(world.county_a, "纬二路", line(116.85, 36.56), is_underpass=False)
    c = client(world)
    assert ids(c.get(ROADS, {"bbox": VIEW_A, "underpass": "1"})) == {under.pk}
    assert ids(c.get(ROADS, {"bbox": VIEW_A, "q": "经十"})) == {under.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "116.8,36.5,116.9"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "116.9,36.5,116.8,36.6"}, "bbox"),
        ({"bbox": "nan,36.5,116.8,36.6"}, "bbox"),
        ({"zoom": "high"}, "zoom"),
        ({"zoom": "23"}, "zoom"),
        ({"zoom": "-1"}, "zoom"),
        ({"underpass": "maybe"}, "underpass"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(world: World, params: Any, field: str) -> None:
    response = client(world).get(ROADS, params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_unknown_layer_or_a_layer_without_shapes_is_400(world: World) -> None:
    c = client(world)
    assert "key" in c.get("/api/v1/geo/layers/nope.nope/shapes/").json()["fields"]
    response = c.get("/api/v1/geo/layers/teams.team/shapes/")
    assert response.status_code == 400 and "key" in response.json()["fields"]


def test_anonymous_is_refused(world: World) -> None:
    assert APIClient().get(ROADS, {"bbox": VIEW_A}).status_code in (401, 403)


def circle(lon: float, lat: float, r: float, n: int) -> dict[str, Any]:
    ring = [
        [
            round(lon + r * math.cos(2 * math.pi * i / n), 6),
            round(lat + r * math.sin(2 * math.pi * i / n), 6),
        ]
        for i in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_large_shapes_are_simplified_for_the_zoom(world: World) -> None:
    hazard(world.county_a, "滑坡隐患区", circle(116.85, 36.55, 0.01, 400), (116.85, 36.55))
    c = client(world)

    def positions(zoom: int | None) -> int:
        params = {"bbox": VIEW_A} | ({"zoom": zoom} if zoom is not None else {})
        return len(c.get(HAZARDS, params).json()["features"][0]["geometry"]["coordinates"][0])

    assert positions(None) == 401  # as stored
    assert positions(MAX_ZOOM) == 401  # half a pixel at zoom 22 (2 cm) drops nothing
    coarse = positions(10)
    assert 4 <= coarse < 100
    assert positions(12) > coarse
    assert tolerance(12) == pytest.approx(360 / 256 / 4096 / 2)


def test_etag_304_and_a_saved_change_shows(world: World) -> None:
    r = road(world.county_a, "经十路", line(116.85, 36.55))
    c = client(world)
    first = c.get(ROADS, {"bbox": VIEW_A})
    assert c.get(ROADS, {"bbox": VIEW_A}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # Moved out of the view: the cached boxes are dropped on save.
    r.geometry = line(116.95, 36.65)
    r.save()
    assert ids(c.get(ROADS, {"bbox": VIEW_A}, HTTP_IF_NONE_MATCH=first["ETag"])) == set()
    added = road(world.county_a, "新路", line(116.86, 36.56))
    assert ids(c.get(ROADS, {"bbox": VIEW_A})) == {added.pk}


def test_fast_with_300_road_lines_and_2000_hazard_areas(world: World) -> None:
    roads = []
    for i in range(300):
        region = world.county_a if i % 2 else world.county_b
        lon = (116.81 if i % 2 else 117.01) + (i // 2 % 15) * 0.012
        geom = line(lon, 36.51 + (i // 30) * 0.018)
        obj = LowLyingRoad(road_name=f"路{i}", region=region, geometry=geom)
        obj.set_point(*geom["coordinates"][1])
        roads.append(obj)
    LowLyingRoad.objects.bulk_create(roads)
    areas = []
    for i in range(2000):
        lon, lat = 116.81 + (i % 50) * 0.0075, 36.51 + (i // 50) * 0.0045
        obj = HazardSource(
            code="21A02", name=f"区{i}", region=world.county_a, geometry=circle(lon, lat, 0.002, 24)
        )
        obj.set_point(lon, lat)
        areas.append(obj)
    HazardSource.objects.bulk_create(areas)
    c = client(world)
    for url in (ROADS, HAZARDS):
        c.get(url, {"bbox": VIEW_A, "zoom": 14})  # builds the boxes once
    timings = []
    for url, bbox in (
        (ROADS, "116.8,36.5,117.2,36.7"),
        (HAZARDS, "116.8,36.5,117.2,36.7"),
        (HAZARDS, VIEW_A),
    ):
        started = time.perf_counter()
        response = c.get(url, {"bbox": bbox, "zoom": 14})
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    assert c.get(ROADS, {"bbox": "116.8,36.5,117.2,36.7"}).json()["count"] == 300
    assert c.get(HAZARDS, {"bbox": "116.8,36.5,117.2,36.7"}).json()["count"] == 2000
    # Generous for a shared machine; measured figures are in docs/onemap.md.
    print("shapes endpoint timings (s):", [round(t, 3) for t in timings])
    assert max(timings) < 3.0, timings


def test_every_layer_with_a_shape_field_answers(world: World) -> None:
    from yingji.geo.layers import all_layers

    with_shapes = [layer.key for layer in all_layers() if layer.shape_field]
    assert {"hazards.hazardsource", "hazards.lowlyingroad", "shelters.shelter"} <= set(with_shapes)
    c = client(world)
    for key in with_shapes:
        response = c.get(f"/api/v1/geo/layers/{key}/shapes/", {"bbox": VIEW_A, "zoom": 13})
        assert response.status_code == 200, (key, response.content[:200])
        assert response.json()["layer"] == key


def test_the_road_page_draws_its_line_on_the_small_map(world: World) -> None:
    from django.test import Client

    r = road(world.county_a, "经十路", line(116.85, 36.55))
    page = Client()
    page.force_login(world.user(Role.CITY_ADMIN))
    html = page.get(f"/hazards/roads/{r.pk}/").content.decode()
    assert "data-mini-map" in html
    assert '"type": "LineString"' in html
    other = Client()
    other.force_login(world.user(Role.COUNTY_OFFICER, "b"))
    assert other.get(f"/hazards/roads/{r.pk}/").status_code == 404


def test_rounding_keeps_the_structure_of_every_shape_type() -> None:
    from yingji.geo.api.shapes import rounded_all

    multi = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[117.0, 36.0], [117.1, 36.0], [117.1, 36.1], [117.0, 36.0]]],
            [
                [[117.2, 36.0], [117.3, 36.0], [117.3, 36.1000001], [117.2, 36.0]],
                [[117.21, 36.01], [117.22, 36.01], [117.22, 36.02], [117.21, 36.01]],
            ],
        ],
    }
    polygon = square(116.8, 36.5, 0.01)
    flat = {"type": "LineString", "coordinates": [[117.0000004, 36.0], [117.1, 36.1]]}
    raised = {"type": "LineString", "coordinates": [[117.0, 36.0, 5.0], [117.1, 36.1, 3.0]]}
    out = rounded_all([multi, polygon, flat])
    assert out[0]["coordinates"][1][0][2] == [117.3, 36.1]
    assert [len(p) for p in out[0]["coordinates"]] == [1, 2]
    assert out[1]["coordinates"] == [
        [[round(x, 6), round(y, 6)] for x, y in polygon["coordinates"][0]]
    ]
    assert out[2]["coordinates"] == [[117.0, 36.0], [117.1, 36.1]]
    # Altitudes are dropped, also when 2- and 3-value positions are mixed.
    mixed = rounded_all([raised, flat])
    assert mixed[0]["coordinates"] == [[117.0, 36.0], [117.1, 36.1]]
    assert mixed[1]["coordinates"] == [[117.0, 36.0], [117.1, 36.1]]
