"""A county officer registers a shelter from the page, placing it by clicking the small map.

Run with ``pytest -m browser``. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from yingji.accounts.services import unit_create, user_create
from yingji.browser_tests.helpers import PASSWORD
from yingji.geo.models import Region
from yingji.shelters.models import Shelter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USERNAME = "lixia-forms"
# A point inside 历下区 (370102) of the Jinan reference boundaries.
LIXIA = (117.0750, 36.6660)


@pytest.fixture
def lixia_officer(transactional_db: Any) -> Any:
    call_command("load_regions", verbosity=0)
    call_command("load_demo_townships", verbosity=0)
    unit = unit_create(
        actor=None,
        name="历下区应急管理局",
        kind="emergency_office",
        region=Region.objects.get(code="370102"),
    )
    return user_create(
        actor=None,
        username=USERNAME,
        password=PASSWORD,
        role="county_officer",
        unit=unit,
        full_name="孙县区",
        check_password=False,
    )


def test_create_a_shelter_by_clicking_the_map(
    open_page: Any, lixia_officer: Any, artifacts_dir: Any
) -> None:
    page = open_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].btn")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto("/shelters/shelters/")
    page.click("[data-action=create]")
    page.wait_for_url("**/shelters/shelters/new/")
    page.wait_for_selector("[data-pick-map][data-map-ready=true]")
    page.fill("input[name=name]", "泉城广场避难场所")
    page.select_option("select[name=kind]", "square")
    page.fill("input[name=capacity]", "-5")
    page.click("form[data-record-form] button[type=submit]")
    # A bad number comes back next to its field, the rest as typed.
    page.wait_for_selector("[data-field=capacity].has-error .errorlist")
    assert page.input_value("input[name=name]") == "泉城广场避难场所"
    page.fill("input[name=capacity]", "5000")

    # Typing the coordinates moves the pin there; a click next to it places the point.
    page.wait_for_selector("[data-pick-map][data-map-ready=true]")
    page.fill("input[name=lon]", str(LIXIA[0]))
    page.fill("input[name=lat]", str(LIXIA[1]))
    page.wait_for_selector("[data-pick-map][data-pinned=true]")
    box = page.locator("[data-pick-map]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 + 30)
    lon, lat = (
        float(page.input_value("input[name=lon]")),
        float(page.input_value("input[name=lat]")),
    )
    assert (lon, lat) != LIXIA
    assert abs(lon - LIXIA[0]) < 0.01 and abs(lat - LIXIA[1]) < 0.01
    page.screenshot(path=str(artifacts_dir / "registry-form-shelter.png"), full_page=True)
    page.click("form[data-record-form] button[type=submit]")
    page.wait_for_url("**/shelters/shelters/*/")

    shelter = Shelter.objects.get()
    assert shelter.capacity == 5000 and shelter.kind == "square"
    assert abs(shelter.lon - lon) < 1e-6 and abs(shelter.lat - lat) < 1e-6
    assert shelter.region.path.startswith(Region.objects.get(code="370102").path)
    assert shelter.history.count() == 1
    assert "泉城广场避难场所" in page.locator("h1").inner_text()
    assert page.locator("[data-action=edit]").is_visible()
