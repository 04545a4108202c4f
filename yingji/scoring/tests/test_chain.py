"""The whole chain through the real services: intake, follow-ups (one late), final report,
deadlines marked by the deadlines app, points by the default rules, and the notice."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django.test import TestCase, override_settings
from django.utils import timezone
from docx import Document

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.deadlines.choices import DeadlineStatus, Requirement
from yingji.deadlines.loader import load_default_rules
from yingji.deadlines.models import Deadline, DeadlineRule
from yingji.geo.models import Region
from yingji.incidents import services as incidents
from yingji.scoring.models import ScoreEntry, ScoringRule
from yingji.scoring.notices import monthly_notice_docx
from yingji.scoring.selectors import rankings

from .factories import COMPLETE_INITIAL, at

IN_COUNTY_A = (116.95, 36.65)
MEDIA = "/tmp/yingji-test-media-scoring"


@override_settings(MEDIA_ROOT=MEDIA)
class TestChain(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        # The time limits are loaded into the city once its region exists (as the demo does).
        load_default_rules(rule_model=DeadlineRule, region_model=Region)
        cls.officer = cls.world.user(Role.COUNTY_OFFICER, "a")

    def submit(self, incident, kind, when, **fields):  # type: ignore[no-untyped-def]
        with self.captureOnCommitCallbacks(execute=True):
            report, _ = incidents.report_submit(
                actor=self.officer,
                incident=incident,
                now=when,
                data={"kind": kind, "mode": "written", "body": f"{kind} 进展", **fields},
            )
        return report

    def test_late_follow_up_costs_the_county_and_lands_in_the_notice(self) -> None:
        t0 = at(2026, 3, 10, 9, 0)
        with self.captureOnCommitCallbacks(execute=True):
            incident, created = incidents.incident_report(
                actor=self.officer,
                now=t0,
                data={
                    "title": "历下区经十路燃气管道泄漏",
                    "incident_type": "11B03",
                    "occurred_at": t0 - timedelta(minutes=10),
                    "lon": IN_COUNTY_A[0],
                    "lat": IN_COUNTY_A[1],
                    "source_channel": "written",
                    "severity": 3,  # 较大: follow-ups are due every two hours
                    **COMPLETE_INITIAL,
                },
            )
        self.assertTrue(created)
        self.assertEqual(incident.region, self.world.county_a)
        followups = Deadline.objects.filter(incident=incident, kind=Requirement.FOLLOWUP)
        first_due = followups.get(sequence=1).due_at
        self.submit(incident, "followup", first_due - timedelta(minutes=5))
        second_due = followups.get(sequence=2).due_at
        self.submit(incident, "followup", second_due + timedelta(minutes=47))
        self.submit(incident, "final", second_due + timedelta(hours=2))

        late = followups.get(sequence=2)
        self.assertEqual(late.status, DeadlineStatus.LATE)
        self.assertEqual(followups.get(sequence=1).status, DeadlineStatus.MET)
        entry = ScoreEntry.objects.get(source_kind="deadline", source_id=late.pk)
        rule = ScoringRule.objects.get(trigger="report_late", is_default=True)
        multiplier = Decimal(str(rule.severity_multipliers["3"]))
        self.assertEqual(entry.points, rule.points * multiplier)  # the rule's points, 较大 rate
        self.assertEqual(entry.unit, self.world.unit_a)
        self.assertIn("续报二迟报47分钟", entry.reason)
        self.assertTrue(
            ScoreEntry.objects.filter(trigger="report_complete", incident=incident).exists()
        )
        self.assertTrue(
            ScoreEntry.objects.filter(trigger="final_report", incident=incident).exists()
        )

        # Replaying every hook changes nothing.
        from yingji.scoring import services

        before = ScoreEntry.objects.count()
        for deadline in Deadline.objects.filter(incident=incident):
            services.score_on_deadline(deadline=deadline)
        for report in incident.reports.all():
            services.score_on_report(report=report)
        self.assertEqual(ScoreEntry.objects.count(), before)

        expected = sum(
            (
                e.points
                for e in ScoreEntry.objects.filter(unit=self.world.unit_a, counts_for_unit=True)
            ),
            Decimal(0),
        )
        rows = rankings(
            user=self.world.user(Role.CITY_ADMIN, "city"),
            kind="county",
            period="month",
            year=2026,
            number=3,
        )
        row = next(r for r in rows if r.name == "历下区")
        self.assertEqual(row.points, expected)
        self.assertGreaterEqual(row.late, 1)

        content = monthly_notice_docx(
            year=2026, month=3, issued_by="济南市人民政府总值班室", now=timezone.now()
        )
        text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
        criticism = text.split("二、批评")[1].split("三、")[0]
        self.assertIn("历下区", criticism)
        self.assertIn("续报二迟报47分钟", criticism)
