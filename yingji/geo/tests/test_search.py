"""Spatial search (yingji.geo.search): results equal a brute force over the same rows.

The layer under test is the incidents table (a LocatedModel scoped on ``region__path``)
registered as a test-only layer; a few hundred incidents are scattered over the test
world's two counties, with exact duplicates (ties) and clusters. Hypothesis varies the
query point, N, radius, polygon, filters and user; the brute force walks every row the
user may see (``filtered_queryset``) with ``distance_m`` / ``shapely.intersects_xy``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
import shapely
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world
from yingji.geo import search, spatial_index
from yingji.geo.distance import distance_m
from yingji.geo.layers import Layer
from yingji.incidents.choices import IncidentStatus, SourceChannel
from yingji.incidents.models import Incident, IncidentType

LAYER = Layer(
    key="test.incident",
    label="测试事件",
    model=Incident,
    category="incidents",
    popup_fields=("status", "severity"),
    filters={"status": "status", "severity": "severity", "owner": "owner_unit"},
    search_fields=("title", "address"),
)
# No limit (every hit), or a page: with exact pre-masks only the page is confirmed.
LIMITS = st.none() | st.integers(1, 60)
# Test world: county A = [116.8, 117.0] × [36.5, 36.7], county B = [117.0, 117.2] × same.
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    spatial_index.invalidate()
    search._region_cache.clear()
    search._querysets.clear()
    yield
    spatial_index.invalidate()
    search._region_cache.clear()
    search._querysets.clear()


def incident_type() -> IncidentType:
    found = IncidentType.objects.filter(code="11A02").first()
    return found or IncidentType.objects.create(code="11A02", name="测试类型", depth=3)


def make_points(world: World, points: list[tuple[float, float]], **extra: Any) -> list[Incident]:
    """Incidents at ``points`` (region = county by longitude), statuses and severities cycling."""
    kind = incident_type()
    now = timezone.now()
    statuses = [IncidentStatus.RECEIVED, IncidentStatus.VERIFIED, IncidentStatus.CLOSED]
    rows = []
    for i, (lon, lat) in enumerate(points):
        region = world.county_a if lon < 117.0 else world.county_b
        incident = Incident(
            title=f"测试点{i:04d}",
            incident_type=kind,
            occurred_at=now - timedelta(hours=1),
            received_at=now,
            source_channel=SourceChannel.PHONE,
            region=region,
            owner_unit=world.unit_a if region == world.county_a else world.unit_b,
            status=statuses[i % 3],
            severity=1 + i % 4,
            **extra,
        )
        incident.set_point(lon, lat)
        rows.append(incident)
    return Incident.objects.bulk_create(rows)


def scattered(seed: int = 7, n: int = 320) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    pts = [(rng.uniform(116.8, 117.2), rng.uniform(36.5, 36.7)) for _ in range(n)]
    # A dense cluster near the county border and exact duplicates (distance ties).
    pts += [(117.0 + rng.gauss(0, 0.004), 36.6 + rng.gauss(0, 0.004)) for _ in range(60)]
    pts += [(116.9, 36.6)] * 5 + [(117.1, 36.55)] * 3
    return [(round(x, 7), round(y, 7)) for x, y in pts]


@pytest.fixture
def fast_world(db: Any, settings: Any) -> World:
    """The test world, with a fast password hasher (the users are never logged in)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


@pytest.fixture
def data(fast_world: World) -> tuple[World, list[Incident]]:
    world = fast_world
    return world, make_points(world, scattered())


USERS = st.sampled_from(
    [
        (Role.CITY_ADMIN, "city"),
        (Role.VIEWER, "city"),
        (Role.COUNTY_OFFICER, "a"),
        (Role.COUNTY_OFFICER, "b"),
    ]
)
FILTERS = st.sampled_from(
    [None, {"status": "received"}, {"severity": "2,3"}, {"status": "closed", "severity": "1"}]
)
LONS = st.floats(116.75, 117.25)
LATS = st.floats(36.45, 36.75)


