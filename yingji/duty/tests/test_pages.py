"""The duty log page: the day's lines and reports, a quick add, scoped by region."""

from __future__ import annotations

import io
from datetime import timedelta

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.duty.models import DutyLogEntry
from yingji.incidents import services
from yingji.incidents.tests.factories import IN_COUNTY_B, payload


class DutyLogPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.duty = cls.world.user(Role.DUTY_OFFICER, "city")
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")
        cls.officer_b = cls.world.user(Role.COUNTY_OFFICER, "b")
        cls.incident_b, _ = services.incident_report(
            actor=cls.officer_b,
            data=payload(title="市中区来报事件", lon=IN_COUNTY_B[0], lat=IN_COUNTY_B[1]),
        )
        DutyLogEntry.objects.create(
            region=cls.world.county_b, at=timezone.now(), kind="call", summary="市中区的值班记录"
        )

    def test_anonymous_goes_to_login(self) -> None:
        response = self.client.get(reverse("duty:log"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_duty_officer_adds_a_call_and_sees_the_days_reports(self) -> None:
        self.client.force_login(self.duty)
        response = self.client.post(
            reverse("duty:log"),
            {
                "kind": "call",
                "caller": "历下区应急局",
                "summary": "报告解放路积水",
                "incident": self.incident_b.number,
            },
        )
        self.assertEqual(response.status_code, 302)
        entry = DutyLogEntry.objects.get(summary="报告解放路积水")
        self.assertEqual((entry.recorded_by, entry.incident), (self.duty, self.incident_b))
        page = self.client.get(reverse("duty:log"))
        self.assertContains(page, "报告解放路积水")
        self.assertContains(page, "市中区来报事件")  # the day's 首报
        self.assertContains(page, "首报")

    def test_errors_are_shown_next_to_the_fields(self) -> None:
        self.client.force_login(self.duty)
        response = self.client.post(
            reverse("duty:log"), {"kind": "call", "summary": "", "incident": "20990101-99999"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "请填写内容摘要")
        self.assertContains(response, "没有找到这个事件编号")
        later = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
        response = self.client.post(
            reverse("duty:log"), {"kind": "call", "summary": "预先记录", "at": later}
        )
        self.assertContains(response, "时间不能晚于当前时间")
        self.assertFalse(DutyLogEntry.objects.filter(summary="预先记录").exists())

    def test_county_sees_only_its_own_lines_reports_and_export(self) -> None:
        self.client.force_login(self.officer_a)
        page = self.client.get(reverse("duty:log"))
        self.assertNotContains(page, "市中区的值班记录")
        self.assertNotContains(page, "市中区来报事件")
        self.assertNotContains(page, "快速记录")  # a county officer does not keep the city's log
        response = self.client.get(reverse("duty:log"), {"export": "xlsx"})
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        self.assertEqual(len(rows), 1)  # the header only
        self.assertEqual(
            self.client.post(reverse("duty:log"), {"kind": "call", "summary": "x"}).status_code, 403
        )

    def test_other_days(self) -> None:
        self.client.force_login(self.duty)
        yesterday = timezone.localdate() - timedelta(days=1)
        page = self.client.get(reverse("duty:log"), {"day": yesterday.isoformat()})
        self.assertContains(page, "这一天还没有记录")
        self.assertEqual(self.client.get(reverse("duty:log"), {"day": "garbage"}).status_code, 200)
