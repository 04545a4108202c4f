"""The scoring hooks: points as the rules say, versioning, idempotency, reversals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.test import TestCase

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.deadlines.choices import DeadlineStatus, FindingKind, FindingStatus, Requirement
from yingji.deadlines.models import Deadline, Finding
from yingji.scoring import services
from yingji.scoring.models import ScoreEntry, ScoringRule

from .factories import COMPLETE_INITIAL, at, make_incident, make_report, make_rule


def total(**filters: object) -> Decimal:
    return ScoreEntry.objects.filter(**filters).aggregate(s=Sum("points"))["s"] or Decimal(0)


class ScoringCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        # Tests state their own rules; the shipped defaults are switched off here.
        ScoringRule.objects.update(is_active=False)
        cls.on_time = make_rule(
            name="按时", trigger="report_on_time", points=Decimal("1"), applies_to="both"
        )
        cls.late = make_rule(
            name="迟报",
            trigger="report_late",
            points=Decimal("-2"),
            applies_to="both",
            severity_multipliers={"3": 1.5, "2": 2},
        )
        cls.missed = make_rule(name="漏报", trigger="report_missed", points=Decimal("-5"))
        cls.concealed = make_rule(name="瞒报", trigger="report_concealed", points=Decimal("-10"))
        cls.complete = make_rule(name="要素齐全", trigger="report_complete", points=Decimal("1"))
        cls.final = make_rule(name="终报", trigger="final_report", points=Decimal("1"))
        cls.officer = cls.world.user(Role.INFO_OFFICER, "a")

    def deadline(
        self,
        incident,
        *,
        status,
        kind=Requirement.FOLLOWUP,
        sequence=1,
        late_minutes=None,
        report=None,
        due=None,
    ):  # type: ignore[no-untyped-def]
        due = due or incident.received_at + timedelta(hours=1)
        return Deadline.objects.create(
            incident=incident,
            kind=kind,
            sequence=sequence,
            responsible_unit=incident.owner_unit,
            anchor_at=incident.received_at,
            due_at=due,
            status=status,
            met_at=report.submitted_at if report is not None else None,
            fulfilled_by=report,
            late_minutes=late_minutes,
        )


class TestDeadlines(ScoringCase):
    def test_late_follow_up_costs_the_county_the_rule_points(self) -> None:
        incident = make_incident(self.world.unit_a)
        report = make_report(
            incident,
            "followup",
            sequence=1,
            user=self.officer,
            when=incident.received_at + timedelta(hours=1, minutes=35),
        )
        deadline = self.deadline(
            incident, status=DeadlineStatus.LATE, late_minutes=35, report=report
        )
        entries = services.score_on_deadline(deadline=deadline)
        self.assertEqual(len(entries), 1)
        entry = entries[0]
        self.assertEqual(entry.points, Decimal("-2"))
        self.assertEqual(entry.unit, self.world.unit_a)
        self.assertEqual(entry.region, self.world.county_a)
        self.assertEqual(entry.reported_by, self.officer)
        self.assertTrue(entry.counts_for_officer)
        self.assertEqual(entry.late_minutes, 35)
        self.assertIn("续报一迟报35分钟", entry.reason)
        self.assertIn(incident.title, entry.reason)

    def test_met_deadline_earns_on_time_points(self) -> None:
        incident = make_incident(self.world.unit_b)
        report = make_report(incident, "followup", sequence=1)
        deadline = self.deadline(incident, status=DeadlineStatus.MET, report=report)
        services.score_on_deadline(deadline=deadline)
        self.assertEqual(total(unit=self.world.unit_b), Decimal("1"))
        # No submitter: the officer part of a "both" clause is not given to anyone.
        self.assertFalse(ScoreEntry.objects.get().counts_for_officer)

    def test_pending_deadline_scores_nothing(self) -> None:
        incident = make_incident(self.world.unit_a)
        deadline = self.deadline(incident, status=DeadlineStatus.PENDING)
        self.assertEqual(services.score_on_deadline(deadline=deadline), [])
        self.assertFalse(ScoreEntry.objects.exists())

    def test_severity_multiplier(self) -> None:
        incident = make_incident(self.world.unit_a, severity=3)
        deadline = self.deadline(incident, status=DeadlineStatus.LATE, late_minutes=10)
        services.score_on_deadline(deadline=deadline)
        entry = ScoreEntry.objects.get()
        self.assertEqual(entry.multiplier, Decimal("1.5"))
        self.assertEqual(entry.points, Decimal("-3.0"))

    def test_replays_never_double_count(self) -> None:
        incident = make_incident(self.world.unit_a)
        deadline = self.deadline(incident, status=DeadlineStatus.LATE, late_minutes=5)
        services.score_on_deadline(deadline=deadline)
        for _ in range(3):
            self.assertEqual(services.score_on_deadline(deadline=deadline), [])
        self.assertEqual(ScoreEntry.objects.count(), 1)
        self.assertEqual(total(), Decimal("-2"))

    def test_late_then_met_reverses_and_credits(self) -> None:
        """The check ran before a report dated in time was entered: late becomes met."""
        incident = make_incident(self.world.unit_a)
        deadline = self.deadline(incident, status=DeadlineStatus.LATE)
        services.score_on_deadline(deadline=deadline)
        deadline.status = DeadlineStatus.MET
        deadline.fulfilled_by = make_report(incident, "followup", sequence=1)
        deadline.met_at = deadline.fulfilled_by.submitted_at
        deadline.save()
        services.score_on_deadline(deadline=deadline)
        self.assertEqual(ScoreEntry.objects.count(), 3)  # late, its reversal, on time
        self.assertEqual(total(), Decimal("1"))
        reversal = ScoreEntry.objects.get(reverses__isnull=False)
        self.assertEqual(reversal.points, Decimal("2"))
        self.assertEqual(reversal.occurred_at, reversal.reverses.occurred_at)

    def test_overdue_without_report_then_late_report_moves_the_officer_share(self) -> None:
        incident = make_incident(self.world.unit_a)
        deadline = self.deadline(incident, status=DeadlineStatus.LATE)
        services.score_on_deadline(deadline=deadline)
        first = ScoreEntry.objects.get()
        self.assertIn("逾期未报", first.reason)
        self.assertIsNone(first.reported_by)
        report = make_report(
            incident,
            "followup",
            sequence=1,
            user=self.officer,
            when=deadline.due_at + timedelta(minutes=50),
        )
        deadline.fulfilled_by, deadline.met_at, deadline.late_minutes = (
            report,
            report.submitted_at,
            50,
        )
        deadline.save()
        services.score_on_deadline(deadline=deadline)
        # The unit still loses 2 once; the officer now carries the share too.
        self.assertEqual(total(counts_for_unit=True), Decimal("-2"))
        self.assertEqual(total(reported_by=self.officer, counts_for_officer=True), Decimal("-2"))
        current = ScoreEntry.objects.filter(reverses__isnull=True, reversed_by__isnull=True).get()
        self.assertIn("迟报50分钟", current.reason)

    def test_dismissed_late_finding_gives_the_points_back(self) -> None:
        incident = make_incident(self.world.unit_a)
        deadline = self.deadline(incident, status=DeadlineStatus.LATE, late_minutes=20)
        finding = Finding.objects.create(
            incident=incident,
            unit=self.world.unit_a,
            kind=FindingKind.LATE,
            status=FindingStatus.CONFIRMED,
            deadline=deadline,
        )
        services.score_on_finding(finding=finding)
        self.assertEqual(total(), Decimal("-2"))
        services.score_on_finding(finding=finding)  # a replay: still one deduction
        self.assertEqual(ScoreEntry.objects.count(), 1)
        finding.status = FindingStatus.DISMISSED
        finding.save()
        services.score_on_finding(finding=finding)
        self.assertEqual(total(), Decimal("0"))
        self.assertEqual(ScoreEntry.objects.count(), 2)


class TestFindings(ScoringCase):
    def finding(self, kind: str, status: str) -> Finding:
        incident = make_incident(self.world.unit_a, title="某化工厂泄漏")
        return Finding.objects.create(
            incident=incident,
            unit=self.world.unit_a,
            kind=kind,
            status=status,
            reasons="媒体先于区应急局报道",
            decided_at=at(2026, 3, 12),
        )

    def test_suspected_finding_costs_nothing(self) -> None:
        finding = self.finding(FindingKind.MISSED, FindingStatus.SUSPECTED)
        self.assertEqual(services.score_on_finding(finding=finding), [])

    def test_confirmed_missed_then_dismissed_is_reversed_never_deleted(self) -> None:
        finding = self.finding(FindingKind.MISSED, FindingStatus.CONFIRMED)
        services.score_on_finding(finding=finding)
        original = ScoreEntry.objects.get()
        self.assertEqual(original.points, Decimal("-5"))
        self.assertIn("漏报", original.reason)
        self.assertIn("媒体先于区应急局报道", original.reason)
        finding.status = FindingStatus.DISMISSED
        finding.save()
        services.score_on_finding(finding=finding)
        services.score_on_finding(finding=finding)
        self.assertTrue(ScoreEntry.objects.filter(pk=original.pk).exists())
        reversal = ScoreEntry.objects.get(reverses=original)
        self.assertEqual(reversal.points, Decimal("5"))
        self.assertEqual(total(), Decimal("0"))
        # Confirmed again: a third entry, the net is one deduction.
        finding.status = FindingStatus.CONFIRMED
        finding.save()
        services.score_on_finding(finding=finding)
        self.assertEqual(ScoreEntry.objects.count(), 3)
        self.assertEqual(total(), Decimal("-5"))

    def test_concealed(self) -> None:
        finding = self.finding(FindingKind.CONCEALED, FindingStatus.CONFIRMED)
        services.score_on_finding(finding=finding)
        self.assertEqual(total(unit=self.world.unit_a), Decimal("-10"))


class TestReports(ScoringCase):
    def test_complete_initial_report_scores_once_per_incident(self) -> None:
        incident = make_incident(self.world.unit_a)
        phone = make_report(incident, mode="phone")  # brief: not complete
        self.assertEqual(services.score_on_report(report=phone), [])
        written = make_report(incident, **COMPLETE_INITIAL)
        services.score_on_report(report=written)
        services.score_on_report(report=written)
        services.score_on_report(report=phone)
        self.assertEqual(ScoreEntry.objects.filter(trigger="report_complete").count(), 1)
        self.assertEqual(total(), Decimal("1"))

    def test_incomplete_initial_report(self) -> None:
        incident = make_incident(self.world.unit_a)
        fields = {**COMPLETE_INITIAL, "measures_taken": "  "}
        report = make_report(incident, **fields)
        self.assertEqual(services.score_on_report(report=report), [])

    def test_final_report(self) -> None:
        incident = make_incident(self.world.unit_a)
        report = make_report(incident, "final")
        services.score_on_report(report=report)
        services.score_on_report(report=report)
        self.assertEqual(total(trigger="final_report"), Decimal("1"))

    def test_followup_has_no_content_score(self) -> None:
        incident = make_incident(self.world.unit_a)
        self.assertEqual(
            services.score_on_report(report=make_report(incident, "followup", sequence=1)), []
        )

    def test_quality_bonus_needs_a_reason_and_the_right(self) -> None:
        ScoringRule.objects.filter(trigger="quality_bonus").update(is_active=True)
        incident = make_incident(self.world.unit_a)
        report = make_report(incident, user=self.officer)
        admin = self.world.user(Role.CITY_ADMIN, "city")
        with self.assertRaises(ValidationError):
            services.score_quality_bonus(actor=admin, report=report, reason=" ")
        with self.assertRaises(PermissionDenied):
            services.score_quality_bonus(
                actor=self.world.user(Role.COUNTY_OFFICER, "b"), report=report, reason="好"
            )
        services.score_quality_bonus(actor=admin, report=report, reason="分析到位")
        services.score_quality_bonus(actor=admin, report=report, reason="分析到位")
        self.assertEqual(total(trigger="quality_bonus"), Decimal("2"))


class TestRuleVersions(ScoringCase):
    def test_last_years_scores_keep_last_years_rules(self) -> None:
        self.late.valid_to = date(2025, 12, 31)
        self.late.save()
        make_rule(
            name="迟报（2026版）",
            trigger="report_late",
            points=Decimal("-3"),
            valid_from=date(2026, 1, 1),
        )
        old = make_incident(self.world.unit_a, when=at(2025, 12, 30))
        new = make_incident(self.world.unit_a, when=at(2026, 1, 5))
        services.score_on_deadline(deadline=self.deadline(old, status=DeadlineStatus.LATE))
        services.score_on_deadline(deadline=self.deadline(new, status=DeadlineStatus.LATE))
        self.assertEqual(total(incident=old), Decimal("-2"))
        self.assertEqual(total(incident=new), Decimal("-3"))

    def test_a_county_rule_overrides_the_city_wide_one_in_that_county(self) -> None:
        make_rule(
            name="历下区迟报",
            trigger="report_late",
            points=Decimal("-4"),
            region=self.world.county_a,
        )
        a = make_incident(self.world.unit_a)
        b = make_incident(self.world.unit_b)
        services.score_on_deadline(deadline=self.deadline(a, status=DeadlineStatus.LATE))
        services.score_on_deadline(deadline=self.deadline(b, status=DeadlineStatus.LATE))
        self.assertEqual(total(unit=self.world.unit_a, counts_for_unit=True), Decimal("-4"))
        self.assertEqual(total(unit=self.world.unit_b), Decimal("-2"))

    def test_overlapping_clauses_are_refused(self) -> None:
        rule = ScoringRule(
            name="又一条迟报",
            trigger="report_late",
            points=Decimal("-1"),
            applies_to="unit",
            valid_from=date(2024, 1, 1),
        )
        with self.assertRaises(ValidationError) as caught:
            rule.full_clean()
        self.assertIn("valid_from", caught.exception.message_dict)
        rule.applies_to = "officer"
        with self.assertRaises(ValidationError):
            rule.full_clean()  # the existing clause scores both

    def test_bad_multipliers_are_refused(self) -> None:
        for bad in ("x", [1], {"5": 2}, {"1": "two"}, {"1": -1}, {"1": True}):
            rule = ScoringRule(
                name="x",
                trigger="final_report",
                points=Decimal("1"),
                valid_from=date(2030, 1, 1),
                region=self.world.county_b,
                severity_multipliers=bad,
            )
            with self.assertRaises(ValidationError, msg=repr(bad)):
                rule.full_clean()

    def test_only_a_city_level_admin_changes_city_wide_rules(self) -> None:
        admin_b = self.world.user(Role.CITY_ADMIN, "b")
        with self.assertRaises(PermissionDenied):
            services.rule_update(actor=admin_b, rule=self.late, points=Decimal("-9"))
        with self.assertRaises(PermissionDenied):
            services.rule_update(
                actor=self.world.user(Role.COUNTY_OFFICER, "a"),
                rule=self.late,
                points=Decimal("-9"),
            )
        services.rule_update(
            actor=self.world.user(Role.CITY_ADMIN, "city"), rule=self.late, points=Decimal("-9")
        )
        self.late.refresh_from_db()
        self.assertEqual(self.late.points, Decimal("-9"))
        self.assertEqual(
            self.late.history.first().history_user, self.world.user(Role.CITY_ADMIN, "city")
        )


class TestDefaults(TestCase):
    def test_default_rules_are_shipped_and_marked_as_examples(self) -> None:
        defaults = ScoringRule.objects.filter(is_default=True)
        self.assertEqual(
            set(defaults.values_list("trigger", flat=True)),
            {
                "report_on_time",
                "report_late",
                "report_missed",
                "report_concealed",
                "report_false",
                "report_complete",
                "final_report",
                "quality_bonus",
            },
        )
        for rule in defaults:
            self.assertIn("默认评分办法（示例，可修改）", rule.source)
            self.assertIsNone(rule.region)
        self.assertLess(defaults.get(trigger="report_late").points, 0)
