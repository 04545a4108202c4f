"""The notice (通报) read back with python-docx, and its keeping as a Notice."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings
from docx import Document

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.deadlines.choices import DeadlineStatus, Requirement
from yingji.deadlines.models import Deadline
from yingji.scoring import services
from yingji.scoring.models import Notice
from yingji.scoring.notices import monthly_notice_docx, notice_docx

from .factories import COMPLETE_INITIAL, at, make_incident, make_report

MEDIA = "/tmp/yingji-test-media-scoring"


def sections(content: bytes) -> dict[str, list[str]]:
    """The notice's paragraphs grouped under its numbered headings."""
    doc = Document(io.BytesIO(content))
    out: dict[str, list[str]] = {"head": []}
    current = "head"
    for paragraph in doc.paragraphs:
        text = paragraph.text.strip()
        if text[:2] in ("一、", "二、", "三、", "四、"):
            current = text[2:]
            out[current] = []
        elif text:
            out[current].append(text)
    out["tables"] = [" | ".join(c.text for c in row.cells) for t in doc.tables for row in t.rows]
    return out


def deadline(incident, report, status, late=None):  # type: ignore[no-untyped-def]
    return Deadline.objects.create(
        incident=incident,
        kind=Requirement.FOLLOWUP,
        sequence=1,
        responsible_unit=incident.owner_unit,
        anchor_at=incident.received_at,
        due_at=incident.received_at + timedelta(hours=1),
        status=status,
        met_at=report.submitted_at,
        fulfilled_by=report,
        late_minutes=late,
    )


@override_settings(MEDIA_ROOT=MEDIA)
class TestNotice(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        w = cls.world
        # County A: a follow-up 35 minutes late. County B: on time and complete.
        a = make_incident(w.unit_a, title="经十路燃气泄漏", when=at(2026, 3, 10))
        late_report = make_report(
            a, "followup", sequence=1, when=a.received_at + timedelta(minutes=95)
        )
        services.score_on_deadline(deadline=deadline(a, late_report, DeadlineStatus.LATE, 35))
        b = make_incident(w.unit_b, title="英雄山路积水", when=at(2026, 3, 11))
        initial = make_report(b, **COMPLETE_INITIAL)
        services.score_on_report(report=initial)
        on_time = make_report(b, "followup", sequence=1)
        services.score_on_deadline(deadline=deadline(b, on_time, DeadlineStatus.MET))

    def test_late_county_criticised_clean_county_praised(self) -> None:
        content = monthly_notice_docx(year=2026, month=3, issued_by="济南市人民政府总值班室")
        parts = sections(content)
        self.assertEqual(parts["head"][0], "关于2026年3月份突发事件信息报送情况的通报")
        self.assertIn("全市共接报突发事件2起", "".join(parts["head"]))
        praise = "".join(parts["表扬"])
        criticism = "".join(parts["批评"])
        self.assertIn("市中区", praise)
        self.assertNotIn("历下区", praise)
        self.assertIn("历下区", criticism)
        self.assertIn("经十路燃气泄漏", criticism)
        self.assertIn("续报一迟报35分钟", criticism)
        self.assertNotIn("市中区", criticism)
        table = parts["tables"]
        self.assertTrue(table[0].startswith("名次 | 名称"))
        self.assertIn("1 | 市中区", table[1])
        self.assertIn("2 | 历下区 | 历下区 | -2", table[2])
        self.assertIn("默认评分办法（示例，可修改）", "".join(parts["工作要求"]))

    def test_quiet_month(self) -> None:
        parts = sections(monthly_notice_docx(year=2026, month=5, issued_by="济南市应急管理局"))
        self.assertIn("本期未发现迟报、漏报、瞒报、谎报情况。", parts["批评"])
        self.assertIn("本期没有符合表扬条件的单位。", parts["表扬"])

    def test_generate_keep_and_issue(self) -> None:
        admin = self.world.user(Role.CITY_ADMIN, "city")
        notice = services.notice_generate(
            actor=admin, kind="month", year=2026, number=3, now=at(2026, 4, 2)
        )
        self.assertEqual(notice.status, "draft")
        self.assertEqual(notice.region, self.world.city)
        self.assertEqual(notice.issued_by, "济南市应急管理局")
        self.assertEqual(notice.summary["criticised"], ["历下区"])
        with notice.file.open("rb") as handle:
            self.assertIn("历下区", "".join(sections(handle.read())["批评"]))
        services.notice_issue(actor=admin, notice=notice)
        again = services.notice_generate(actor=admin, kind="month", year=2026, number=3)
        with self.assertRaises(ValidationError):
            services.notice_issue(actor=admin, notice=again)
        self.assertEqual(Notice.objects.filter(status="issued").count(), 1)

    def test_generate_refused_to_counties_and_bad_periods(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.notice_generate(
                actor=self.world.user(Role.COUNTY_OFFICER, "a"), kind="month", year=2026, number=3
            )
        with self.assertRaises(ValidationError):
            services.notice_generate(
                actor=self.world.user(Role.CITY_ADMIN, "city"), kind="month", year=2026, number=0
            )
        self.assertFalse(Notice.objects.exists())

    def test_quarter_title(self) -> None:
        content, summary = notice_docx(
            kind="quarter", year=2026, number=1, issued_by="济南市应急管理局"
        )
        doc = Document(io.BytesIO(content))
        self.assertEqual(doc.paragraphs[0].text, "关于2026年第一季度突发事件信息报送情况的通报")
        self.assertEqual(summary["praised"], ["市中区"])
