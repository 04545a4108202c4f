"""The one map (应急一张图, S2) in a real browser.

Demo-like data: the synthetic teams (200) and shelters (150) of their demo loaders and a
few open incidents through ``incident_report``. Checked: nothing is requested from
another host; a layer switched on draws every feature the API gives; a polygon drawn
with mouse clicks lists the same counts per layer as ``POST /api/v1/geo/search/polygon/``
and exports them; the nearest N are N, sorted by distance, with lines; measuring gives
the WGS84 geodesic length; search flies to a record and opens its popup; a county user
sees only its own records; 100,000 points keep the page responsive. Screenshots go to
``test-artifacts/onemap-*.png``.
"""

from __future__ import annotations

import io
import itertools
import os
import random
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pyproj import Geod

from yingji.browser_tests.helpers import api_as, city_and_county, log_in
from yingji.geo import spatial_index
from yingji.geo.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLYGON_URL = "/api/v1/geo/search/polygon/"
LAYERS = ("teams.team", "shelters.shelter")
INCIDENTS = "incidents.incident"
# Points for the responsiveness check (the ≥100k figure is bench.map_layer's; the test
# loads the same order of magnitude unless YINGJI_ONEMAP_POINTS says otherwise).
BIG_N = int(os.environ.get("YINGJI_ONEMAP_POINTS", "100000"))


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    from yingji.incidents import services
    from yingji.shelters import demo as shelters_demo
    from yingji.teams import demo as teams_demo

    world = city_and_county("yizhangtu", "lixia-map")
    admin = world["admin"]
    call_command("load_incident_types", verbosity=0)
    teams_demo.load(scale=1.0, seed=7)
    shelters_demo.load(scale=1.0, seed=7)
    for i, (lon, lat, title) in enumerate(
        [
            (117.075, 36.666, "历下区燃气泄漏（测试）"),
            (116.97, 36.62, "市中区道路积水（测试）"),
            (117.02, 36.66, "槐荫区仓库火情（测试）"),
        ]
    ):
        services.incident_report(
            actor=admin,
            data={
                "title": title,
                "incident_type": "11A02",
                "lon": lon,
                "lat": lat,
                "occurred_at": timezone.now() - timedelta(minutes=5 + i),
                "source_channel": "written",
            },
        )
    # The live server runs in this process and the demo loaders bulk-insert (no save
    # signals): drop the spatial index the previous test's rows left, as a real write would.
    spatial_index.invalidate()
    return world


def layer_count(client: Client, key: str, **params: str) -> int:
    response = client.get(f"/api/v1/geo/layers/{key}/", params)
    assert response.status_code == 200, response.content[:300]
    return len(response.json()["features"])


def open_map(page: Any) -> None:
    page.goto("/geo/map/")
    page.wait_for_selector("#map[data-map-ready=true]")


def switch_on(page: Any, key: str) -> int:
    page.locator(f'[data-layer-toggle="{key}"]').check()
    row = page.locator(f'.layer-row[data-layer="{key}"][data-state=loaded]')
    row.wait_for(timeout=60_000)
    return int(row.get_attribute("data-loaded-count"))


def map_box(page: Any) -> dict[str, float]:
    return page.locator("#map").bounding_box()


