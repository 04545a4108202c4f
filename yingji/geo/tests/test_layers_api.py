"""Layer endpoints and spatial search endpoints (``/api/v1/geo/layers/…``, ``/search/…``).

A test-only layer over ``Incident`` is registered for the duration of each test; the
registries' own layers are tested by their apps as they land (and every layer in the
registry answers the generic checks at the bottom).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world
from yingji.geo import layers as registry
from yingji.geo import search, spatial_index
from yingji.geo.layers import Layer, all_layers
from yingji.incidents.models import Incident

from .test_search import make_points, scattered

KEY = "test.incidents"
LAYER = Layer(
    key=KEY,
    label="测试事件",
    model=Incident,
    category="incidents",
    popup_fields=("status", "severity", "owner_unit"),
    filters={"status": "status", "severity": "severity"},
    search_fields=("title", "address"),
)
LAYERS = "/api/v1/geo/layers/"
NEAREST = "/api/v1/geo/search/nearest/"
RADIUS = "/api/v1/geo/search/radius/"
POLYGON = "/api/v1/geo/search/polygon/"
EXPORT = "/api/v1/geo/search/polygon/export/"
COUNTY_A_BOX = {
    "type": "Polygon",
    "coordinates": [[[116.8, 36.5], [116.99, 36.5], [116.99, 36.7], [116.8, 36.7], [116.8, 36.5]]],
}
WHOLE_CITY = {
    "type": "Polygon",
    "coordinates": [[[116.7, 36.4], [117.3, 36.4], [117.3, 36.8], [116.7, 36.8], [116.7, 36.4]]],
}


@pytest.fixture(autouse=True)
def test_layer() -> Iterator[None]:
    registry.register(LAYER)
    spatial_index.invalidate()
    search._region_cache.clear()
    yield
    registry._REGISTRY.pop(KEY, None)
    spatial_index.invalidate()
    search._region_cache.clear()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    w = build_world()
    make_points(w, scattered(n=200))
    return w


def client(world: World, role: str = Role.CITY_ADMIN, where: str = "city") -> APIClient:
    c = APIClient()
    c.force_authenticate(world.user(role, where))
    return c


def fields_of(response: Any) -> set[str]:
    return set(response.json().get("fields", {}))


# --- the registry and a layer ------------------------------------------------------------------


def test_anonymous_is_refused(world: World) -> None:
    anon = APIClient()
    for url in (LAYERS, f"{LAYERS}{KEY}/", NEAREST, RADIUS):
        assert anon.get(url).status_code in (401, 403)
    assert anon.post(POLYGON, {}, format="json").status_code in (401, 403)


def test_layer_list_counts_what_the_user_sees(world: World) -> None:
    body = client(world).get(LAYERS).json()
    mine = next(item for item in body if item["key"] == KEY)
    assert mine["count"] == Incident.objects.count()
    assert mine["filters"] == ["severity", "status"]
    county = client(world, Role.COUNTY_OFFICER, "a").get(LAYERS).json()
    mine_a = next(item for item in county if item["key"] == KEY)
    assert mine_a["count"] == Incident.objects.filter(region=world.county_a).count()


def test_layer_features_geojson(world: World) -> None:
    response = client(world).get(f"{LAYERS}{KEY}/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["count"] == len(body["features"]) == Incident.objects.count()
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert round(lon, 6) == lon and round(lat, 6) == lat
    assert set(feature["properties"]) == {"id", "name", "status", "severity", "owner_unit"}
    assert (
        feature["properties"]["status"] in {"已接报", "已核实", "已结束", "核实中", "处置中"}
        or feature["properties"]["status"]
    )
    assert feature["properties"]["owner_unit"] in {"历下区应急管理局", "市中区应急管理局"}


def test_layer_features_filters_bbox_and_q(world: World) -> None:
    c = client(world)
    body = c.get(f"{LAYERS}{KEY}/", {"status": "received,closed", "severity": "1"}).json()
    want = Incident.objects.filter(status__in=["received", "closed"], severity=1).count()
    assert body["count"] == want
    box = c.get(f"{LAYERS}{KEY}/", {"bbox": "116.8,36.5,116.95,36.6"}).json()
    assert (
        box["count"]
        == Incident.objects.filter(
            lon__gte=116.8, lon__lte=116.95, lat__gte=36.5, lat__lte=36.6
        ).count()
    )
    q = c.get(f"{LAYERS}{KEY}/", {"q": "测试点0003"}).json()
    assert [f["properties"]["name"] for f in q["features"]] == ["测试点0003"]


def test_layer_features_etag_304(world: World) -> None:
    c = client(world)
    first = c.get(f"{LAYERS}{KEY}/")
    etag = first["ETag"]
    again = c.get(f"{LAYERS}{KEY}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    incident = Incident.objects.first()
    incident.title = "改名"
    incident.save()
    assert c.get(f"{LAYERS}{KEY}/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    # Another user's ETag differs (their view differs).
    other = client(world, Role.COUNTY_OFFICER, "a").get(f"{LAYERS}{KEY}/")
    assert other["ETag"] != etag


def test_out_of_region_user_gets_nothing_of_other_regions(world: World) -> None:
    b = client(world, Role.COUNTY_OFFICER, "b")
    b_ids = set(Incident.objects.filter(region=world.county_b).values_list("pk", flat=True))
    features = b.get(f"{LAYERS}{KEY}/").json()["features"]
    assert {f["id"] for f in features} == b_ids
    near = b.get(NEAREST, {"layer": KEY, "lon": 116.85, "lat": 36.55, "n": 1000}).json()
    assert {r["id"] for r in near["results"]} == b_ids
    radius = b.get(RADIUS, {"layer": KEY, "lon": 116.85, "lat": 36.55, "radius": 5000}).json()
    assert radius["count"] == 0
    poly = b.post(POLYGON, {"layer": KEY, "polygon": COUNTY_A_BOX}, format="json").json()
    assert poly["total"] == 0 and poly["layers"][0]["results"] == []
    export = b.post(EXPORT, {"layer": KEY, "polygon": COUNTY_A_BOX}, format="json")
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    assert sheet.max_row == 1  # the header only


# --- search endpoints ----------------------------------------------------------------------------


def test_nearest_endpoint_matches_the_service(world: World) -> None:
    user = world.user(Role.CITY_ADMIN)
    body = (
        client(world)
        .get(NEAREST, {"layer": KEY, "lon": 117.0, "lat": 36.6, "n": 7, "status": "verified"})
        .json()
    )
    want = search.nearest(
        layer=LAYER, user=user, lon=117.0, lat=36.6, n=7, filters={"status": "verified"}
    )
    assert [r["id"] for r in body["results"]] == [h.id for h in want]
    assert body["results"][0]["distance_m"] <= body["results"][-1]["distance_m"]
    assert set(body["results"][0]) == {"id", "name", "lon", "lat", "distance_m"}


def test_radius_endpoint_limit_and_count(world: World) -> None:
    body = (
        client(world)
        .get(RADIUS, {"layer": KEY, "lon": 117.0, "lat": 36.6, "radius": 20000, "limit": 5})
        .json()
    )
    assert body["count"] > 5 and len(body["results"]) == 5 and body["truncated"]


def test_polygon_counts_by_layer_and_export(world: World) -> None:
    other = Layer(key="test.incidents2", label="测试事件二", model=Incident, category="x")
    registry.register(other)
    try:
        c = client(world)
        body = c.post(
            POLYGON,
            {
                "layers": [KEY, other.key],
                "polygon": WHOLE_CITY,
                "filters": {KEY: {"severity": "2"}},
                "limit": 3,
            },
            format="json",
        ).json()
        counts = {item["layer"]: item["count"] for item in body["layers"]}
        assert counts == {
            KEY: Incident.objects.filter(severity=2).count(),
            other.key: Incident.objects.count(),
        }
        assert all(len(item["results"]) == 3 for item in body["layers"])
        response = c.post(
            EXPORT, {"layers": [KEY, other.key], "polygon": WHOLE_CITY}, format="json"
        )
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        assert [ws.title for ws in book.worksheets] == ["测试事件", "测试事件二"]
        assert book.worksheets[0].max_row == Incident.objects.count() + 1
    finally:
        registry._REGISTRY.pop(other.key, None)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"layer": "nope.nope", "lon": 117, "lat": 36.6}, "layer"),
        ({"layer": KEY, "lon": "abc", "lat": 36.6}, "lon"),
        ({"layer": KEY, "lon": 117}, "lat"),
        ({"layer": KEY, "lon": 117, "lat": 36.6, "n": 1001}, "n"),
        ({"layer": KEY, "lon": 117, "lat": 36.6, "n": 0}, "n"),
        ({"layer": KEY, "lon": 117, "lat": 36.6, "severity": "high"}, "severity"),
        ({"layer": KEY, "lon": 36.6, "lat": 117}, "lon"),
    ],
)
def test_nearest_bad_input_is_400_naming_the_field(world: World, params, field) -> None:
    response = client(world).get(NEAREST, params)
    assert response.status_code == 400
    assert field in fields_of(response)


@pytest.mark.parametrize("radius", ["0", "-1", "100001", "nan", "x"])
def test_radius_bad_radius(world: World, radius: str) -> None:
    response = client(world).get(RADIUS, {"layer": KEY, "lon": 117, "lat": 36.6, "radius": radius})
    assert response.status_code == 400
    assert "radius" in fields_of(response)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"polygon": WHOLE_CITY}, "layers"),
        ({"layer": "nope", "polygon": WHOLE_CITY}, "layer"),
        ({"layers": [KEY, "nope"], "polygon": WHOLE_CITY}, "layers"),
        ({"layer": KEY}, "polygon"),
        (
            {
                "layer": KEY,
                "polygon": {"type": "Polygon", "coordinates": [[[117, 36.6], [117.1, 36.6]]]},
            },
            "polygon",
        ),
        ({"layer": KEY, "polygon": {"type": "Point", "coordinates": [117, 36.6]}}, "polygon"),
        ({"layer": KEY, "polygon": "not json"}, "polygon"),
        (
            {
                "layer": KEY,
                "polygon": {
                    "type": "Polygon",
                    "coordinates": [
                        [[117, 36.6], [117.1, 36.7], [117.1, 36.6], [117, 36.7], [117, 36.6]]
                    ],
                },
            },
            "polygon",
        ),
        ({"layer": KEY, "polygon": WHOLE_CITY, "filters": {"severity": "x"}}, "severity"),
        ({"layer": KEY, "polygon": WHOLE_CITY, "limit": 0}, "limit"),
    ],
)
def test_polygon_bad_input(world: World, body, field) -> None:
    response = client(world).post(POLYGON, body, format="json")
    assert response.status_code == 400, response.content
    assert field in fields_of(response)


def test_layer_bad_input(world: World) -> None:
    c = client(world)
    assert "key" in fields_of(c.get(f"{LAYERS}nope.nope/"))
    for bbox in ("1,2,3", "a,b,c,d", "117,36,116,37", "nan,1,2,3"):
        response = c.get(f"{LAYERS}{KEY}/", {"bbox": bbox})
        assert response.status_code == 400 and "bbox" in fields_of(response)
    response = c.get(f"{LAYERS}{KEY}/", {"severity": "high"})
    assert response.status_code == 400 and "severity" in fields_of(response)


def test_every_registered_layer_answers(world: World) -> None:
    """Whatever the registries register: the list, the layer, a search — never a 500."""
    c = client(world)
    for layer in all_layers():
        assert c.get(f"{LAYERS}{layer.key}/").status_code == 200
        assert c.get(NEAREST, {"layer": layer.key, "lon": 117, "lat": 36.6}).status_code == 200
        response = c.post(POLYGON, {"layer": layer.key, "polygon": WHOLE_CITY}, format="json")
        assert response.status_code == 200
