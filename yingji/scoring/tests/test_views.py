"""The scoring pages: rankings with a chart, rules, ledger, notices."""

from __future__ import annotations

import io
from decimal import Decimal

from django.test import TestCase, override_settings
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.scoring.models import Notice, ScoringRule

from .factories import make_entry

MEDIA = "/tmp/yingji-test-media-scoring"


@override_settings(MEDIA_ROOT=MEDIA)
class TestPages(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        make_entry(cls.world.unit_a, points="-2", source_id=1)
        make_entry(cls.world.unit_b, points="1", source_id=2, trigger="report_on_time")

    def login(self, role: str, where: str) -> None:
        self.client.force_login(self.world.user(role, where))

    def rankings(self, **params: object):  # type: ignore[no-untyped-def]
        query = {"kind": "county", "period": "month", "year": 2026, "number": 3, **params}
        return self.client.get(reverse("scoring:rankings"), query)

    def test_rankings_page_with_chart(self) -> None:
        self.login(Role.CITY_ADMIN, "city")
        response = self.rankings()
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('data-chart="bar"', html)
        self.assertIn("vendor/echarts/echarts.min.js", html)
        self.assertIn("历下区", html)
        self.assertIn('id="chart-ranking"', html)
        default = self.client.get(reverse("scoring:rankings"))
        self.assertEqual(default.status_code, 200)
        self.assertIn("export=xlsx", default.content.decode())

    def test_county_page_shows_only_itself(self) -> None:
        self.login(Role.COUNTY_OFFICER, "b")
        html = self.rankings().content.decode()
        self.assertIn("市中区", html)
        self.assertNotIn("历下区", html)
        sheet = load_workbook(io.BytesIO(self.rankings(export="xlsx").content)).active
        self.assertEqual(
            [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)], ["市中区"]
        )

    def test_rankings_bad_input_is_a_form_error(self) -> None:
        self.login(Role.CITY_ADMIN, "city")
        for params in (
            {"year": "abc"},
            {"number": "13"},
            {"kind": "x"},
            {"period": "quarter", "number": "7"},
        ):
            response = self.rankings(**params)
            self.assertEqual(response.status_code, 200, params)
            self.assertIn("errorlist", response.content.decode())

    def test_refused_to_roles_without_scores(self) -> None:
        self.login(Role.INFO_OFFICER, "a")
        self.assertEqual(self.rankings().status_code, 403)
        self.assertEqual(self.client.get(reverse("scoring:rule_list")).status_code, 403)

    def test_rules_page_and_edit(self) -> None:
        self.login(Role.COUNTY_OFFICER, "a")
        html = self.client.get(reverse("scoring:rule_list")).content.decode()
        self.assertIn("迟报扣分", html)
        self.assertIn("默认示例", html)
        self.assertNotIn(reverse("scoring:rule_create"), html)
        self.assertEqual(self.client.get(reverse("scoring:rule_create")).status_code, 403)
        rule = ScoringRule.objects.get(trigger="report_late", is_default=True)
        self.assertEqual(
            self.client.get(reverse("scoring:rule_edit", args=[rule.pk])).status_code, 404
        )

        self.login(Role.CITY_ADMIN, "city")
        url = reverse("scoring:rule_edit", args=[rule.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        data = {
            "name": rule.name,
            "trigger": rule.trigger,
            "points": "-3",
            "applies_to": rule.applies_to,
            "severity_multipliers": '{"1": 3}',
            "region": "",
            "valid_from": "2020-01-01",
            "valid_to": "",
            "source": rule.source,
            "is_active": "on",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content[:2000])
        rule.refresh_from_db()
        self.assertEqual((rule.points, rule.severity_multipliers), (Decimal("-3"), {"1": 3}))
        bad = self.client.post(
            url, {**data, "severity_multipliers": '{"9": 1}', "valid_to": "2019-01-01"}
        )
        self.assertEqual(bad.status_code, 200)
        self.assertIn("errorlist", bad.content.decode())
        new = self.client.post(reverse("scoring:rule_create"), {**data, "name": "重叠的条款"})
        self.assertEqual(new.status_code, 200)  # overlaps the clause just edited
        self.assertIn("有效期重叠", new.content.decode())

    def test_entries_page(self) -> None:
        self.login(Role.VIEWER, "a")
        response = self.client.get(reverse("scoring:entry_list"))
        self.assertContains(response, "测试计分1")
        self.assertNotContains(response, "测试计分2")
        self.assertEqual(
            self.client.get(reverse("scoring:entry_list"), {"date_from": "x"}).status_code, 200
        )
        export = self.client.get(reverse("scoring:entry_list"), {"export": "xlsx"})
        self.assertEqual(export.status_code, 200)

    def test_notices_page_generate_download_issue(self) -> None:
        self.login(Role.CITY_ADMIN, "city")
        self.assertEqual(self.client.get(reverse("scoring:notice_list")).status_code, 200)
        bad = self.client.post(
            reverse("scoring:notice_generate"), {"kind": "month", "year": "2026", "number": "0"}
        )
        self.assertEqual(bad.status_code, 400)
        response = self.client.post(
            reverse("scoring:notice_generate"),
            {"kind": "month", "year": "2026", "number": "3", "issued_by": ""},
        )
        self.assertEqual(response.status_code, 302)
        notice = Notice.objects.get()
        download = self.client.get(reverse("scoring:notice_download", args=[notice.pk]))
        text = "\n".join(
            p.text for p in Document(io.BytesIO(b"".join(download.streaming_content))).paragraphs
        )
        self.assertIn("历下区", text)
        self.client.post(reverse("scoring:notice_issue", args=[notice.pk]))
        notice.refresh_from_db()
        self.assertEqual(notice.status, "issued")
        self.login(Role.COUNTY_OFFICER, "a")
        self.assertEqual(
            self.client.get(reverse("scoring:notice_download", args=[notice.pk])).status_code, 404
        )
        self.assertEqual(
            self.client.post(
                reverse("scoring:notice_generate"), {"kind": "month", "year": "2026", "number": "3"}
            ).status_code,
            403,
        )