def test_one_map_layers_area_search_nearest_measure_and_search(
    open_page: Any, world: dict, artifacts_dir: Any
) -> None:
    from yingji.teams.models import Team

    admin = world["admin"]
    api = api_as(admin)
    page = open_page(viewport={"width": 1440, "height": 900})
    log_in(page, "yizhangtu")
    open_map(page)

    # Districts and townships as before; the open incidents are on from the start.
    assert page.locator("#map").get_attribute("data-district-count") == "12"
    assert page.locator("path.yingji-district").count() == 12
    incidents = page.locator(f'.layer-row[data-layer="{INCIDENTS}"]')
    incidents.and_(page.locator("[data-state=loaded]")).wait_for()
    assert incidents.get_attribute("data-loaded-count") == "3"
    assert layer_count(api, INCIDENTS, open="1") == 3
    # The panel is grouped: resources, hazards (when registered), incidents, regions.
    groups = page.locator(".layer-group h2").all_inner_texts()
    assert groups[0] == "区划" and "资源" in groups and "事件" in groups

    # Switching a layer on draws every feature the API gives this user.
    for key in LAYERS:
        shown = switch_on(page, key)
        assert shown == layer_count(api, key) > 100
        assert page.evaluate(f"YingjiOneMap.featureCount('{key}')") == shown
    assert shown == page.evaluate("YingjiOneMap.layers['shelters.shelter'].data.count")
    assert (
        int(page.locator('.layer-row[data-layer="teams.team"]').get_attribute("data-loaded-count"))
        == Team.objects.count()
    )
    # Teams (200 < 500) are plain canvas circles; nothing else was drawn as DOM markers.
    assert page.locator(".leaflet-onemap-points-pane canvas").count() == 1
    page.screenshot(path=str(artifacts_dir / "onemap-layers.png"))

    # A filter narrows the layer and its count, as the API does.
    teams_row = page.locator('.layer-row[data-layer="teams.team"]')
    teams_row.locator("summary").click()
    teams_row.locator('select[data-filter="readiness"]').select_option("ready")
    page.wait_for_function(
        "document.querySelector('.layer-row[data-layer=\"teams.team\"]').dataset.state === 'loaded'"
        " && YingjiOneMap.layers['teams.team'].url.indexOf('readiness=ready') > 0"
    )
    ready = int(teams_row.get_attribute("data-loaded-count"))
    assert ready == layer_count(api, "teams.team", readiness="ready") < shown + 1000
    assert ready == Team.objects.filter(readiness="ready").count()

    # Draw a polygon around the city centre with mouse clicks, then 完成.
    page.locator('[data-tool="polygon"]').click()
    assert page.locator("[data-hint]").is_visible()
    box = map_box(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-260, -180), (240, -200), (300, 150), (-40, 230), (-280, 120)):
        page.mouse.click(cx + dx, cy + dy)
    page.locator("[data-hint-finish]").click()
    page.wait_for_selector("[data-results][data-ready=area]")
    body = page.evaluate("YingjiOneMap.lastArea()")
    assert len(body["polygon"]["coordinates"][0]) == 6
    assert body["filters"]["teams.team"] == {"readiness": "ready"}
    assert body["filters"][INCIDENTS] == {"open": "1"}
    shown_counts = {
        row.get_attribute("data-count-layer"): int(row.locator("[data-count]").inner_text())
        for row in page.locator("[data-count-layer]").all()
    }
    api_answer = api.post(POLYGON_URL, body, content_type="application/json").json()
    api_counts = {r["layer"]: r["count"] for r in api_answer["layers"]}
    assert shown_counts == api_counts
    assert shown_counts["teams.team"] > 0 and shown_counts["shelters.shelter"] > 0
    assert int(page.locator("[data-area-total]").get_attribute("data-area-total")) == sum(
        api_counts.values()
    )
    # The listed rows are the API's rows.
    page.locator('details[data-result-layer="shelters.shelter"] summary').click()
    listed = page.locator('details[data-result-layer="shelters.shelter"] .onemap-item-name')
    api_names = next(r for r in api_answer["layers"] if r["layer"] == "shelters.shelter")
    assert listed.all_inner_texts() == [h["name"] for h in api_names["results"]]
    page.screenshot(path=str(artifacts_dir / "onemap-polygon.png"))

    # Excel export of the same search: one sheet per layer, every row.
    with page.expect_download() as download_info:
        page.locator("[data-area-export]").click()
    path = download_info.value.path()
    workbook = load_workbook(io.BytesIO(path.read_bytes()))
    rows = {ws.title: ws.max_row - 1 for ws in workbook.worksheets}
    assert rows["应急避难场所"] == api_counts["shelters.shelter"]
    assert rows["应急队伍"] == api_counts["teams.team"]

    # A row of the list flies to the record and opens its popup with a link to its page.
    listed.first.click()
    popup = page.locator(".leaflet-popup-content .onemap-popup")
    popup.wait_for()
    assert api_names["results"][0]["name"] in popup.inner_text()
    assert popup.locator("a").get_attribute("href").startswith("/shelters/")
    assert "场所类型" in popup.inner_text()

    # Nearest 5 teams from a clicked point: five, sorted by distance, a line to each.
    page.locator('[data-tool="nearest"]').click()
    open_map_centre = map_box(page)
    page.mouse.click(
        open_map_centre["x"] + open_map_centre["width"] / 2 + 30,
        open_map_centre["y"] + open_map_centre["height"] / 2 + 20,
    )
    page.wait_for_selector("[data-results][data-ready=nearest]")
    form = page.locator("[data-nearest-form]")
    form.locator("select[name=layer]").select_option("teams.team")
    page.wait_for_selector("[data-results][data-ready=nearest]")
    form = page.locator("[data-nearest-form]")
    form.locator("input[name=n]").fill("5")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "document.querySelectorAll('[data-nearest-item]').length === 5"
        " && document.querySelector('[data-results]').dataset.ready === 'nearest'"
    )
    distances = [
        float(d)
        for d in page.locator("[data-nearest-item] [data-distance]").evaluate_all(
            "els => els.map(e => e.dataset.distance)"
        )
    ]
    assert len(distances) == 5 and distances == sorted(distances)
    assert page.locator("path.onemap-nearest-line").count() == 5
    page.screenshot(path=str(artifacts_dir / "onemap-nearest.png"))

    # Measure: three clicks, 完成; the total is the WGS84 geodesic length of the path.
    page.locator('[data-tool="measure"]').click()
    box = map_box(page)
    for dx, dy in ((-200, 0), (0, 120), (220, -60)):
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
    page.locator("[data-hint-finish]").click()
    page.wait_for_selector("[data-results][data-ready=measure]")
    points = page.evaluate("YingjiOneMap.lastMeasure()")
    assert len(points) == 3
    geod = Geod(ellps="WGS84")
    expected = sum(geod.inv(a[0], a[1], b[0], b[1])[2] for a, b in itertools.pairwise(points))
    shown_m = float(page.locator("[data-measure-total]").get_attribute("data-metres"))
    assert abs(shown_m - expected) < 0.01
    page.screenshot(path=str(artifacts_dir / "onemap-measure.png"))

    # Search by name: the results list, a click flies there and opens the popup.
    team = Team.objects.filter(readiness="ready").order_by("pk").first()
    page.keyboard.press("Escape")
    page.fill("[data-search-input]", team.name)
    page.press("[data-search-input]", "Enter")
    page.wait_for_selector("[data-results][data-ready=search]")
    hit = page.locator('[data-result-layer="teams.team"] .onemap-item').first
    assert hit.inner_text().strip() == team.name
    hit.click()
    popup = page.locator(".leaflet-popup-content .onemap-popup")
    popup.wait_for()
    assert team.name in popup.inner_text()
    assert popup.locator("a").get_attribute("href") == reverse("teams:team_detail", args=[team.pk])
    page.screenshot(path=str(artifacts_dir / "onemap-search.png"))
    assert open_page.outside == []


