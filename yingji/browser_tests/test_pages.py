"""The pages in a real browser: login, the map, a phone screen, the language switch.

Run with ``pytest -m browser``. Needs /usr/bin/chromium (skipped without it, unless
YINGJI_REQUIRE_BROWSER=1). Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command

from yingji.accounts.services import unit_create, user_create
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USERNAME = "duty-browser"
PASSWORD = "browser-test-2026"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def jinan(transactional_db: Any) -> dict[str, Any]:
    """Jinan's districts and the demo townships, and a city administrator."""
    call_command("load_regions", verbosity=0)
    call_command("load_demo_townships", verbosity=0)
    unit = unit_create(
        actor=None,
        name="济南市应急管理局",
        kind="emergency_office",
        region=Region.objects.get(code="370100"),
    )
    user = user_create(
        actor=None,
        username=USERNAME,
        password=PASSWORD,
        role="city_admin",
        unit=unit,
        full_name="王值班",
        check_password=False,
    )
    return {"unit": unit, "user": user}


def log_in(page: Any) -> None:
    page.goto("/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].btn")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_login_through_the_form_shows_chinese_navigation(
    open_page: Any, jinan: dict, artifacts_dir: Any
) -> None:
    page = open_page()
    page.goto("/accounts/login/")
    # A wrong password first: the message is in Chinese and says what to do.
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", "wrong-password")
    page.click("form button[type=submit].btn")
    assert "账号或密码不正确" in page.locator("[data-login-error]").inner_text()

    log_in(page)
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator(".brand-name").inner_text() == "济南市应急指挥平台"
    header = page.locator(".whoami").inner_text()
    assert "王值班" in header and "济南市应急管理局" in header and "市级管理员" in header
    nav = page.locator("#sidenav")
    for text in ("首页", "地图", "行政区划", "单位", "应急一张图", "突发事件信息报告", "宣传教育"):
        assert nav.get_by_text(text, exact=True).count() >= 1, text
    assert nav.locator("[data-system]").count() == 17
    # The dashboard's chart is drawn by the local ECharts.
    page.wait_for_selector("[data-chart='bar'][data-chart-ready]")
    assert page.locator("[data-stat=districts] .stat-value").inner_text().strip() == "12"
    page.screenshot(path=str(artifacts_dir / "home.png"), full_page=True)

    # An unbuilt system says so plainly.
    nav.locator("[data-system=S9]").click()
    assert "该系统尚未建设" in page.locator("[data-unbuilt]").inner_text()

    # The region list, then logging out (a POST form) leads back to the login page.
    page.goto("/geo/regions/?level=district")
    assert page.locator("table[data-list=regions] tbody tr").count() == 12
    page.screenshot(path=str(artifacts_dir / "region-list.png"), full_page=True)
    page.click(".logout-form button")
    page.wait_for_url("**/accounts/login/**")