def visible(user: Any, filters: Any) -> list[tuple[int, float, float]]:
    qs = search.filtered_queryset(LAYER, user, filters)
    return list(qs.filter(lon__isnull=False).values_list("pk", "lon", "lat"))


def brute_nearest(rows: list, lon: float, lat: float, n: int, max_d: float | None) -> list:
    scored = sorted((distance_m(lon, lat, x, y), pk) for pk, x, y in rows)
    if max_d is not None:
        scored = [s for s in scored if s[0] <= max_d]
    return scored[:n]


# --- property tests ---------------------------------------------------------------------------


@PROPERTY
@given(
    who=USERS,
    filters=FILTERS,
    lon=LONS,
    lat=LATS,
    n=st.integers(1, 60),
    max_d=st.one_of(st.none(), st.floats(100, 30_000)),
)
def test_nearest_equals_brute_force(data, who, filters, lon, lat, n, max_d) -> None:
    world, _ = data
    user = world.user(*who)
    got = search.nearest(
        layer=LAYER, user=user, lon=lon, lat=lat, n=n, filters=filters, max_distance_m=max_d
    )
    want = brute_nearest(visible(user, filters), lon, lat, n, max_d)
    assert [h.id for h in got] == [pk for _, pk in want]
    assert [h.distance_m for h in got] == pytest.approx([d for d, _ in want], abs=1e-6)


@PROPERTY
@given(
    who=USERS,
    filters=FILTERS,
    lon=LONS,
    lat=LATS,
    radius=st.floats(1, 40_000),
    limit=LIMITS,
)
def test_radius_equals_brute_force(data, who, filters, lon, lat, radius, limit) -> None:
    world, _ = data
    user = world.user(*who)
    got = search.within_radius(
        layer=LAYER, user=user, lon=lon, lat=lat, radius_m=radius, filters=filters, limit=limit
    )
    want = sorted(
        (d, pk)
        for pk, x, y in visible(user, filters)
        if (d := distance_m(lon, lat, x, y)) <= radius
    )
    assert [h.id for h in got.hits] == [pk for _, pk in want][:limit]
    assert got.count == len(want)


