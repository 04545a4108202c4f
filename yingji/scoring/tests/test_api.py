"""The scoring API: the generic permission matrix, rankings, notices, bad input."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from django.test import TestCase, override_settings
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World, build_world
from yingji.geo.models import Region
from yingji.scoring.models import Notice, ScoreEntry, ScoringRule

from .factories import at, make_entry, make_incident, make_report

MEDIA = "/tmp/yingji-test-media-scoring"


class TestScoringRuleAPI(APIViewTestCases.ModelViewTestCase):
    model = ScoringRule
    basename = "api:scoring-rule"
    writer_role = Role.CITY_ADMIN
    writer_where = "city"
    update_data = {"name": "改过的条款", "source": "市应急局2026年评分细则第3条"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> ScoringRule:
        return ScoringRule.objects.create(
            name=f"{region.name}条款{n}",
            trigger="report_late",
            points=Decimal("-3"),
            region=region,
            valid_from=date(2000 + n, 1, 1),
            valid_to=date(2000 + n, 12, 31),
        )

    def create_data(self) -> dict[str, Any]:
        return {
            "name": "终报加分（2030版）",
            "trigger": "final_report",
            "points": "2",
            "applies_to": "unit",
            "region": self.world.city.pk,
            "valid_from": "2030-01-01",
            "severity_multipliers": {"1": 2},
        }

    def test_counties_read_the_city_wide_rules_they_are_scored_by(self) -> None:
        response = self.client_for(self.reader).get(
            self.url("list"), {"citywide": "true", "page_size": 100}
        )
        names = {row["name"] for row in response.json()["results"]}
        self.assertIn("迟报扣分", names)

    def test_only_the_city_admin_writes(self) -> None:
        rule = ScoringRule.objects.get(trigger="report_late", is_default=True)
        for role, where in (
            (Role.COUNTY_OFFICER, "a"),
            (Role.DUTY_OFFICER, "city"),
            (Role.CITY_ADMIN, "b"),
        ):
            response = self.client_for(self.world.user(role, where)).patch(
                self.url("detail", rule.pk), {"points": "-50"}, format="json"
            )
            self.assertIn(response.status_code, {403, 404}, (role, where))
        response = self.client_for(self.writer).patch(
            self.url("detail", rule.pk), {"points": "-4"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        rule.refresh_from_db()
        self.assertEqual(rule.points, Decimal("-4"))

    def test_overlap_is_a_field_error(self) -> None:
        data = {
            **self.create_data(),
            "region": None,
            "trigger": "report_late",
            "valid_from": "2024-01-01",
        }
        response = self.client_for(self.writer).post(self.url("list"), data, format="json")
        body = self.assertErrorShape(response, 400)
        self.assertIn("valid_from", body["fields"])
        data = {**self.create_data(), "valid_to": "2029-01-01"}
        body = self.assertErrorShape(
            self.client_for(self.writer).post(self.url("list"), data, format="json"), 400
        )
        self.assertIn("valid_to", body["fields"])


class TestScoreEntryAPI(APIViewTestCases.ReadOnlyViewTestCase):
    model = ScoreEntry
    basename = "api:scoring-entry"

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> ScoreEntry:
        unit = world.unit_a if region == world.county_a else world.unit_b
        return make_entry(unit, source_id=1000 * (1 if unit == world.unit_a else 2) + n)

    def test_filters(self) -> None:
        client = self.client_for(self.world.user(Role.CITY_ADMIN, "city"))
        ids = self.ids(client.get(self.url("list"), {"region_code": self.world.county_b.code}))
        self.assertEqual(ids, {self.object_b.pk})
        ids = self.ids(client.get(self.url("list"), {"trigger": "report_on_time"}))
        self.assertEqual(ids, set())
        ids = self.ids(
            client.get(self.url("list"), {"date_from": "2026-03-10", "date_to": "2026-03-10"})
        )
        self.assertEqual(len(ids), 4)
        response = client.get(self.url("list"), {"date_from": "yesterday", "trigger": "nope"})
        self.assertErrorShape(response, 400)

    def test_no_writes(self) -> None:
        client = self.client_for(self.world.user(Role.CITY_ADMIN, "city"))
        self.assertEqual(client.post(self.url("list"), {}, format="json").status_code, 405)
        response = client.delete(self.url("detail", self.objects_a[0].pk))
        self.assertEqual(response.status_code, 405)

    def test_quality_bonus(self) -> None:
        incident = make_incident(self.world.unit_a)
        report = make_report(incident)
        url = reverse("api:scoring-entry-quality-bonus")
        county = self.client_for(self.world.user(Role.COUNTY_OFFICER, "a"))
        self.assertEqual(
            county.post(url, {"report": report.pk, "reason": "好"}, format="json").status_code, 403
        )
        admin = self.client_for(self.world.user(Role.CITY_ADMIN, "city"))
        self.assertErrorShape(admin.post(url, {"report": "x", "reason": ""}, format="json"), 400)
        response = admin.post(url, {"report": report.pk, "reason": "分析到位"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()[0]["points"], "2.0")
        self.assertEqual(
            admin.post(url, {"report": report.pk, "reason": "再加"}, format="json").status_code, 200
        )
        self.assertEqual(
            ScoreEntry.objects.filter(trigger="quality_bonus", reverses__isnull=True).count(), 1
        )


@override_settings(MEDIA_ROOT=MEDIA)
class TestNoticeAPI(APIViewTestCases.ReadOnlyViewTestCase):
    model = Notice
    basename = "api:scoring-notice"

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Notice:
        return Notice.objects.create(
            region=region,
            kind="month",
            year=2025,
            number=n % 12 + 1,
            title=f"{region.name}通报{n}",
            issued_by=region.name,
            generated_at=at(2026, 1, 1),
        )

    def test_generate_download_issue(self) -> None:
        make_entry(self.world.unit_a, points="-2", source_id=1, when=at(2026, 3, 5))
        admin = self.client_for(self.world.user(Role.CITY_ADMIN, "city"))
        response = admin.post(
            self.url("list"), {"kind": "month", "year": 2026, "number": 3}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["title"], "关于2026年3月份突发事件信息报送情况的通报")
        self.assertEqual(body["summary"]["criticised"], ["历下区"])
        download = admin.get(body["download_url"])
        self.assertEqual(download.status_code, 200)
        content = b"".join(download.streaming_content)
        doc = Document(io.BytesIO(content))
        self.assertIn("历下区", "\n".join(p.text for p in doc.paragraphs))
        # County A's own user may not read the city's notice (it names every county).
        county = self.client_for(self.world.user(Role.COUNTY_OFFICER, "a"))
        self.assertEqual(county.get(body["download_url"]).status_code, 404)
        issue = reverse("api:scoring-notice-issue", args=[body["id"]])
        self.assertEqual(county.post(issue).status_code, 403)
        self.assertEqual(admin.post(issue).status_code, 200)
        self.assertErrorShape(admin.post(issue), 400)

    def test_generate_bad_input_and_refusals(self) -> None:
        admin = self.client_for(self.world.user(Role.CITY_ADMIN, "city"))
        for data in (
            {"kind": "week", "year": 2026, "number": 1},
            {"kind": "month", "year": "二〇二六", "number": 1},
            {"kind": "month", "year": 2026, "number": 0},
            {"kind": "quarter", "year": 2026, "number": 5},
            {"kind": "month", "year": 2026, "number": 3, "issued_by": "x" * 500},
            {},
        ):
            self.assertErrorShape(admin.post(self.url("list"), data, format="json"), 400)
        response = self.client_for(self.world.user(Role.COUNTY_OFFICER, "a")).post(
            self.url("list"), {"kind": "month", "year": 2026, "number": 3}, format="json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Notice.objects.filter(year=2026).count(), 0)


class TestRankingAPI(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        make_entry(cls.world.unit_a, points="-2", source_id=1)
        make_entry(cls.world.unit_b, points="1", source_id=2, trigger="report_on_time")

    def get(self, user: Any, name: str = "api:scoring-rankings", **params: Any) -> Any:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        query = {"kind": "county", "period": "month", "year": 2026, "number": 3, **params}
        return client.get(reverse(name), query)

    def test_city_sees_all(self) -> None:
        response = self.get(self.world.user(Role.CITY_ADMIN, "city"))
        self.assertEqual(response.status_code, 200, response.content)
        rows = response.json()["results"]
        self.assertEqual(
            [(r["rank"], r["name"], r["points"]) for r in rows],
            [(1, "市中区", "1.0"), (2, "历下区", "-2.0")],
        )
        self.assertEqual(rows[1]["late"], 1)
        self.assertEqual(response.json()["label"], "2026年3月")

    def test_county_b_sees_nothing_of_county_a(self) -> None:
        user = self.world.user(Role.COUNTY_OFFICER, "b")
        rows = self.get(user).json()["results"]
        self.assertEqual([r["name"] for r in rows], ["市中区"])
        sheet = load_workbook(
            io.BytesIO(self.get(user, "api:scoring-rankings-export").content)
        ).active
        cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row}
        self.assertIn("市中区", cells)
        self.assertNotIn("历下区", cells)
        entries = APIClient()
        entries.force_login(user)
        listed = entries.get(reverse("api:scoring-entry-list")).json()["results"]
        self.assertTrue(listed)
        self.assertTrue(all(r["region_name"] == "市中区" for r in listed))

    def test_excel(self) -> None:
        for name in ("api:scoring-rankings-export", "api:scoring-rankings-xlsx"):
            response = self.get(self.world.user(Role.CITY_ADMIN, "city"), name)
            self.assertEqual(response.status_code, 200)
            rows = list(
                load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
            )
            self.assertEqual(rows[0][:4], ("名次", "名称", "所属区划", "得分"))
            self.assertEqual(rows[2][:4], (2, "历下区", "历下区", -2.0))

    def test_bad_input_is_400(self) -> None:
        user = self.world.user(Role.CITY_ADMIN, "city")
        for params in (
            {"kind": "town"},
            {"period": "week"},
            {"year": "abc"},
            {"number": "13"},
            {"number": ""},
            {"year": "1e9"},
            {"kind": ""},
        ):
            for name in ("api:scoring-rankings", "api:scoring-rankings-export"):
                response = self.get(user, name, **params)
                self.assertEqual(response.status_code, 400, (params, response.content[:200]))
                self.assertEqual(set(response.json()), {"code", "message", "fields"})

    def test_refused(self) -> None:
        self.assertIn(self.get(None).status_code, {401, 403})
        self.assertEqual(self.get(self.world.user(Role.INFO_OFFICER, "a")).status_code, 403)
