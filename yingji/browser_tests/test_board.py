"""The duty-room board in a real browser: overdue countdowns, overdue rows first, the
summary strip, "加载更多", filters, map points, live removal of a closed incident and a
new report, and a county user who sees only their own county."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from yingji.accounts.services import unit_create, user_create
from yingji.browser_tests.helpers import PASSWORD, log_in
from yingji.geo.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIXIA = (117.0750, 36.6660)  # 历下区
SHIZHONG = (116.9700, 36.6200)  # 市中区


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    from yingji.deadlines.loader import load_default_rules
    from yingji.deadlines.models import DeadlineRule
    from yingji.incidents import services

    call_command("load_regions", verbosity=0)
    call_command("load_demo_townships", verbosity=0)
    call_command("load_incident_types", verbosity=0)
    load_default_rules(rule_model=DeadlineRule, region_model=Region)
    city = Region.objects.get(code="370100")
    room = unit_create(actor=None, name="济南市人民政府总值班室", kind="duty_room", region=city)
    lixia = unit_create(
        actor=None,
        name="历下区应急管理局",
        kind="emergency_office",
        region=Region.objects.get(code="370102"),
    )
    shizhong = unit_create(
        actor=None,
        name="市中区应急管理局",
        kind="emergency_office",
        region=Region.objects.get(code="370103"),
    )
    duty = user_create(
        actor=None,
        username="zhiban",
        password=PASSWORD,
        role="duty_officer",
        unit=room,
        full_name="钱值班",
        check_password=False,
    )
    county_a = user_create(
        actor=None,
        username="lixia",
        password=PASSWORD,
        role="county_officer",
        unit=lixia,
        check_password=False,
    )
    county_b = user_create(
        actor=None, username="shizhong", password=PASSWORD, role="county_officer", unit=shizhong,
        check_password=False,
    )  # fmt: skip

    def report(
        actor: Any, title: str, point: tuple[float, float], now: Any = None, **extra: Any
    ) -> Any:
        data = {
            "title": title, "incident_type": "11A02", "lon": point[0], "lat": point[1],
            "occurred_at": timezone.now() - timedelta(minutes=5), "source_channel": "written",
            **extra,
        }  # fmt: skip
        incident, _ = services.incident_report(actor=actor, data=data, now=now)
        return incident

    late = report(
        county_a, "历下区燃气爆炸", LIXIA, severity=2,
        occurred_at=timezone.now() - timedelta(hours=3, minutes=10),
        now=timezone.now() - timedelta(hours=3),
    )  # fmt: skip
    general = report(county_b, "市中区道路积水", SHIZHONG)
    return {"duty": duty, "late": late, "general": general, "county_b": county_b}


def test_board_marks_overdue_filters_and_follows_changes(
    open_page: Any, world: dict, artifacts_dir: Any
) -> None:
    from yingji.incidents import services

    page = open_page(viewport={"width": 1440, "height": 900})
    log_in(page, "zhiban")
    page.goto("/incidents/board/")
    page.wait_for_selector("body[data-board-ready=true]")
    page.wait_for_selector("#board-map[data-map-ready=true]")
    late_row = page.locator(f'tr[data-incident="{world["late"].pk}"]')
    # 重大, received 3 hours ago: 续报一 (every 120 minutes) is an hour overdue.
    badge = late_row.locator(".countdown")
    page.wait_for_function("el => el.dataset.overdue === 'true'", arg=badge.element_handle())
    text = badge.text_content()  # (inner_text is empty while the badge blinks off)
    assert re.fullmatch(r"已超时 \d+ (小时|分钟)( \d+ 分钟)?", text), text
    assert "is-overdue" in (badge.get_attribute("class") or "")
    assert badge.evaluate("el => getComputedStyle(el).animationName") == "yj-blink"
    # Over a second of blinking the badge shows only its two readable states, never a
    # blend of them (red text on red, which a steps(2) animation produced).
    states = set()
    for _ in range(12):
        states.add(
            badge.evaluate(
                "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color].join(' / ')"
            )
        )
        page.wait_for_timeout(90)
    assert states == {
        "rgb(198, 40, 40) / rgb(255, 255, 255)",
        "rgb(255, 205, 210) / rgb(142, 0, 0)",
    }, states
    assert page.locator("[data-overdue-count]").inner_text() == "1"
    # Overdue rows first, whatever their level; the summary strip counts by level.
    first = page.locator("tr[data-incident]").first
    assert first.get_attribute("data-incident") == str(world["late"].pk)
    assert page.locator("[data-open-count]").inner_text() == "2"
    assert page.locator('[data-level="2"] [data-level-count]').inner_text() == "1"
    assert page.locator('[data-level="2"] [data-level-overdue]').is_visible()
    assert page.locator('[data-level="4"] [data-level-count]').inner_text() == "1"
    assert "is-alarm" in (page.locator("[data-overdue-stat]").get_attribute("class") or "")
    # Points coloured by severity: one 重大, one 一般.
    assert page.locator("path.yingji-incident-sev2").count() == 1
    assert page.locator("path.yingji-incident-sev4").count() == 1
    page.screenshot(path=str(artifacts_dir / "board-overdue.png"))

    # Closing an incident elsewhere takes it off the board without a reload.
    page.evaluate("window.__notReloaded = true")
    services.incident_set_status(
        actor=world["county_b"], incident=world["general"], status="closed", reason="已处置"
    )
    page.wait_for_selector(
        f'tr[data-incident="{world["general"].pk}"]', state="detached", timeout=5000
    )
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator("path.yingji-incident-sev4").count() == 0

    # Filters (a plain GET form).
    page.check("input[name=severity][value='4']")
    page.click("form[data-board-filters] button[type=submit]")
    page.wait_for_selector("body[data-board-ready=true]")
    assert page.locator("tr[data-incident]").count() == 0
    assert page.locator("[data-board-empty]").is_visible()
    assert open_page.outside == []


def test_county_board_shows_only_its_county(open_page: Any, world: dict) -> None:
    page = open_page()
    log_in(page, "shizhong")
    page.goto("/incidents/board/")
    page.wait_for_selector("body[data-board-ready=true]")
    assert page.locator("tr[data-incident]").count() == 1
    assert "市中区道路积水" in page.locator("[data-board-rows]").inner_text()
    assert "历下区燃气爆炸" not in page.content()


def test_board_loads_more_and_keeps_counts_live(open_page: Any, world: dict) -> None:
    from yingji.incidents import services

    page = open_page(viewport={"width": 1440, "height": 900})
    log_in(page, "zhiban")
    # One row a page (the live server runs in this process): the overdue one comes first.
    with mock.patch("yingji.incidents.views.BOARD_LIMIT", 1):
        page.goto("/incidents/board/")
        page.wait_for_selector("body[data-board-ready=true]")
        rows = page.locator("tr[data-incident]")
        assert rows.count() == 1
        assert rows.first.get_attribute("data-incident") == str(world["late"].pk)
        assert "已显示 1 条，共 2 条" in page.locator("[data-shown-note]").inner_text()
        page.click("[data-load-more]")
        page.wait_for_selector(f'tr[data-incident="{world["general"].pk}"]')
        assert rows.count() == 2
        assert page.locator("[data-load-more]").is_hidden()
        assert page.locator("path.yingji-incident-sev4").count() == 1
        # A new report: on top, flashed, counted — without a reload.
        page.evaluate("window.__notReloaded = true")
        incident, _ = services.incident_report(
            actor=world["county_b"],
            data={
                "title": "市中区新接报", "incident_type": "11A02", "lon": SHIZHONG[0],
                "lat": SHIZHONG[1], "occurred_at": timezone.now(), "source_channel": "phone",
            },
        )  # fmt: skip
        page.wait_for_selector(f'tr[data-incident="{incident.pk}"][data-new=true]', timeout=5000)
        assert rows.first.get_attribute("data-incident") == str(incident.pk)
        page.wait_for_function(
            "() => document.querySelector('[data-open-count]').textContent === '3'"
        )
        assert page.locator('[data-level="4"] [data-level-count]').inner_text() == "2"
        assert page.evaluate("window.__notReloaded") is True
    assert open_page.outside == []