def star(cx: float, cy: float, radii: list[float], rotation: float) -> dict[str, Any]:
    """A simple (star-shaped) polygon around (cx, cy): always valid GeoJSON."""
    k = len(radii)
    ring = []
    for i, r in enumerate(radii):
        a = rotation + 2 * math.pi * i / k
        ring.append([round(cx + r * math.cos(a) / 0.8, 7), round(cy + r * math.sin(a), 7)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


@PROPERTY
@given(
    who=USERS,
    filters=FILTERS,
    cx=LONS,
    cy=LATS,
    radii=st.lists(st.floats(0.002, 0.2), min_size=3, max_size=40),
    rotation=st.floats(0, 6.28),
    limit=LIMITS,
)
def test_polygon_equals_brute_force(data, who, filters, cx, cy, radii, rotation, limit) -> None:
    world, _ = data
    user = world.user(*who)
    polygon = star(cx, cy, radii, rotation)
    shape = shapely.geometry.shape(polygon)
    if not shape.is_valid:
        return
    got = search.within_polygon(
        layer=LAYER, user=user, polygon=polygon, filters=filters, limit=limit
    )
    want = sorted(pk for pk, x, y in visible(user, filters) if shapely.intersects_xy(shape, x, y))
    assert [h.id for h in got.hits] == want[:limit]
    assert got.count == len(want)


# --- the index on its own (no database): many more examples ----------------------------------


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 3000),
    cx=LONS,
    cy=LATS,
    radii=st.lists(st.floats(0.001, 0.3), min_size=3, max_size=30),
)
def test_grid_polygon_positions_cover_every_point_inside(seed, n, cx, cy, radii) -> None:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(116.8, 117.2, n)
    lat = rng.uniform(36.5, 36.7, n)
    index = spatial_index.GridIndex.build(np.arange(n), lon, lat, points_per_cell=2)
    shape = shapely.geometry.shape(star(cx, cy, radii, 0.3))
    if not shape.is_valid:
        return
    old = spatial_index.SPLIT_MIN_POINTS
    spatial_index.SPLIT_MIN_POINTS = 0  # force the inside/crossing split
    try:
        sure, maybe = index.polygon_positions(shape)
    finally:
        spatial_index.SPLIT_MIN_POINTS = old
    assert shapely.intersects_xy(shape, index.lon[sure], index.lat[sure]).all()
    found = set(sure.tolist()) | {
        p for p in maybe.tolist() if shapely.intersects_xy(shape, index.lon[p], index.lat[p])
    }
    inside = set(np.nonzero(shapely.intersects_xy(shape, index.lon, index.lat))[0].tolist())
    assert found == inside
    assert len(set(sure.tolist()) & set(maybe.tolist())) == 0


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 2000), lon=LONS, lat=LATS, k=st.integers(0, 6))
def test_grid_outside_bound_is_a_lower_bound(seed, n, lon, lat, k) -> None:
    rng = np.random.default_rng(seed)
    index = spatial_index.GridIndex.build(
        np.arange(n), rng.uniform(116.8, 117.2, n), rng.uniform(36.5, 36.7, n)
    )
    ci = min(max(math.floor((lon - index.x0) / index.dx), 0), index.nx - 1)
    cj = min(max(math.floor((lat - index.y0) / index.dy), 0), index.ny - 1)
    rect = (max(ci - k, 0), max(cj - k, 0), min(ci + k, index.nx - 1), min(cj + k, index.ny - 1))
    inside = set(index.rect_positions(*rect).tolist())
    assert index.rect_count(*rect) == len(inside)
    bound = index.outside_distance_lower_bound(lon, lat, *rect)
    outside = [p for p in range(n) if p not in inside]
    if outside:
        d = search.geodesic_m(lon, lat, index.lon[outside], index.lat[outside])
        assert d.min() >= bound
    else:
        assert bound == math.inf or len(inside) == n


# --- examples ---------------------------------------------------------------------------------


def test_nearest_ties_are_broken_by_id(data) -> None:
    world, rows = data
    user = world.user(Role.CITY_ADMIN)
    got = search.nearest(layer=LAYER, user=user, lon=116.9, lat=36.6, n=5)
    twins = sorted(r.pk for r in rows if (r.lon, r.lat) == (116.9, 36.6))
    assert [h.id for h in got] == twins
    assert all(h.distance_m == 0 for h in got)
    assert got[0].name.startswith("测试点")


def test_county_user_never_gets_the_other_county(data) -> None:
    world, _ = data
    user_b = world.user(Role.COUNTY_OFFICER, "b")
    # Deep inside county A: county B's officer gets only county B's incidents.
    got = search.nearest(layer=LAYER, user=user_b, lon=116.85, lat=36.55, n=50)
    assert got and all(Incident.objects.get(pk=h.id).region_id == world.county_b.pk for h in got)
    radius = search.within_radius(layer=LAYER, user=user_b, lon=116.85, lat=36.55, radius_m=5000)
    assert radius.count == 0
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[116.8, 36.5], [116.99, 36.5], [116.99, 36.7], [116.8, 36.7], [116.8, 36.5]]
        ],
    }
    assert search.within_polygon(layer=LAYER, user=user_b, polygon=polygon).count == 0
    user_a = world.user(Role.COUNTY_OFFICER, "a")
    assert search.within_polygon(layer=LAYER, user=user_a, polygon=polygon).count > 0


