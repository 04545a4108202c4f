from __future__ import annotations

import math
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.geo import lookup
from yingji.geo.distance import offset_point
from yingji.geo.loaders import district_features
from yingji.geo.lookup import NOWHERE, Location, RegionIndex, RegionRef
from yingji.geo.models import Region

from .jinan_data import brute_force, index, layers

SEATS = {f["properties"]["code"]: f["properties"]["seat"] for f in district_features()}


@pytest.mark.parametrize("code", sorted(SEATS))
def test_seats_of_government_are_in_their_district(code: str) -> None:
    lon, lat = SEATS[code]
    location = index().locate(lon, lat)
    assert location.district is not None and location.district.code == code
    assert location.township is not None and location.township.code.startswith(code)


def boundary_probes(code_a: str, code_b: str, samples: int = 25) -> list[tuple[Any, ...]]:
    """Points 50 m either side of the A|B border, along its normal, at ``samples`` places."""
    geoms = {ref.code: geom for ref, geom in layers()["district"]}
    border = shapely.line_merge(geoms[code_a].boundary.intersection(geoms[code_b].boundary))
    assert border.length > 0, f"{code_a} and {code_b} share no border"
    probes = []
    for i in range(samples):
        d = border.length * (i + 0.5) / samples
        p, q = border.interpolate(d), border.interpolate(min(d + 1e-4, border.length))
        if q.equals(p):
            q = border.interpolate(d - 1e-4)
        # Direction of the border at p, in metres (east, north), and its two normals.
        east = (q.x - p.x) * math.cos(math.radians(p.y))
        north = q.y - p.y
        azimuth = math.degrees(math.atan2(east, north))
        for side in (90.0, -90.0):
            probes.append((p, *offset_point(p.x, p.y, azimuth + side, 50.0)))
    return probes


@pytest.mark.parametrize(
    ("code_a", "code_b"),
    [
        ("370102", "370103"),
        ("370102", "370112"),
        ("370103", "370104"),
        ("370104", "370105"),
        ("370112", "370114"),
        ("370113", "370124"),
        ("370116", "370117"),
        ("370115", "370126"),
    ],
)
def test_both_sides_of_district_borders(code_a: str, code_b: str) -> None:
    geoms = {ref.code: geom for ref, geom in layers()["district"]}
    probes = boundary_probes(code_a, code_b)
    sides = 0
    for _, lon, lat in probes:
        got = index().locate(lon, lat)
        assert got == brute_force(lon, lat)
        point = shapely.Point(lon, lat)
        if geoms[code_a].contains(point):
            assert got.district is not None and got.district.code == code_a
            sides += 1
        elif geoms[code_b].contains(point):
            assert got.district is not None and got.district.code == code_b
            sides += 1
    # Most probes fall clearly in A or in B (not in a wiggle of a third district).
    assert sides >= 0.8 * len(probes)
    found = {index().locate(lon, lat).district.code for _, lon, lat in probes}  # type: ignore[union-attr]
    assert {code_a, code_b} <= found


def test_point_on_a_shared_edge_goes_to_the_smaller_code() -> None:
    geoms = {ref.code: geom for ref, geom in layers()["district"]}
    shared = geoms["370102"].boundary.intersection(geoms["370103"].boundary)
    vertex = shapely.get_coordinates(shared)[3]
    point = shapely.Point(vertex)
    assert geoms["370102"].covers(point) and geoms["370103"].covers(point)
    location = index().locate(float(vertex[0]), float(vertex[1]))
    assert location.district is not None and location.district.code == "370102"


def test_zones_and_outside() -> None:
    location = index().locate(117.2, 36.68)  # 高新区, east of the old town
    assert [z.code for z in location.zones] == ["370100Z01"]
    assert index().locate(116.0, 40.0) is NOWHERE  # Hebei, outside the grid
    assert index().locate(math.nan, 36.6) is NOWHERE
    assert index().locate(117.0, math.inf) is NOWHERE
    assert index().settled_share > 0.8


jinan_lon = st.floats(min_value=116.15, max_value=117.98)
jinan_lat = st.floats(min_value=35.95, max_value=37.8)


@settings(max_examples=500, deadline=None)
@given(jinan_lon, jinan_lat)
def test_index_equals_brute_force(lon: float, lat: float) -> None:
    assert index().locate(lon, lat) == brute_force(lon, lat)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_index_equals_brute_force_near_edges(data: st.DataObject) -> None:
    # Points within a few metres of a township or zone edge, where the exact tests run.
    kind = data.draw(st.sampled_from(["township", "zone"]))
    _ref, geom = data.draw(st.sampled_from(layers()[kind]))
    ring = geom.boundary
    at = ring.interpolate(data.draw(st.floats(0, 1)), normalized=True)
    dx = data.draw(st.floats(-5e-5, 5e-5))
    dy = data.draw(st.floats(-5e-5, 5e-5))
    assert index().locate(at.x + dx, at.y + dy) == brute_force(at.x + dx, at.y + dy)


def test_empty_index_finds_nothing() -> None:
    assert RegionIndex([]).locate(117.0, 36.6) is NOWHERE


def test_tiny_polygon_and_grid_edges() -> None:
    small = shapely.box(117.0, 36.0, 117.0001, 36.0001)
    ref = RegionRef(1, "370102", "x", "district")
    idx = RegionIndex([(ref, small)])
    assert idx.locate(117.00005, 36.00005).district == ref
    assert idx.locate(117.0, 36.0).district == ref  # the corner is on the boundary: inside
    assert idx.locate(117.00011, 36.00005) == Location(None, None, ())


def test_process_wide_index_follows_the_database(jinan: Any) -> None:
    lon, lat = SEATS["370102"]
    assert lookup.locate(lon, lat).district.name == "历下区"  # type: ignore[union-attr]
    region = lookup.region_for_point(lon, lat)
    assert isinstance(region, Region)
    assert region.level == "township" and region.parent.code == "370102"
    district = Region.objects.get(code="370102")
    district.name = "历下区（改）"
    district.save()
    assert lookup.locate(lon, lat).district.name == "历下区（改）"  # type: ignore[union-attr]
    assert lookup.region_for_point(100.0, 30.0) is None


def test_index_version_change_is_noticed_after_the_ttl(jinan: Any, settings: Any) -> None:
    settings.YINGJI_REGION_INDEX_TTL = 0
    first = lookup.get_index()
    assert lookup.get_index() is first  # nothing changed: same index
    # A change made by "another process" (a queryset update sends no signal).
    Region.objects.filter(code="370102").update(name="别处改名")
    Region.objects.filter(code="370102901").delete()
    assert lookup.get_index() is not first
