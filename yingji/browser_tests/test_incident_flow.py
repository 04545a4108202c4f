"""Acceptance (issue 3): one incident from an officer's phone to the monthly notice.

An information officer reports through the phone form; the duty officer's board (a second
page) shows it within 5 s without reloading, with the sound cue; the county submits 续报一
on time and 续报二 late (the due time is moved into the past with the deadlines app's own
rows, never by sleeping), then the final report; the detail page marks 迟报; the county
loses the points the default scoring rule says; the monthly notice names the county in its
criticism list (read back with python-docx).

Run with ``pytest -m browser``. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import base64
import io
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from yingji.accounts.services import unit_create, user_create
from yingji.browser_tests.helpers import PASSWORD, log_in
from yingji.geo.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESK = {"width": 1440, "height": 900}
# A point inside 历下区 (370102) of the Jinan reference boundaries.
SCENE = {"longitude": 117.0750, "latitude": 36.6660, "accuracy": 12}
# The smallest JPEG (1×1): what a camera sends starts with the same magic bytes.
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////"
    "////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQAB"
    "PxA="
)


@pytest.fixture
def jinan(transactional_db: Any) -> dict[str, Any]:
    """Jinan's regions, the default deadline rules, and the cast of this story."""
    from yingji.deadlines.loader import load_default_rules
    from yingji.deadlines.models import DeadlineRule

    call_command("load_regions", verbosity=0)
    call_command("load_demo_townships", verbosity=0)
    call_command("load_incident_types", verbosity=0)  # a flushed database has none
    load_default_rules(rule_model=DeadlineRule, region_model=Region)
    _scoring_defaults()
    city = Region.objects.get(code="370100")
    lixia = Region.objects.get(code="370102")
    duty_room = unit_create(
        actor=None, name="济南市人民政府总值班室", kind="duty_room", region=city
    )
    county = unit_create(actor=None, name="历下区应急管理局", kind="emergency_office", region=lixia)
    cast = {
        "officer": user_create(
            actor=None, username="xinxiyuan", password=PASSWORD, role="info_officer",
            unit=county, full_name="赵信息员", phone="13900000001", check_password=False,
        ),
        "duty": user_create(
            actor=None, username="zhiban", password=PASSWORD, role="duty_officer",
            unit=duty_room, full_name="钱值班", check_password=False,
        ),
        "county": user_create(
            actor=None, username="lixia", password=PASSWORD, role="county_officer",
            unit=county, full_name="孙县区", check_password=False,
        ),
        "admin": user_create(
            actor=None, username="shiji", password=PASSWORD, role="city_admin",
            unit=duty_room, full_name="李管理员", check_password=False,
        ),
    }  # fmt: skip
    return {"city": city, "lixia": lixia, "county_unit": county, **cast}


def _scoring_defaults() -> None:
    """The default scoring rules (评分办法) come from a data migration; a transactional test
    that ran before this one flushed them, so put them back the migration's own way."""
    from importlib import import_module

    from django.apps import apps

    from yingji.scoring.models import ScoringRule

    if not ScoringRule.objects.filter(is_default=True).exists():
        migration = import_module("yingji.scoring.migrations.0002_default_rules")
        migration.add_defaults(apps, None)


def choose_type(page: Any, query: str, name: str) -> None:
    """Use the type picker as a person would: type, then tap the matching row."""
    page.fill("[data-type-picker-search]", query)
    page.locator("[data-type-picker-list] button", has_text=name).first.click()
    page.wait_for_function("document.querySelector('[data-type-picker-value]').value.length === 5")


def submit_report(page: Any, kind: str, body: str) -> None:
    panel = page.locator("details[data-panel=report]")
    if not panel.get_attribute("open") is not None:
        panel.locator("summary").click()
    panel.locator(f"input[name=kind][value={kind}]").check()
    panel.locator("textarea[name=body]").fill(body)
    with page.expect_navigation():
        panel.locator("button[type=submit]").click()
    assert page.locator(".message").count() >= 1, page.content()[:2000]


