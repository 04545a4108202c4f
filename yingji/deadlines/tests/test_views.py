"""The rules page: list with sources, filter, Excel, and the edit form."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.deadlines.choices import Anchor, Requirement
from yingji.deadlines.models import DeadlineRule

pytestmark = pytest.mark.django_db


def test_rule_list_shows_sources_and_exports(client, world):
    client.force_login(world.user(Role.VIEWER))
    response = client.get(reverse("deadlines:rule_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "国务院应急管理办公室" in page and "事发后30分钟" in page
    assert "新增规则" not in page
    response = client.get(reverse("deadlines:rule_list"), {"requirement": "daily"})
    assert "08:00、17:00" in response.content.decode()
    assert "事发后30分钟" not in response.content.decode()
    response = client.get(reverse("deadlines:rule_list"), {"export": "xlsx", "active": "true"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) - 1 == DeadlineRule.objects.filter(active=True).count()


def test_city_admin_edits_a_rule_with_history(client, world):
    admin = world.user(Role.CITY_ADMIN)
    client.force_login(admin)
    rule = DeadlineRule.objects.get(key="default-followup-larger-plus-s3")
    url = reverse("deadlines:rule_edit", args=[rule.pk])
    assert client.get(url).status_code == 200
    data = {
        "region": world.city.pk,
        "name": rule.name,
        "severity": 3,
        "requirement": Requirement.FOLLOWUP,
        "anchor": Anchor.PREVIOUS_REPORT,
        "minutes": 90,
        "times_of_day": "",
        "source": rule.source,
        "confidence": "default",
        "confidence_note": rule.confidence_note,
        "active": "on",
        "reason": "市应急局2026年通知",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.minutes == 90
    assert rule.history.first().history_user == admin


def test_county_form_refuses_a_laxer_rule_and_viewers_cannot_edit(client, world):
    client.force_login(world.user(Role.COUNTY_OFFICER, "a"))
    data = {
        "region": world.county_a.pk,
        "name": "历下区一般事件书面首报",
        "severity": 4,
        "requirement": Requirement.INITIAL_WRITTEN,
        "anchor": Anchor.OCCURRED,
        "minutes": 240,
        "times_of_day": "",
        "source": "历下区规定",
        "confidence": "local",
        "active": "on",
    }
    response = client.post(reverse("deadlines:rule_add"), data)
    assert response.status_code == 200
    assert "不能宽于上级" in response.content.decode()
    response = client.post(reverse("deadlines:rule_add"), {**data, "minutes": 60})
    assert response.status_code == 302
    assert DeadlineRule.objects.filter(region=world.county_a, minutes=60).exists()
    city_rule = DeadlineRule.objects.filter(region=world.city).first()
    assert client.get(reverse("deadlines:rule_edit", args=[city_rule.pk])).status_code == 404
    client.force_login(world.user(Role.VIEWER))
    assert client.get(reverse("deadlines:rule_add")).status_code == 403
