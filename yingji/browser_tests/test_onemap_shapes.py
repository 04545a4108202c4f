"""The one map draws lines and polygons (低洼路段, 危险源范围) once zoomed in.

Demo hazards at a tenth of their size (170 hazard sources, about 40 of them areas, and 30
low-lying road sections with synthetic lines). Checked: below the shape zoom only the
points show; zoomed in, the road lines of the view are drawn (the row's
``data-shape-count``) and equal the shapes API's for the same view; a click on a line,
away from its point, opens the record's popup with its link; hazard areas are drawn as
polygons; a county user's map draws only its county's lines; nothing is requested from
another host (the ``open_page`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest

from yingji.browser_tests.helpers import api_as, city_and_county, log_in
from yingji.geo import shape_index, spatial_index

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROADS = "hazards.lowlyingroad"
HAZARDS = "hazards.hazardsource"


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    from yingji.hazards import demo as hazards_demo

    world = city_and_county("shapes-admin", "shapes-lixia")
    hazards_demo.load(scale=0.1, seed=7)
    # The demo bulk-inserts (no save signals) and the live server shares this process.
    spatial_index.invalidate()
    shape_index.invalidate()
    return world


def open_map_with(page: Any, key: str) -> None:
    page.goto("/geo/map/")
    page.wait_for_selector("#map[data-map-ready=true]")
    page.locator(f'[data-layer-toggle="{key}"]').check()
    page.locator(f'.layer-row[data-layer="{key}"][data-state=loaded]').wait_for(timeout=30_000)


def set_view(page: Any, lat: float, lon: float, zoom: int) -> None:
    page.evaluate(
        "([lat, lon, zoom]) => { YingjiOneMap.map.setView([lat, lon], zoom, {animate: false}); }",
        [lat, lon, zoom],
    )


def wait_shapes(page: Any, key: str, state: str = "loaded") -> int:
    row = page.locator(f'.layer-row[data-layer="{key}"][data-shape-state={state}]')
    row.wait_for(timeout=30_000)
    return int(row.get_attribute("data-shape-count") or 0)


def drawn_ids(page: Any, key: str) -> set[int]:
    return set(
        page.evaluate(
            "(key) => { const g = YingjiOneMap.layers[key].shapes;"
            " return g ? g.getLayers().map((l) => l.feature.id) : []; }",
            key,
        )
    )


def view_bbox(page: Any) -> str:
    """The bbox the page asked for: its view padded by a quarter (as onemap.js)."""
    return str(
        page.evaluate(
            "() => { const b = YingjiOneMap.map.getBounds().pad(0.25);"
            " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]"
            ".map((v) => v.toFixed(6)).join(','); }"
        )
    )


def click_at(page: Any, lat: float, lon: float) -> None:
    point = page.evaluate(
        "([lat, lon]) => { const p = YingjiOneMap.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def test_road_lines_and_hazard_areas_are_drawn_when_zoomed_in(
    open_page: Any, world: dict, artifacts_dir: Any
) -> None:
    from yingji.hazards.models import LowLyingRoad

    api = api_as(world["admin"])
    road = LowLyingRoad.objects.filter(region__path__contains="/370102/").order_by("pk").first()
    assert road is not None and road.geometry["type"] == "LineString"
    coords = road.geometry["coordinates"]
    page = open_page(viewport={"width": 1366, "height": 860})
    log_in(page, "shapes-admin")
    open_map_with(page, ROADS)

    # Below the shape zoom: points only, no shapes asked for.
    set_view(page, road.lat, road.lon, 11)
    page.wait_for_timeout(400)
    assert page.evaluate(f"YingjiOneMap.shapeCount('{ROADS}')") == 0

    set_view(page, road.lat, road.lon, 16)
    count = wait_shapes(page, ROADS)
    assert count >= 1
    assert road.pk in drawn_ids(page, ROADS)
    want = api.get(f"/api/v1/geo/layers/{ROADS}/shapes/", {"bbox": view_bbox(page), "zoom": 16})
    assert {f["id"] for f in want.json()["features"]} == drawn_ids(page, ROADS)
    assert page.evaluate(f"YingjiOneMap.shapeCount('{ROADS}')") == count

    # A click on the line halfway along its first segment (the point is the middle vertex).
    (x0, y0), (x1, y1) = coords[0], coords[1]
    click_at(page, (y0 + y1) / 2, (x0 + x1) / 2)
    popup = page.locator(f'.onemap-popup[data-popup-layer="{ROADS}"]')
    popup.wait_for()
    assert road.road_name in popup.inner_text()
    assert popup.locator(f'a[href="/hazards/roads/{road.pk}/"]').count() == 1
    page.screenshot(path=str(artifacts_dir / "onemap-shapes-road.png"))

    # Zoomed out again: the lines go, the points stay.
    page.keyboard.press("Escape")
    set_view(page, road.lat, road.lon, 11)
    wait_shapes(page, ROADS, "hidden")
    assert page.evaluate(f"YingjiOneMap.shapeCount('{ROADS}')") == 0
    assert (
        int(page.locator(f'.layer-row[data-layer="{ROADS}"]').get_attribute("data-loaded-count"))
        > 0
    )

    # Hazard areas are polygons; a click inside one, off its point, opens its popup.
    area = lonely_area()
    page.locator(f'[data-layer-toggle="{HAZARDS}"]').check()
    page.locator(f'.layer-row[data-layer="{HAZARDS}"][data-state=loaded]').wait_for()
    set_view(page, area.lat, area.lon, 15)
    assert wait_shapes(page, HAZARDS) >= 1
    assert area.pk in drawn_ids(page, HAZARDS)
    x0, y0, x1, y1 = shape_index.shape_box(area.geometry)
    click_at(page, area.lat + 0.6 * (y1 - area.lat), area.lon + 0.6 * (x1 - area.lon))
    popup = page.locator(f'.onemap-popup[data-popup-layer="{HAZARDS}"]')
    popup.wait_for()
    assert area.name in popup.inner_text()
    assert popup.locator(f'a[href="/hazards/hazards/{area.pk}/"]').count() == 1
    page.screenshot(path=str(artifacts_dir / "onemap-shapes-area.png"))


def lonely_area() -> Any:
    """A hazard area with no other hazard's point and no road inside its box."""
    from yingji.hazards.models import HazardSource, LowLyingRoad

    roads = [shape_index.shape_box(r.geometry) for r in LowLyingRoad.objects.all()]
    for area in HazardSource.objects.filter(geometry__type="Polygon").order_by("pk"):
        x0, y0, x1, y1 = shape_index.shape_box(area.geometry)
        others = HazardSource.objects.exclude(pk=area.pk).filter(
            lon__gte=x0, lon__lte=x1, lat__gte=y0, lat__lte=y1
        )
        crossing = [
            b for b in roads if b and b[0] <= x1 and b[2] >= x0 and b[1] <= y1 and b[3] >= y0
        ]
        if not others.exists() and not crossing:
            return area
    raise AssertionError("no hazard area stands alone in the demo data")


def test_a_county_user_sees_only_its_own_lines(open_page: Any, world: dict) -> None:
    from yingji.hazards.models import LowLyingRoad

    own = set(
        LowLyingRoad.objects.filter(region__path__contains="/370102/").values_list("pk", flat=True)
    )
    page = open_page()
    log_in(page, "shapes-lixia")
    open_map_with(page, ROADS)
    # The whole city centre at the shape zoom: other districts' lines are in the view.
    page.set_viewport_size({"width": 1900, "height": 1000})
    set_view(page, 36.66, 117.02, 12)
    wait_shapes(page, ROADS)
    drawn = drawn_ids(page, ROADS)
    assert drawn <= own
    county_api = api_as(world["county"])
    want = county_api.get(
        f"/api/v1/geo/layers/{ROADS}/shapes/", {"bbox": view_bbox(page), "zoom": 12}
    ).json()
    assert {f["id"] for f in want["features"]} == drawn
    everyone = (
        api_as(world["admin"])
        .get(f"/api/v1/geo/layers/{ROADS}/shapes/", {"bbox": view_bbox(page), "zoom": 12})
        .json()
    )
    assert len(everyone["features"]) > len(drawn)