def test_a_county_user_sees_only_its_own_records(
    open_page: Any, world: dict, artifacts_dir: Any
) -> None:
    county = world["county"]
    api = api_as(county)
    page = open_page()
    log_in(page, "lixia-map")
    open_map(page)
    for key in LAYERS:
        shown = switch_on(page, key)
        city_wide = layer_count(api_as(world["admin"]), key)
        assert shown == layer_count(api, key) < city_wide
    incidents = page.locator(f'.layer-row[data-layer="{INCIDENTS}"]')
    assert incidents.get_attribute("data-loaded-count") == str(
        layer_count(api, INCIDENTS, open="1")
    )
    from yingji.incidents.models import Incident

    lixia = Region.objects.get(code="370102")
    own = Incident.objects.filter(region__path__startswith=lixia.path).count()
    assert layer_count(api, INCIDENTS, open="1") == own < Incident.objects.count()
    # An area search over the whole city counts only the county's records.
    page.locator('[data-tool="polygon"]').click()
    box = map_box(page)
    # (clear of the zoom buttons at the top left and the readouts at the bottom left)
    for x, y in ((0.12, 0.05), (0.96, 0.05), (0.96, 0.9), (0.12, 0.9)):
        page.mouse.click(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
    page.locator("[data-hint-finish]").click()
    page.wait_for_selector("[data-results][data-ready=area]")
    body = page.evaluate("YingjiOneMap.lastArea()")
    assert len(body["polygon"]["coordinates"][0]) == 5
    api_counts = {
        r["layer"]: r["count"]
        for r in api.post(POLYGON_URL, body, content_type="application/json").json()["layers"]
    }
    for key in LAYERS:
        shown = int(page.locator(f'[data-count-layer="{key}"] [data-count]').inner_text())
        assert shown == api_counts[key] <= layer_count(api, key)
    page.screenshot(path=str(artifacts_dir / "onemap-county.png"))

    # A circle: centre, then a click for the radius; searched as its 128-gon, same as the API.
    page.locator('[data-tool="circle"]').click()
    box = map_box(page)  # narrower now: the results panel is open
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.5)
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.5)
    page.wait_for_selector("[data-results][data-ready=area]")
    body = page.evaluate("YingjiOneMap.lastArea()")
    assert len(body["polygon"]["coordinates"][0]) == 129
    assert "圆形范围" in page.locator("[data-results]").inner_text()
    answer = api.post(POLYGON_URL, body, content_type="application/json").json()
    for r in answer["layers"]:
        shown = page.locator(f'[data-count-layer="{r["layer"]}"] [data-count]').inner_text()
        assert int(shown) == r["count"]
    page.screenshot(path=str(artifacts_dir / "onemap-circle.png"))