def test_map_draws_the_districts_with_chinese_labels_and_nothing_from_outside(
    open_page: Any, jinan: dict, artifacts_dir: Any
) -> None:
    page = open_page()
    log_in(page)
    layer_requests: list[str] = []
    page.on(
        "request", lambda r: layer_requests.append(r.url) if "/layers/regions/" in r.url else None
    )
    page.goto("/geo/map/")
    page.wait_for_selector("#map[data-map-ready=true]")

    districts = set(
        Region.objects.filter(level=RegionLevel.DISTRICT).values_list("name", flat=True)
    )
    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP).count()
    assert len(districts) == 12
    assert page.locator("#map").get_attribute("data-district-count") == "12"
    assert page.locator("path.yingji-district").count() == 12
    assert page.locator("path.yingji-township").count() == townships
    # The demo townships are synthetic: drawn dashed.
    synthetic = page.locator("path.yingji-synthetic").first
    assert synthetic.get_attribute("stroke-dasharray")
    labels = set(page.locator(".region-label-district").all_inner_texts())
    assert labels == districts
    assert page.locator("[data-map-status]").inner_text() == f"县区 12 个，镇街 {townships} 个"
    # Zones are off by default: never requested until switched on.
    assert not any("level=zone" in url for url in layer_requests)
    assert page.locator(".leaflet-control-scale-line").count() == 1
    # No tiles: nothing was configured, so no tile layer at all.
    assert page.locator(".leaflet-tile").count() == 0

    page.screenshot(path=str(artifacts_dir / "map.png"))

    # Clicking inside 历下区 opens the popup of one of its (synthetic) townships.
    page.locator(".region-label-district", has_text="历下区").click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "历下区" in text and "合成" in text and "370102" in text
    href = popup.locator("a").get_attribute("href")
    assert href.startswith("/geo/regions/")

    # The coordinates readout follows the pointer.
    readout = page.locator("[data-coords]")
    page.mouse.move(600, 400)
    first = readout.inner_text()
    page.mouse.move(900, 600)
    second = readout.inner_text()
    assert re.fullmatch(r"经度 11[5-8]\.\d{5}\s+纬度 3[5-8]\.\d{5}", first), first
    assert first != second

    # Switching the zones layer on fetches it.
    page.locator("[data-panel] label", has_text="功能区").locator("input").check()
    page.wait_for_selector("#map[data-loaded-zone=true]")
    assert any("level=zone" in url for url in layer_requests)
    assert open_page.outside == []

    # The popup link leads to the region page with its own small map.
    page.goto(href)
    page.wait_for_selector("[data-mini-map][data-map-ready=true]")
    assert page.locator("path.yingji-boundary").count() == 1


def test_phone_home_has_no_horizontal_scroll_and_the_nav_opens(
    open_page: Any, jinan: dict, artifacts_dir: Any
) -> None:
    page = open_page(viewport=PHONE)
    log_in(page)
    page.wait_for_selector("[data-chart='bar'][data-chart-ready]")

    def no_sideways_scroll() -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width}px wide"

    no_sideways_scroll()
    page.screenshot(path=str(artifacts_dir / "home-phone.png"), full_page=True)

    nav = page.locator("#sidenav")
    toggle = page.locator("[data-nav-toggle]")
    assert toggle.is_visible()
    assert not nav.locator("a", has_text="行政区划").is_visible() or nav.bounding_box()["x"] < 0
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.wait_for_function("document.getElementById('sidenav').getBoundingClientRect().left >= 0")
    assert nav.get_by_text("行政区划", exact=True).is_visible()
    page.screenshot(path=str(artifacts_dir / "nav-phone.png"))
    nav.get_by_text("行政区划", exact=True).click()
    page.wait_for_url("**/geo/regions/")
    no_sideways_scroll()
    page.screenshot(path=str(artifacts_dir / "region-list-phone.png"), full_page=True)

    page.goto("/geo/map/")
    page.wait_for_selector("#map[data-map-ready=true]")
    no_sideways_scroll()
    page.screenshot(path=str(artifacts_dir / "map-phone.png"))


def test_switching_to_english_shows_english_navigation(open_page: Any, jinan: dict) -> None:
    page = open_page()
    log_in(page)
    assert page.locator("#sidenav").get_by_text("应急一张图").count() == 1
    page.click("[data-lang-switch]")
    page.wait_for_selector("html[lang=en]")
    nav = page.locator("#sidenav")
    for text in ("Home", "Map", "Regions", "Units", "Emergency map", "Incident reporting"):
        assert nav.get_by_text(text, exact=True).count() >= 1, text
    assert "City administrator" in page.locator(".whoami").inner_text()
    assert "Emergency Command Platform" in page.locator(".brand-name").inner_text()
    # The choice sticks across pages, and the switch leads back to Chinese.
    page.goto("/geo/regions/")
    assert page.locator("h1").inner_text() == "Regions"
    page.click("[data-lang-switch]")
    page.wait_for_selector("html[lang=zh-Hans]")
    assert page.locator("h1").inner_text() == "行政区划"
