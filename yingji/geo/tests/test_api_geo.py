from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.accounts.services import unit_create, user_create
from yingji.geo.models import Region

LAYER = "/api/v1/geo/layers/regions/"
LOOKUP = "/api/v1/geo/lookup/"
LIXIA_SEAT = (117.07035, 36.66603)
SHIZHONG_SEAT = (116.99204, 36.65111)


def client_for(code: str, role: str = Role.DUTY_OFFICER) -> APIClient:
    region = Region.objects.get(code=code)
    unit = unit_create(
        actor=None, name=f"{region.name}应急管理局", kind="emergency_office", region=region
    )
    user = user_create(
        actor=None,
        username=f"{role}-{code}",
        password="x",
        role=role,
        unit=unit,
        check_password=False,
    )
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def city(jinan: Any) -> APIClient:
    return client_for("370100")


@pytest.fixture
def county(jinan: Any) -> APIClient:
    return client_for("370102", Role.COUNTY_OFFICER)


def test_anonymous_is_refused(jinan: Any) -> None:
    anonymous = APIClient()
    assert anonymous.get(LAYER).status_code in (401, 403)
    assert anonymous.get(LOOKUP, {"lon": 117.0, "lat": 36.6}).status_code in (401, 403)


def test_district_layer_for_the_city(city: APIClient) -> None:
    response = city.get(LAYER, {"level": "district"})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 12
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert set(feature["properties"]) == {"id", "code", "name", "level", "label", "is_synthetic"}
    assert feature["properties"]["code"] == "370102"
    assert feature["properties"]["is_synthetic"] is False
    assert len(feature["properties"]["label"]) == 2
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    lon = feature["geometry"]["coordinates"][0][0][0][0]
    assert lon == round(lon, 6)


def test_layers_by_level_and_parent(city: APIClient) -> None:
    zones = city.get(LAYER, {"level": "zone"}).json()["features"]
    assert [f["properties"]["code"] for f in zones] == ["370100Z01", "370100Z02", "370100Z03"]
    assert all(f["properties"]["is_synthetic"] for f in zones)
    townships = city.get(LAYER, {"level": "township", "parent": "370102"}).json()["features"]
    expected = Region.objects.filter(parent__code="370102").count()
    assert len(townships) == expected >= 6
    assert all(f["properties"]["code"].startswith("3701029") for f in townships)
    all_townships = city.get(LAYER, {"level": "township"}).json()["features"]
    assert len(all_townships) == Region.objects.filter(level="township").count()


def test_county_user_sees_only_its_county(county: APIClient) -> None:
    districts = county.get(LAYER, {"level": "district"}).json()["features"]
    assert [f["properties"]["code"] for f in districts] == ["370102"]
    townships = county.get(LAYER, {"level": "township"}).json()["features"]
    assert townships and all(f["properties"]["code"].startswith("370102") for f in townships)
    assert county.get(LAYER, {"level": "township", "parent": "370103"}).json()["features"] == []
    assert county.get(LAYER, {"level": "zone"}).json()["features"] == []


def test_layer_etag_and_304(city: APIClient) -> None:
    first = city.get(LAYER, {"level": "district"})
    etag = first["ETag"]
    assert first["Last-Modified"]
    again = city.get(LAYER, {"level": "district"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    since = city.get(LAYER, {"level": "district"}, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    other_level = city.get(LAYER, {"level": "zone"}, HTTP_IF_NONE_MATCH=etag)
    assert other_level.status_code == 200
    district = Region.objects.get(code="370103")
    district.name = "市中区（新）"
    district.save()
    changed = city.get(LAYER, {"level": "district"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_layer_bad_level_is_a_field_error(city: APIClient) -> None:
    response = city.get(LAYER, {"level": "galaxy"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "level" in body["fields"]


def test_lookup_finds_district_township_and_zones(city: APIClient) -> None:
    body = city.get(LOOKUP, {"lon": LIXIA_SEAT[0], "lat": LIXIA_SEAT[1]}).json()
    assert body["district"]["code"] == "370102"
    assert body["district"]["name"] == "历下区"
    assert body["township"]["code"].startswith("3701029")
    assert body["zones"] == []
    assert body["outside_scope"] is False
    zone = city.get(LOOKUP, {"lon": 117.2, "lat": 36.68}).json()
    assert [z["code"] for z in zone["zones"]] == ["370100Z01"]
    nowhere = city.get(LOOKUP, {"lon": 100.0, "lat": 30.0}).json()
    assert nowhere["district"] is None and nowhere["township"] is None


def test_lookup_hides_regions_outside_the_users_scope(county: APIClient) -> None:
    own = county.get(LOOKUP, {"lon": LIXIA_SEAT[0], "lat": LIXIA_SEAT[1]}).json()
    assert own["district"]["code"] == "370102" and own["outside_scope"] is False
    other = county.get(LOOKUP, {"lon": SHIZHONG_SEAT[0], "lat": SHIZHONG_SEAT[1]}).json()
    assert other["district"] is None and other["township"] is None
    assert other["outside_scope"] is True


@pytest.mark.parametrize(
    ("params", "fields", "words"),
    [
        ({"lat": 36.6}, ["lon"], ""),
        ({"lon": "abc", "lat": 36.6}, ["lon"], ""),
        ({"lon": "nan", "lat": 36.6}, ["lon"], ""),
        ({"lon": 117.0, "lat": 95}, ["lat"], "-90 到 90"),
        ({"lon": 117.0, "lat": 60}, ["lat"], "中国范围"),
        ({"lon": 2.35, "lat": 48.85}, ["lon"], "中国范围"),
        ({"lon": 36.66, "lat": 117.07}, ["lon", "lat"], "写反"),
    ],
)
def test_lookup_bad_input_is_400_naming_the_field(
    city: APIClient, params: dict[str, Any], fields: list[str], words: str
) -> None:
    response = city.get(LOOKUP, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    for name in fields:
        assert body["fields"][name]
        assert words in body["fields"][name][0]


def test_schema_describes_the_endpoints(city: APIClient) -> None:
    schema = city.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/geo/layers/regions/" in schema["paths"]
    lookup = schema["paths"]["/api/v1/geo/lookup/"]["get"]
    assert {p["name"] for p in lookup["parameters"]} == {"lon", "lat"}
    assert "200" in lookup["responses"] and "400" in lookup["responses"]
