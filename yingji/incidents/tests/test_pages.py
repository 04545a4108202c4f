"""The incident pages with the Django test client: who sees what, forms, board changes."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.incidents import services
from yingji.incidents.choices import IncidentStatus, Severity
from yingji.incidents.models import Attachment, Incident, Report

from .factories import IN_COUNTY_A, IN_COUNTY_B, payload

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


class PageTestBase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")
        cls.officer_b = cls.world.user(Role.COUNTY_OFFICER, "b")
        cls.duty = cls.world.user(Role.DUTY_OFFICER, "city")
        cls.info_a = cls.world.user(Role.INFO_OFFICER, "a")
        cls.viewer_a = cls.world.user(Role.VIEWER, "a")
        cls.incident_a, _ = services.incident_report(
            actor=cls.officer_a, data=payload(title="历下区燃气泄漏测试", deaths=1)
        )
        cls.incident_b, _ = services.incident_report(
            actor=cls.officer_b,
            data=payload(title="市中区道路塌陷测试", lon=IN_COUNTY_B[0], lat=IN_COUNTY_B[1]),
        )
        cls.attachment_b = services.attachment_add(
            actor=cls.officer_b,
            incident=cls.incident_b,
            upload=SimpleUploadedFile("b.jpg", JPEG, content_type="image/jpeg"),
        )

    def login(self, user: Any) -> None:
        self.client.force_login(user)


class AnonymousTests(PageTestBase):
    def test_every_page_sends_anonymous_to_login(self) -> None:
        pk = self.incident_a.pk
        urls = [
            reverse("incidents:list"),
            reverse("incidents:board"),
            reverse("incidents:board_changes") + "?since=0.0",
            reverse("incidents:report_new"),
            reverse("incidents:report_done", args=[pk]),
            reverse("incidents:detail", args=[pk]),
            reverse("incidents:document", args=[pk, "special"]),
            reverse("incidents:attachment_file", args=[self.attachment_b.pk]),
            reverse("incidents:notifications"),
            reverse("duty:log"),
        ]
        for url in urls:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"], url)
        for name in ("report_submit", "set_status", "set_severity", "merge", "attachment_upload"):
            response = self.client.post(reverse(f"incidents:{name}", args=[pk]), {})
            self.assertEqual(response.status_code, 302, name)


class RenderTests(PageTestBase):
    def test_pages_render_for_the_roles_that_use_them(self) -> None:
        pk = self.incident_a.pk
        cases = {
            self.duty: ["list", "board", "report_new", "notifications"],
            self.officer_a: ["list", "board", "report_new", "notifications"],
            self.info_a: ["report_new"],
            self.viewer_a: ["list", "board", "notifications"],
        }
        for user, names in cases.items():
            self.login(user)
            for name in names:
                response = self.client.get(reverse(f"incidents:{name}"))
                self.assertEqual(response.status_code, 200, f"{user.username} {name}")
            response = self.client.get(reverse("incidents:detail", args=[pk]))
            self.assertEqual(response.status_code, 200, user.username)
            self.assertContains(response, "历下区燃气泄漏测试")
            self.assertContains(response, self.incident_a.number)

    def test_viewer_cannot_open_the_report_form(self) -> None:
        self.login(self.viewer_a)
        self.assertEqual(self.client.get(reverse("incidents:report_new")).status_code, 403)

    def test_detail_shows_actions_by_role(self) -> None:
        url = reverse("incidents:detail", args=[self.incident_a.pk])
        self.login(self.officer_a)
        page = self.client.get(url).content.decode()
        self.assertIn('data-panel="report"', page)
        self.assertIn('data-panel="status"', page)
        self.login(self.viewer_a)
        page = self.client.get(url).content.decode()
        self.assertNotIn('data-panel="report"', page)
        self.assertNotIn('data-panel="status"', page)

    def test_documents_download_as_word(self) -> None:
        self.login(self.officer_a)
        for kind in ("special", "provincial"):
            response = self.client.get(
                reverse("incidents:document", args=[self.incident_a.pk, kind])
            )
            self.assertEqual(response.status_code, 200, kind)
            self.assertIn("wordprocessingml", response["Content-Type"])
            from docx import Document

            text = "\n".join(p.text for p in Document(io.BytesIO(b"".join(response))).paragraphs)
            self.assertIn("历下区燃气泄漏测试", text)
        response = self.client.get(reverse("incidents:document", args=[self.incident_a.pk, "x"]))
        self.assertEqual(response.status_code, 404)


class ScopeTests(PageTestBase):
    """A county user never sees another county's incidents, anywhere."""

    def test_detail_and_actions_of_another_county_are_not_found(self) -> None:
        self.login(self.officer_a)
        pk = self.incident_b.pk
        for name in ("detail", "report_done"):
            self.assertEqual(
                self.client.get(reverse(f"incidents:{name}", args=[pk])).status_code, 404
            )
        for kind in ("special", "provincial"):
            url = reverse("incidents:document", args=[pk, kind])
            self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.get(
            reverse("incidents:attachment_file", args=[self.attachment_b.pk])
        )
        self.assertEqual(response.status_code, 404)
        for name in ("report_submit", "set_status", "set_severity", "set_liaison", "merge"):
            response = self.client.post(
                reverse(f"incidents:{name}", args=[pk]), {"status": "closed"}
            )
            self.assertEqual(response.status_code, 404, name)
        upload = SimpleUploadedFile("x.jpg", JPEG, content_type="image/jpeg")
        response = self.client.post(
            reverse("incidents:attachment_upload", args=[pk]), {"file": upload}
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Attachment.objects.filter(incident=self.incident_b).count(), 1)
        self.assertEqual(self.incident_b.reports.count(), 1)

    def test_lists_board_map_and_export_hold_only_own_county(self) -> None:
        self.login(self.officer_a)
        for name in ("list", "board"):
            page = self.client.get(reverse(f"incidents:{name}")).content.decode()
            self.assertIn("历下区燃气泄漏测试", page, name)
            self.assertNotIn("市中区道路塌陷测试", page, name)
            self.assertNotIn(self.incident_b.number, page, name)
        # The board's map points (json_script) and its change feed.
        board = self.client.get(reverse("incidents:board"))
        self.assertNotIn(f'"id": {self.incident_b.pk},', board.content.decode())
        changes = self.client.get(reverse("incidents:board_changes"), {"since": "0.0"}).json()
        ids = {row["id"] for row in changes["rows"]}
        self.assertIn(self.incident_a.pk, ids)
        self.assertNotIn(self.incident_b.pk, ids)
        self.assertNotIn(self.incident_b.pk, changes["removed"])
        self.assertNotIn("市中区道路塌陷测试", json.dumps(changes, ensure_ascii=False))
        # The Excel export.
        response = self.client.get(reverse("incidents:list"), {"export": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        titles = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(titles, {"历下区燃气泄漏测试"})

    def test_city_duty_officer_sees_both_counties(self) -> None:
        self.login(self.duty)
        page = self.client.get(reverse("incidents:board")).content.decode()
        self.assertIn("历下区燃气泄漏测试", page)
        self.assertIn("市中区道路塌陷测试", page)
        response = self.client.get(
            reverse("incidents:attachment_file", args=[self.attachment_b.pk])
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), JPEG)


class BoardTests(PageTestBase):
    def test_board_filters_by_level_type_region_and_status(self) -> None:
        self.login(self.duty)
        url = reverse("incidents:board")
        self.assertNotContains(
            self.client.get(url, {"region_code": "370102"}), "市中区道路塌陷测试"
        )
        self.assertContains(self.client.get(url, {"region_code": "370103"}), "市中区道路塌陷测试")
        self.assertNotContains(self.client.get(url, {"severity": "1"}), "历下区燃气泄漏测试")
        self.assertContains(self.client.get(url, {"severity": "4"}), "历下区燃气泄漏测试")
        self.assertContains(self.client.get(url, {"type": "11000"}), "历下区燃气泄漏测试")
        self.assertNotContains(self.client.get(url, {"type": "12000"}), "历下区燃气泄漏测试")
        self.assertNotContains(self.client.get(url, {"status": "responding"}), "历下区燃气泄漏测试")

    def test_closed_incidents_are_off_the_board(self) -> None:
        services.incident_set_status(
            actor=self.officer_a, incident=self.incident_a, status=IncidentStatus.CLOSED
        )
        self.login(self.duty)
        self.assertNotContains(self.client.get(reverse("incidents:board")), "历下区燃气泄漏测试")

    def test_changes_answer_304_when_nothing_changed_and_rows_when_something_did(self) -> None:
        self.login(self.duty)
        url = reverse("incidents:board_changes")
        first = self.client.get(url, {"since": "0.0"})
        self.assertEqual(first.status_code, 200)
        token, etag = first.json()["token"], first["ETag"]
        again = self.client.get(url, {"since": token}, HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(again.status_code, 304)
        # A new report: the next poll carries it, marked new, and nothing else.
        incident, _ = services.incident_report(actor=self.officer_a, data=payload(title="新的接报"))
        changed = self.client.get(url, {"since": token}, HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(changed.status_code, 200)
        body = changed.json()
        self.assertEqual([row["id"] for row in body["rows"]], [incident.pk])
        self.assertEqual(body["new"], [incident.pk])
        self.assertIn("新的接报", body["rows"][0]["html"])
        self.assertEqual(body["rows"][0]["point"]["severity"], Severity.GENERAL)
        # Closing it takes it off the board.
        services.incident_set_status(
            actor=self.officer_a, incident=incident, status=IncidentStatus.CLOSED
        )
        body = self.client.get(url, {"since": body["token"]}).json()
        self.assertEqual(body["removed"], [incident.pk])
        self.assertEqual(body["rows"], [])

    def test_changes_with_a_bad_token_ask_for_a_reload(self) -> None:
        self.login(self.duty)
        for since in ("", "x", "1", "a.b", "1.2.3x"):
            response = self.client.get(reverse("incidents:board_changes"), {"since": since})
            self.assertEqual(response.status_code, 200, since)
            self.assertTrue(response.json().get("reload"), since)

    def test_board_queries_do_not_grow_with_rows(self) -> None:
        for n in range(5):
            services.incident_report(actor=self.officer_a, data=payload(title=f"批量{n}"))
        self.login(self.duty)
        self.client.get(reverse("incidents:board"))  # warm caches (sessions, content types)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            self.client.get(reverse("incidents:board"))
        for n in range(10):
            services.incident_report(actor=self.officer_a, data=payload(title=f"更多{n}"))
        with CaptureQueriesContext(connection) as more:
            self.client.get(reverse("incidents:board"))
        self.assertEqual(len(few.captured_queries), len(more.captured_queries))


class ReportFormTests(PageTestBase):
    def post(self, user: Any, data: dict[str, Any], json_: bool = True) -> Any:
        self.login(user)
        headers = {"HTTP_ACCEPT": "application/json"} if json_ else {}
        return self.client.post(reverse("incidents:report_new"), data, **headers)

    def form_data(self, **extra: Any) -> dict[str, Any]:
        data = {
            "idempotency_key": "page-key-1",
            "incident_type": "11A02",
            "title": "解放路积水",
            "description": "积水 40 厘米",
            "deaths": "0",
            "injuries": "2",
            "missing": "0",
            "trapped": "1",
            "lon": str(IN_COUNTY_A[0]),
            "lat": str(IN_COUNTY_A[1]),
            "address": "解放路 1 号",
        }
        data.update(extra)
        return data

    def test_officer_reports_and_a_repeated_tap_makes_one_record(self) -> None:
        before = Incident.objects.count()
        first = self.post(self.info_a, self.form_data())
        self.assertEqual(first.status_code, 201, first.content)
        body = first.json()
        incident = Incident.objects.get(pk=body["id"])
        self.assertEqual(body["number"], incident.number)
        self.assertEqual(incident.source_channel, "info_officer")
        self.assertEqual((incident.injuries, incident.trapped), (2, 1))
        again = self.post(self.info_a, self.form_data())
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["id"], incident.pk)
        self.assertEqual(Incident.objects.count(), before + 1)
        done = self.client.get(body["done_url"])
        self.assertContains(done, incident.number)

    def test_field_errors_come_back_in_chinese_next_to_the_fields(self) -> None:
        before = Incident.objects.count()
        response = self.post(
            self.info_a,
            self.form_data(title="", incident_type="99999", deaths="-1", lon="", lat=""),
        )
        self.assertEqual(response.status_code, 400)
        fields = response.json()["fields"]
        self.assertIn("title", fields)
        self.assertIn("deaths", fields)
        # Form-level errors first; the service's own checks (type, place) on a clean form.
        response = self.post(self.info_a, self.form_data(incident_type="99999"))
        fields = response.json()["fields"]
        self.assertEqual(set(fields), {"incident_type"}, fields)
        self.assertIn("对象不存在", fields["incident_type"][0])
        response = self.post(self.info_a, self.form_data(lon="", lat=""))
        fields = response.json()["fields"]
        self.assertEqual(set(fields), {"location"}, fields)
        self.assertIn("标注事发位置", fields["location"][0])
        # Another county's point: refused, with the reason.
        response = self.post(
            self.officer_a,
            self.form_data(
                lon=str(IN_COUNTY_B[0]), lat=str(IN_COUNTY_B[1]), source_channel="written"
            ),
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("不在您的辖区内", response.json()["fields"]["location"][0])
        self.assertEqual(Incident.objects.count(), before)

    def test_without_script_the_form_rerenders_with_errors_then_redirects(self) -> None:
        response = self.post(self.duty, self.form_data(title=""), json_=False)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请填写标题", status_code=400)
        photo = SimpleUploadedFile("p.jpg", JPEG, content_type="image/jpeg")
        response = self.post(
            self.duty,
            self.form_data(idempotency_key="desk-1", source_channel="phone", photos=photo),
            json_=False,
        )
        self.assertEqual(response.status_code, 302)
        incident = Incident.objects.get(idempotency_key="desk-1")
        self.assertEqual(incident.attachments.count(), 1)
        self.assertEqual(incident.source_channel, "phone")

    def test_photo_upload_endpoint(self) -> None:
        body = self.post(self.info_a, self.form_data(idempotency_key="photo-1")).json()
        upload = SimpleUploadedFile("scene.jpg", JPEG, content_type="image/jpeg")
        response = self.client.post(body["upload_url"], {"file": upload})
        self.assertEqual(response.status_code, 201, response.content)
        bad = SimpleUploadedFile("evil.jpg", b"MZ not an image", content_type="image/jpeg")
        response = self.client.post(body["upload_url"], {"file": bad})
        self.assertEqual(response.status_code, 400)
        self.assertIn("不支持的文件类型", response.json()["message"])
        response = self.client.post(body["upload_url"], {})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Attachment.objects.filter(incident_id=body["id"]).count(), 1)


class DetailActionTests(PageTestBase):
    def test_follow_up_report_through_the_page(self) -> None:
        self.login(self.officer_a)
        url = reverse("incidents:report_submit", args=[self.incident_a.pk])
        response = self.client.post(
            url,
            {
                "kind": "followup",
                "mode": "written",
                "body": "已疏散周边群众",
                "idempotency_key": "f1",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.client.post(
            url,
            {
                "kind": "followup",
                "mode": "written",
                "body": "已疏散周边群众",
                "idempotency_key": "f1",
            },
        )
        self.assertEqual(self.incident_a.reports.filter(kind="followup").count(), 1)
        page = self.client.get(reverse("incidents:detail", args=[self.incident_a.pk]))
        self.assertContains(page, "续报一")
        # An empty report: the service's message next to the form, nothing saved.
        response = self.client.post(url, {"kind": "followup", "mode": "written"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "报告内容不能为空", status_code=400)

    def test_report_on_a_false_incident_is_refused_with_a_message(self) -> None:
        services.incident_set_status(
            actor=self.officer_a,
            incident=self.incident_a,
            status=IncidentStatus.FALSE_REPORT,
            reason="核实为谣言",
        )
        self.login(self.officer_a)
        response = self.client.post(
            reverse("incidents:report_submit", args=[self.incident_a.pk]),
            {"kind": "followup", "mode": "written", "body": "补充"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "不再接收报告", status_code=400)
        self.assertEqual(Report.objects.filter(incident=self.incident_a).count(), 1)

    def test_status_severity_liaison_and_sign_off(self) -> None:
        self.login(self.officer_a)
        pk = self.incident_a.pk
        r = self.client.post(reverse("incidents:set_status", args=[pk]), {"status": "verifying"})
        self.assertEqual(r.status_code, 302)
        r = self.client.post(reverse("incidents:set_severity", args=[pk]), {"severity": "3"})
        self.assertContains(r, "必须说明理由", status_code=400)
        r = self.client.post(
            reverse("incidents:set_severity", args=[pk]), {"severity": "3", "reason": "伤亡增加"}
        )
        self.assertEqual(r.status_code, 302)
        page = self.client.get(reverse("incidents:detail", args=[pk]))
        self.assertContains(page, "data-liaison-prompt")
        r = self.client.post(
            reverse("incidents:set_liaison", args=[pk]), {"name": "张三", "phone": "13800000000"}
        )
        self.assertEqual(r.status_code, 302)
        self.assertNotContains(
            self.client.get(reverse("incidents:detail", args=[pk])), "data-liaison-prompt"
        )
        report = self.incident_a.reports.get()
        r = self.client.post(reverse("incidents:sign_off", args=[report.pk]), {"name": "李局长"})
        self.assertEqual(r.status_code, 302)
        report.refresh_from_db()
        self.assertEqual(report.signed_off_by, "李局长")
        self.incident_a.refresh_from_db()
        self.assertEqual(
            (self.incident_a.status, self.incident_a.severity), ("verifying", Severity.LARGER)
        )

    def test_merge_into_another_incident(self) -> None:
        other, _ = services.incident_report(actor=self.officer_a, data=payload(title="同一处积水"))
        self.login(self.officer_a)
        # The same place, type and time: offered for merging on the page.
        page = self.client.get(reverse("incidents:detail", args=[other.pk]))
        self.assertContains(page, f'data-duplicate="{self.incident_a.pk}"')
        self.assertNotContains(page, f'data-duplicate="{self.incident_b.pk}"')
        r = self.client.post(
            reverse("incidents:merge", args=[other.pk]), {"target": self.incident_a.pk}
        )
        self.assertEqual(r.status_code, 302)
        other.refresh_from_db()
        self.assertEqual((other.status, other.merged_into_id), ("merged", self.incident_a.pk))
        # Into another county's incident: not found, as if it did not exist.
        third, _ = services.incident_report(actor=self.officer_a, data=payload(title="第三起"))
        r = self.client.post(
            reverse("incidents:merge", args=[third.pk]), {"target": self.incident_b.pk}
        )
        self.assertContains(r, "对象不存在", status_code=400)


class NotificationPageTests(PageTestBase):
    def test_escalation_notice_is_listed_and_marked_read(self) -> None:
        incident, _ = services.incident_report(
            actor=self.officer_a,
            data=payload(title="较大事故", severity=Severity.LARGER),
            now=timezone.now() - timedelta(minutes=1),
        )
        self.login(self.duty)
        page = self.client.get(reverse("incidents:notifications"))
        self.assertContains(page, "较大事故")
        notice = self.duty.incident_notifications.get(incident=incident)
        r = self.client.post(reverse("incidents:notifications"), {"id": notice.pk})
        self.assertEqual(r.status_code, 302)
        notice.refresh_from_db()
        self.assertIsNotNone(notice.read_at)
        self.login(self.officer_b)
        self.assertEqual(
            self.client.post(reverse("incidents:notifications"), {"id": notice.pk}).status_code, 404
        )