def test_direct_report_user_sees_only_own_unit(data) -> None:
    world, _rows = data
    user = world.user(Role.DIRECT_REPORT, "city")
    assert search.nearest(layer=LAYER, user=user, lon=117.0, lat=36.6, n=10) == []


def test_anonymous_gets_nothing(data) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert search.nearest(layer=LAYER, user=AnonymousUser(), lon=117, lat=36.6) == []


def test_new_and_moved_records_are_seen_at_once(data) -> None:
    world, rows = data
    user = world.user(Role.CITY_ADMIN)
    search.nearest(layer=LAYER, user=user, lon=117.15, lat=36.68, n=1)  # builds the index
    target = rows[0]
    target.set_point(117.15, 36.68)
    target.save()
    got = search.nearest(layer=LAYER, user=user, lon=117.15, lat=36.68, n=1)
    assert got[0].id == target.pk and got[0].distance_m == 0


def test_stale_index_from_another_process_is_rebuilt(data, settings) -> None:
    world, _rows = data
    settings.YINGJI_SPATIAL_INDEX_TTL = 3600
    user = world.user(Role.CITY_ADMIN)
    first = search.nearest(layer=LAYER, user=user, lon=116.81, lat=36.51, n=1)[0]
    # update() sends no signal: as if another process had moved the row.
    Incident.objects.filter(pk=first.id).update(lon=117.19, lat=36.69)
    got = search.nearest(layer=LAYER, user=user, lon=116.81, lat=36.51, n=1)
    assert got[0].id != first.id
    assert search.nearest(layer=LAYER, user=user, lon=117.19, lat=36.69, n=1)[0].id == first.id


def test_a_page_stays_full_when_rows_are_gone(data, settings) -> None:
    # Rows deleted by another process (no signal; the index still has them) inside the
    # page are dropped and the page refilled; the count loses those the page checked.
    world, _rows = data
    settings.YINGJI_SPATIAL_INDEX_TTL = 3600
    user = world.user(Role.CITY_ADMIN)
    before = search.within_radius(
        layer=LAYER, user=user, lon=117.0, lat=36.6, radius_m=50_000, limit=10
    )
    assert before.count > 40 and len(before.hits) == 10
    gone = [h.id for h in before.hits[:3]]
    Incident.objects.filter(pk__in=gone)._raw_delete(Incident.objects.db)
    after = search.within_radius(
        layer=LAYER, user=user, lon=117.0, lat=36.6, radius_m=50_000, limit=10
    )
    assert [h.id for h in after.hits][:7] == [h.id for h in before.hits][3:]
    assert len(after.hits) == 10 and after.count == before.count - 3
    poly = search.within_polygon(
        layer=LAYER, user=user, polygon=star(117.0, 36.6, [0.3] * 8, 0.1), limit=5
    )
    assert len(poly.hits) == 5 and not set(gone) & {h.id for h in poly.hits}


def test_text_search_and_special_filters(data) -> None:
    world, _rows = data
    user = world.user(Role.CITY_ADMIN)
    layer = Layer(
        key="test.incident2",
        label="测试",
        model=Incident,
        category="incidents",
        special_filters={"open": lambda qs, v: qs.exclude(status="closed") if v == "1" else qs},
    )
    got = search.within_radius(
        layer=layer, user=user, lon=117.0, lat=36.6, radius_m=50_000, filters={"open": "1"}
    )
    assert got.count and all(Incident.objects.get(pk=h.id).status != "closed" for h in got.hits)
    only = search.nearest(layer=LAYER, user=user, lon=117.0, lat=36.6, n=5, q="测试点0007")
    assert [h.name for h in only] == ["测试点0007"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"filters": {"nope": "1"}}, "nope"),
        ({"filters": {"severity": "abc"}}, "severity"),
        ({"n": 0}, "n"),
        ({"n": 1001}, "n"),
        ({"lon": float("nan")}, "lon"),
        ({"lat": 95.0}, "lat"),
    ],
)
def test_nearest_bad_input(data, kwargs, field) -> None:
    world, _ = data
    args = {"layer": LAYER, "user": world.user(Role.CITY_ADMIN), "lon": 117.0, "lat": 36.6}
    with pytest.raises(ValidationError) as exc:
        search.nearest(**{**args, **kwargs})
    assert field in exc.value.message_dict