def test_phone_report_to_board_to_late_follow_up_to_monthly_notice(
    open_page: Any, jinan: dict, artifacts_dir: Any
) -> None:
    from yingji.deadlines.choices import DeadlineStatus, Requirement
    from yingji.deadlines.models import Deadline
    from yingji.incidents.models import Incident

    # --- the duty officer's board is open on the duty-room screen -------------------------
    board = open_page(viewport=DESK)
    log_in(board, "zhiban")
    board.goto("/incidents/board/")
    board.wait_for_selector("body[data-board-ready=true]")
    board.wait_for_selector("#board-map[data-map-ready=true]")
    board.click("[data-sound-toggle]")
    assert board.locator("[data-sound-toggle]").get_attribute("aria-pressed") == "true"
    board.evaluate("window.__notReloaded = true")
    assert board.locator("tr[data-incident]").count() == 0

    # --- the information officer reports from a phone --------------------------------------
    phone_context_page = open_page(viewport=PHONE)
    phone_context_page.context.grant_permissions(["geolocation"])
    phone_context_page.context.set_geolocation(SCENE)
    phone = phone_context_page
    log_in(phone, "xinxiyuan")
    phone.goto("/incidents/report/new/")
    phone.wait_for_selector("form[data-ready=true]")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the phone form is {width}px wide"
    choose_type(phone, "泄漏", "危险化学品泄漏事故")
    phone.fill("input[name=title]", "历下区解放路燃气管道泄漏")
    phone.fill("textarea[name=description]", "解放路与历山路路口燃气管道破裂泄漏，已疏散周边群众。")
    injuries = phone.locator("[data-field=injuries]")
    injuries.locator("[data-step='1']").click()
    injuries.locator("[data-step='1']").click()
    assert injuries.locator("input").input_value() == "2"
    phone.click("[data-locate]")
    phone.wait_for_selector("[data-pin-map][data-pinned=true]")
    assert abs(float(phone.input_value("input[name=lon]")) - SCENE["longitude"]) < 1e-5
    phone.set_input_files(
        "[data-photos]", files=[{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    # 较大: chosen under "更多信息" (the follow-up rule applies from 较大 up).
    phone.locator("details[data-more] summary").click()
    phone.select_option("select[name=severity]", "3")
    phone.screenshot(path=str(artifacts_dir / "report-form-phone.png"), full_page=True)
    phone.evaluate("window.scrollTo(0, 0)")
    phone.screenshot(path=str(artifacts_dir / "report-form-phone-top.png"))
    phone.locator("[data-field=deaths]").scroll_into_view_if_needed()
    phone.evaluate("window.scrollBy(0, -60)")
    phone.screenshot(path=str(artifacts_dir / "report-form-phone-middle.png"))

    # A double tap: one record (the button is disabled while sending, the key dedups).
    phone.locator("[data-submit]").dblclick()
    phone.wait_for_url("**/incidents/report/done/**")
    acknowledged = time.monotonic()
    number = phone.locator("[data-incident-number]").inner_text().strip()
    assert Incident.objects.count() == 1
    incident = Incident.objects.get()
    assert incident.number == number
    assert incident.region.path.startswith(jinan["lixia"].path)
    assert (incident.injuries, incident.severity, incident.source_channel) == (2, 3, "info_officer")
    assert incident.attachments.count() == 1
    phone.screenshot(path=str(artifacts_dir / "report-done-phone.png"), full_page=True)

    # --- the board shows it within 5 s, without reloading, with the cue ---------------------
    board.wait_for_selector(f'tr[data-incident="{incident.pk}"][data-new=true]', timeout=5000)
    shown_after = time.monotonic() - acknowledged
    assert shown_after < 5, shown_after
    assert board.evaluate("window.__notReloaded") is True
    assert board.evaluate("document.body.dataset.lastAlert") is not None  # the sound cue
    row = board.locator(f'tr[data-incident="{incident.pk}"]')
    assert "历下区解放路燃气管道泄漏" in row.inner_text()
    # Its deadlines are computed just after the incident is committed; the next poll
    # brings the countdown if the first one came in between.
    board.wait_for_selector(f'tr[data-incident="{incident.pk}"] .countdown', timeout=5000)
    board.wait_for_selector("path.yingji-incident-sev3")
    board.screenshot(path=str(artifacts_dir / "board-desktop.png"))

    # --- the county: 续报一 on time, 续报二 late, then the final report ---------------------
    desk = open_page(viewport=DESK)
    log_in(desk, "lixia")
    detail = f"/incidents/{incident.pk}/"
    desk.goto(detail)
    followups = Deadline.objects.filter(incident=incident, kind=Requirement.FOLLOWUP)
    assert followups.get(sequence=1).status == DeadlineStatus.PENDING
    submit_report(desk, "followup", "燃气公司已关阀，泄漏得到控制；2 名轻伤人员送医。")
    assert followups.get(sequence=1).status == DeadlineStatus.MET

    # The clock: 150 minutes pass (the live server runs in this process, so patching
    # timezone.now moves its clock too). The follow-up interval for 较大 is 120 minutes
    # (default rule), so 续报二 arrives about 30 minutes late; nobody sleeps.
    second = followups.get(sequence=2)
    interval = second.due_at - followups.get(sequence=1).met_at
    real_now = timezone.now
    skip = interval + timedelta(minutes=30)
    with mock.patch("django.utils.timezone.now", side_effect=lambda: real_now() + skip):
        desk.goto(detail)
        submit_report(desk, "followup", "抢修完成，恢复供气准备中。")
        second.refresh_from_db()
        assert second.status == DeadlineStatus.LATE, second.status
        assert 28 <= second.late_minutes <= 31, second.late_minutes
        submit_report(desk, "final", "事件处置完毕，善后工作由街道负责。")
        incident.refresh_from_db()
        assert incident.status == "closed"

    desk.goto(detail)
    chain = desk.locator("[data-chain] > li")
    labels = [li.get_attribute("data-label") for li in chain.all()]
    assert labels == ["首报", "续报一", "续报二", "终报"], labels
    late = desk.locator("[data-chain] > li[data-label=续报二] [data-late]")
    assert late.count() == 1
    assert late.inner_text() == f"迟报 {second.late_minutes} 分钟", late.inner_text()
    assert desk.locator("[data-chain] > li[data-label=续报一] [data-late]").count() == 0
    desk.screenshot(path=str(artifacts_dir / "incident-detail.png"), full_page=True)

    # --- the county loses the points the rule says -----------------------------------------
    from yingji.scoring.models import ScoreEntry, ScoringRule
    from yingji.scoring.selectors import rankings

    entries = ScoreEntry.objects.filter(source_kind="deadline", source_id=second.pk)
    assert entries.count() == 1, list(
        ScoreEntry.objects.values_list("source_kind", "source_id", "trigger", "points", "reason")
    )
    entry = entries.get()
    rule = ScoringRule.objects.get(trigger="report_late", is_default=True)
    multiplier = Decimal(str(rule.severity_multipliers.get("3", 1)))
    assert entry.points == rule.points * multiplier
    assert entry.points < 0
    assert entry.unit == jinan["county_unit"]
    # The month the late report counts in (the moved clock may have crossed into the next
    # month when the test runs late on the last day of one).
    today = timezone.localdate(entry.occurred_at)
    rows = rankings(
        user=jinan["admin"], kind="county", period="month", year=today.year, number=today.month
    )
    lixia = next(r for r in rows if r.name == "历下区")
    assert lixia.late >= 1

    # --- the monthly notice criticises the county -----------------------------------------
    from docx import Document

    from yingji.scoring.notices import monthly_notice_docx

    content = monthly_notice_docx(
        year=today.year, month=today.month, issued_by="济南市人民政府总值班室", now=timezone.now()
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    criticism = text.split("二、批评")[1].split("三、")[0]
    assert "历下区" in criticism, criticism
    assert open_page.outside == []