def test_phone_the_panel_collapses_and_nothing_scrolls_sideways(
    open_page: Any, world: dict, artifacts_dir: Any
) -> None:
    page = open_page(viewport={"width": 375, "height": 812})
    log_in(page, "yizhangtu")
    open_map(page)
    panel = page.locator("[data-panel]")
    toggle = page.locator("[data-panel-toggle]")
    assert not panel.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(artifacts_dir / "onemap-phone.png"))
    toggle.click()
    assert panel.is_visible()
    switch_on(page, "shelters.shelter")
    page.screenshot(path=str(artifacts_dir / "onemap-phone-panel.png"))
    toggle.click()
    page.locator('[data-tool="nearest"]').click()
    box = map_box(page)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 3)
    page.wait_for_selector("[data-nearest-from]")
    # Ask for shelters explicitly: the default layer is tested on the desktop.
    page.locator("[data-nearest-form] select[name=layer]").select_option("shelters.shelter")
    page.wait_for_selector("[data-results][data-ready=nearest] [data-nearest-item]")
    assert page.locator("[data-nearest-item]").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(artifacts_dir / "onemap-phone-nearest.png"))


def test_a_layer_of_many_points_is_clustered_and_the_page_stays_responsive(
    open_page: Any, world: dict, artifacts_dir: Any
) -> None:
    """BIG_N teams bulk-inserted like bench's generator; the page must answer a click on a
    control within 500 ms once the layer is in, and stays usable while it loads."""
    from yingji.teams.models import Team

    rng = random.Random(100)
    region = Region.objects.get(code="370102")
    unit = world["units"]["370102"]
    now = timezone.now()
    batch: list[Team] = []
    started = time.perf_counter()
    for n in range(BIG_N):
        team = Team(
            name=f"压测队伍{n:06d}（合成）", kind="volunteer", sector="general", region=region,
            owner_unit=unit, readiness="ready", head_count=10, is_synthetic=True,
            created_at=now, updated_at=now, last_reviewed_at=now,
        )  # fmt: skip
        team.set_point(round(rng.uniform(116.75, 117.35), 6), round(rng.uniform(36.45, 36.85), 6))
        batch.append(team)
        if len(batch) == 5000:
            Team.objects.bulk_create(batch)
            batch = []
    Team.objects.bulk_create(batch)
    insert_s = time.perf_counter() - started
    total = Team.objects.count()

    page = open_page(viewport={"width": 1440, "height": 900})
    log_in(page, "yizhangtu")
    open_map(page)
    t0 = time.perf_counter()
    page.locator('[data-layer-toggle="teams.team"]').check()
    # While the layer loads (fetch, parse, clustering in chunks), a click is still handled.
    page.wait_for_selector('.layer-row[data-layer="teams.team"][data-state]')
    during = click_latency(page)
    page.wait_for_selector(
        '.layer-row[data-layer="teams.team"][data-state=loaded]', timeout=120_000
    )
    load_s = time.perf_counter() - t0
    row = page.locator('.layer-row[data-layer="teams.team"]')
    assert int(row.get_attribute("data-loaded-count")) == total
    assert page.locator('.layer-row[data-layer="teams.team"] [data-cluster]').is_checked()
    page.wait_for_selector(".onemap-cluster", timeout=5_000)
    after = click_latency(page)
    # Panning and zooming in stay quick.
    # (evaluate returns nothing: a Leaflet map would be serialised whole, 100k markers and all)
    zoom_ms = page.evaluate(
        "() => { const m = YingjiOneMap.map, t = performance.now();"
        " m.setZoom(m.getZoom() + 2, {animate: false}); return performance.now() - t; }"
    )
    timings = page.evaluate("() => YingjiOneMap.layers['teams.team'].timings")
    page.screenshot(path=str(artifacts_dir / "onemap-100k.png"))
    print(
        f"onemap points={total} insert_s={insert_s:.1f} load_s={load_s:.2f}"
        f" click_during_ms={during:.0f} click_after_ms={after:.0f} zoom_ms={zoom_ms:.0f}"
        f" fetch_ms={timings['fetched'] - timings['start']:.0f}"
        f" draw_ms={timings['drawn'] - timings['drawStart']:.0f}"
    )
    assert zoom_ms < 1000, f"zooming in took {zoom_ms:.0f} ms"
    assert after < 500, f"a click took {after:.0f} ms after the layer was in"
    assert during < 1500, f"a click took {during:.0f} ms while the layer was loading"


def click_latency(page: Any) -> float:
    """Milliseconds from a click on the zones checkbox to its handler having run."""
    before = page.evaluate("performance.now()")
    page.locator('[data-region-toggle="zone"]').click()
    page.wait_for_function(
        "(b) => { const v = document.getElementById('map').dataset.lastControl || '';"
        " return v.startsWith('zone:') && parseFloat(v.split(':')[2]) > b; }",
        arg=before,
    )
    handled = float(page.locator("#map").get_attribute("data-last-control").split(":")[2])
    return handled - before