def test_radius_and_polygon_bad_input(data) -> None:
    world, _ = data
    user = world.user(Role.CITY_ADMIN)
    for radius in (0, -5, 100_001, float("inf")):
        with pytest.raises(ValidationError) as exc:
            search.within_radius(layer=LAYER, user=user, lon=117, lat=36.6, radius_m=radius)
        assert "radius" in exc.value.message_dict
    bad = {"type": "Polygon", "coordinates": [[[117, 36.6], [117.1, 36.6], [117, 36.7]]]}
    with pytest.raises(ValidationError) as exc:
        search.within_polygon(layer=LAYER, user=user, polygon=bad)
    assert "polygon" in exc.value.message_dict


def test_empty_layer(fast_world) -> None:
    world = fast_world
    user = world.user(Role.CITY_ADMIN)
    assert search.nearest(layer=LAYER, user=user, lon=117, lat=36.6) == []
    assert search.within_radius(layer=LAYER, user=user, lon=117, lat=36.6, radius_m=10).count == 0


def test_radius_confirmed_in_a_thread_equals_brute_force(data, monkeypatch) -> None:
    # On PostgreSQL large confirmations run in a worker thread while the distances are
    # computed; force that path on the small test data (SQLite ignores it).
    monkeypatch.setattr(search, "_SOON_MIN", 1)
    world, _ = data
    for who, filters in [
        ((Role.CITY_ADMIN, "city"), None),
        ((Role.COUNTY_OFFICER, "a"), {"status": "received"}),
    ]:
        user = world.user(*who)
        got = search.within_radius(
            layer=LAYER, user=user, lon=117.0, lat=36.6, radius_m=15_000, filters=filters
        )
        want = sorted(
            (d, pk)
            for pk, x, y in visible(user, filters)
            if (d := distance_m(117.0, 36.6, x, y)) <= 15_000
        )
        assert [h.id for h in got.hits] == [pk for _, pk in want]
        assert got.hits and got.hits[0].name.startswith("测试点")


def assert_index_reads_agree(model: Any, filters: dict[str, str]) -> None:
    """The index as built equals what the portable reader (Django's cursor) reads."""
    cols = spatial_index.indexable_filters(model, filters)
    region_col = "region_id" if spatial_index._has_region(model) else None
    built = spatial_index.build_for_model(model, filters)
    ids, lon, lat, region, raw = spatial_index._read_cursor(model, cols, region_col)
    order = np.argsort(ids)
    by_id = np.argsort(built.ids)
    assert built.ids[by_id].tolist() == ids[order].tolist()
    assert built.lon[by_id].tolist() == lon[order].tolist()
    assert built.lat[by_id].tolist() == lat[order].tolist()
    if region is not None:
        assert built.region[by_id].tolist() == region[order].tolist()
    for param in built.columns:
        words = {code: word for word, code in built.vocab[param].items()}
        got = [words[c] for c in built.columns[param][by_id].tolist()]
        values = raw[param]
        want = ["" if values[i] is None else str(values[i]) for i in order.tolist()]
        assert got == want, (model, param)


def test_index_read_by_copy_equals_the_cursor_read(data) -> None:
    # PostgreSQL builds the index with a binary COPY; it must hold what the portable
    # reader reads, for the test layer (text, integer and foreign-key filters) and for
    # every registered layer (booleans among them). On SQLite both are the same reader.
    from yingji.geo.layers import all_layers

    assert_index_reads_agree(Incident, LAYER.filters)
    for layer in all_layers():
        assert_index_reads_agree(layer.model, layer.filters)
