"""The Word documents, opened with python-docx and read back."""

from __future__ import annotations

import io
from datetime import timedelta

from django.test import TestCase
from django.utils import timezone
from docx import Document

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.incidents import documents, services
from yingji.incidents.choices import Severity

from .factories import payload


def text_of(content: bytes) -> tuple[str, list[list[str]]]:
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[cell.text for row in table.rows for cell in row.cells] for table in doc.tables]
    return text, tables


class DocumentTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.officer = cls.world.user(Role.COUNTY_OFFICER, "a")
        start = timezone.now() - timedelta(hours=5)
        cls.incident, _ = services.incident_report(
            actor=cls.officer,
            data=payload(
                title="历下区某小区燃气爆炸",
                incident_type="12D01",
                severity=Severity.LARGER,
                deaths=1,
                injuries=5,
                address="历下区测试小区 3 号楼",
                scope_of_impact="周边 200 米封控",
                measures_taken="消防救援到场，疏散群众 300 人",
                occurred_at=start - timedelta(minutes=20),
            ),
            now=start,
        )
        cls.followup, _ = services.report_submit(
            actor=cls.officer,
            incident=cls.incident,
            data={
                "kind": "followup",
                "body": "搜救出被困人员 2 名",
                "deaths": 3,
                "trend": "火势已控制",
            },
            now=start + timedelta(hours=1),
        )
        services.report_sign_off(
            actor=cls.officer, report=cls.followup, name="王区长", now=start + timedelta(hours=1)
        )
        services.report_submit(
            actor=cls.officer,
            incident=cls.incident,
            data={"kind": "followup", "mode": "phone", "body": "清理现场"},
            now=start + timedelta(hours=2),
        )
        services.report_submit(
            actor=cls.officer,
            incident=cls.incident,
            data={"kind": "final", "body": "处置结束，转入善后", "serious_injuries": 2},
            now=start + timedelta(hours=4),
        )
        cls.incident.refresh_from_db()

    def test_special_report_lists_the_chain_in_order(self) -> None:
        text, tables = text_of(documents.special_report_docx(self.incident))
        self.assertIn("信息专报", text)
        self.assertIn("历下区某小区燃气爆炸", text)
        order = [
            text.index(h)
            for h in (
                "首报（电话报告）",
                "续报一（书面报告）",
                "续报二（电话报告）",
                "终报（书面报告）",
            )
        ]
        self.assertEqual(order, sorted(order))
        self.assertIn("搜救出被困人员 2 名", text)
        self.assertIn("处置结束，转入善后", text)
        self.assertIn("王区长", text)
        self.assertIn(self.incident.number, text)
        casualties = tables[0]
        self.assertEqual(casualties[:2], ["死亡（人）", "重伤（人）"])
        self.assertEqual(casualties[6:8], ["3", "2"])  # the latest figures

    def test_provincial_report_has_the_standard_fields(self) -> None:
        text, tables = text_of(documents.provincial_report_docx(self.incident))
        for label in (
            "突发事件信息报告",
            "报告单位：历下区应急管理局",
            "接报时间：",
            "信息来源：电话报告",
            "事发时间：",
            "事发地点：历下区测试小区 3 号楼",
            "事件性质：",
            "影响范围：周边 200 米封控",
            "发展趋势：火势已控制",
            "已采取措施：消防救援到场，疏散群众 300 人",
            "事件级别：较大（Ⅲ级）",
            "签发：王区长",
        ):
            self.assertIn(label, text)
        self.assertEqual(tables[0][6], "3")
        self.assertIn("已报送：首报（电话报告）、续报一（书面报告）", text)

    def test_unsigned_report_leaves_a_blank(self) -> None:
        incident, _ = services.incident_report(actor=self.officer, data=payload())
        text, _ = text_of(documents.provincial_report_docx(incident))
        self.assertIn("签发：________", text)
