"""The incident pipeline's services: intake, the chain, status, severity, merge, escalation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone

from yingji.accounts.choices import Role, UnitKind
from yingji.accounts.models import Unit, User
from yingji.core.testing.world import build_world, make_user
from yingji.deadlines.models import Deadline
from yingji.geo.models import Region
from yingji.incidents import services
from yingji.incidents.choices import (
    IncidentStatus,
    ReportKind,
    ReportMode,
    Severity,
    SourceChannel,
)
from yingji.incidents.models import Event, Incident, IncidentLog, Notification, Report

from .factories import IN_COUNTY_B, IN_TOWNSHIP_A, OUTSIDE, payload


def fields_of(exc: ValidationError) -> set[str]:
    return set(exc.message_dict)


class IntakeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")
        cls.officer_b = cls.world.user(Role.COUNTY_OFFICER, "b")

    def test_creates_incident_initial_report_and_log(self) -> None:
        now = timezone.now()
        incident, created = services.incident_report(
            actor=self.officer_a,
            data=payload(lon=IN_TOWNSHIP_A[0], lat=IN_TOWNSHIP_A[1], deaths=1, injuries=2),
            idempotency_key="k-1",
            now=now,
        )
        self.assertTrue(created)
        self.assertEqual(incident.region, self.world.township_a)  # deepest region of the point
        self.assertEqual(incident.owner_unit, self.world.unit_a)  # the county's emergency office
        self.assertEqual(incident.received_at, now)
        self.assertEqual(incident.status, IncidentStatus.RECEIVED)
        self.assertEqual((incident.deaths, incident.injuries), (1, 2))
        self.assertEqual(incident.incident_type.code, "11A02")
        self.assertTrue(incident.h3_cell)
        report = incident.reports.get()
        self.assertEqual((report.kind, report.mode, report.label), ("initial", "phone", "首报"))
        self.assertEqual(report.submitted_at, now)
        self.assertEqual(report.deaths, 1)
        self.assertEqual(list(incident.log.values_list("action", flat=True)), ["reported"])
        self.assertEqual(incident.history.first().history_user, self.officer_a)

    def test_same_key_returns_same_incident(self) -> None:
        first, created = services.incident_report(
            actor=self.officer_a, data=payload(), idempotency_key="same"
        )
        again, created_again = services.incident_report(
            actor=self.officer_a, data=payload(title="改了标题"), idempotency_key="same"
        )
        self.assertTrue(created)
        self.assertFalse(created_again)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(Incident.objects.filter(idempotency_key="same").count(), 1)
        self.assertEqual(Report.objects.filter(incident=first).count(), 1)

    def test_race_lost_on_the_unique_constraint_rereads_the_winner(self) -> None:
        winner, _ = services.incident_report(
            actor=self.officer_a, data=payload(), idempotency_key="race"
        )
        real = services.selectors.incident_key_used
        calls = iter([False])  # the pre-check misses, as if the other request had not committed

        def key_used(key: str) -> bool:
            first = next(calls, None)
            return first if first is not None else real(key)

        with mock.patch.object(services.selectors, "incident_key_used", side_effect=key_used):
            loser, created = services.incident_report(
                actor=self.officer_a, data=payload(), idempotency_key="race"
            )
        self.assertFalse(created)
        self.assertEqual(loser.pk, winner.pk)
        self.assertEqual(Incident.objects.count(), 1)
        self.assertEqual(Report.objects.count(), 1)

    def test_key_of_an_invisible_incident_is_refused(self) -> None:
        services.incident_report(actor=self.officer_a, data=payload(), idempotency_key="mine")
        with self.assertRaises(ValidationError) as ctx:
            services.incident_report(
                actor=self.officer_b,
                data=payload(lon=IN_COUNTY_B[0], lat=IN_COUNTY_B[1]),
                idempotency_key="mine",
            )
        self.assertEqual(fields_of(ctx.exception), {"idempotency_key"})

    def test_bad_key(self) -> None:
        for key in ("x" * 65, "有中文", "with space", 12):
            with self.assertRaises(ValidationError):
                services.incident_report(actor=self.officer_a, data=payload(), idempotency_key=key)  # type: ignore[arg-type]

    def test_point_outside_every_region(self) -> None:
        with self.assertRaises(ValidationError) as ctx:
            services.incident_report(
                actor=self.officer_a, data=payload(lon=OUTSIDE[0], lat=OUTSIDE[1])
            )
        self.assertIn("location", fields_of(ctx.exception))
        self.assertIn("不在本市", str(ctx.exception))
        self.assertEqual(Incident.objects.count(), 0)

    def test_point_in_another_county_is_refused_with_its_name(self) -> None:
        with self.assertRaises(ValidationError) as ctx:
            services.incident_report(
                actor=self.officer_a, data=payload(lon=IN_COUNTY_B[0], lat=IN_COUNTY_B[1])
            )
        self.assertIn("市中区", ctx.exception.message_dict["location"][0])

    def test_region_given_without_point(self) -> None:
        incident, _ = services.incident_report(
            actor=self.officer_a, data=payload(lon=None, lat=None, region="370102")
        )
        self.assertEqual(incident.region, self.world.county_a)
        self.assertIsNone(incident.lon)
        with self.assertRaises(ValidationError) as ctx:
            services.incident_report(
                actor=self.officer_a, data=payload(lon=None, lat=None, region="370103")
            )
        self.assertIn("location", fields_of(ctx.exception))
        with self.assertRaises(ValidationError) as ctx:
            services.incident_report(actor=self.officer_a, data=payload(lon=None, lat=None))
        self.assertIn("location", fields_of(ctx.exception))

    def test_region_contradicting_the_point(self) -> None:
        with self.assertRaises(ValidationError) as ctx:
            services.incident_report(
                actor=self.world.user(Role.DUTY_OFFICER, "city"),
                data=payload(region="370103"),  # the point is in county A
            )
        self.assertIn("region", fields_of(ctx.exception))

    def test_owner_unit_without_an_emergency_office(self) -> None:
        Unit.objects.filter(region=self.world.county_b, kind=UnitKind.EMERGENCY_OFFICE).update(
            kind=UnitKind.GOVERNMENT
        )
        incident, _ = services.incident_report(
            actor=self.officer_b, data=payload(lon=IN_COUNTY_B[0], lat=IN_COUNTY_B[1])
        )
        self.assertIsNone(incident.owner_unit)

    def test_responsible_office_is_the_deepest_districts_active_one(self) -> None:
        world = self.world
        office = services.selectors.responsible_office
        self.assertEqual(office(world.township_a), world.unit_a)  # township → its district
        self.assertEqual(office(world.county_a), world.unit_a)
        self.assertEqual(office(world.city), world.city_unit)  # no district above: its own
        Unit.objects.filter(pk=world.unit_a.pk).update(is_active=False)
        later = Unit.objects.create(
            name="历下区应急管理局（新）", kind=UnitKind.EMERGENCY_OFFICE, region=world.county_a
        )
        self.assertEqual(office(world.township_a), later)
        Unit.objects.filter(pk=later.pk).update(is_active=False)
        self.assertIsNone(office(world.township_a))  # not the city's office instead

    @override_settings(YINGJI_REGION_INDEX_TTL=600)
    def test_point_in_a_township_finds_its_county_office_without_a_district_read(self) -> None:
        actor = User.objects.get(pk=self.officer_a.pk)
        self.assertTrue(actor.scope_path)  # read once per request, by authentication
        data = payload(lon=IN_TOWNSHIP_A[0], lat=IN_TOWNSHIP_A[1])
        services._prepare_incident(actor=actor, data=data, key=None, now=timezone.now())
        with self.assertNumQueries(2):  # the type and the office (the region's row: per index)
            incident, _ = services._prepare_incident(
                actor=actor, data=data, key=None, now=timezone.now()
            )
        self.assertEqual(incident.region, self.world.township_a)
        self.assertEqual(incident.owner_unit, self.world.unit_a)

    @override_settings(YINGJI_REGION_INDEX_TTL=600)
    def test_located_region_row_is_read_once_per_index(self) -> None:
        from yingji.geo import lookup

        township = self.world.township_a
        index = lookup.get_index()
        first = services.selectors.located_region(index, township.pk)
        with self.assertNumQueries(0):
            again = services.selectors.located_region(index, township.pk)
        assert first is not None and again is not None
        self.assertIsNot(first, again)
        self.assertEqual(
            (again.pk, again.path, again.name), (township.pk, township.path, township.name)
        )
        again.name = "改了副本"
        with self.assertNumQueries(0):
            self.assertEqual(
                services.selectors.located_region(index, township.pk).name, township.name
            )  # type: ignore[union-attr]
        with self.assertNumQueries(1):  # the outline is still there, read when asked for
            self.assertTrue(again.boundary)

    @override_settings(YINGJI_REGION_INDEX_TTL=0)  # the index's version checked every time
    def test_renamed_region_is_seen_by_the_next_intake(self) -> None:
        point = {"lon": IN_TOWNSHIP_A[0], "lat": IN_TOWNSHIP_A[1]}
        incident, _ = services.incident_report(actor=self.officer_a, data=payload(**point))
        self.assertEqual(incident.region.name, "解放路街道")
        township = self.world.township_a
        township.name = "解放路新街道"
        township.save()  # in this process: the index is dropped at once
        incident, _ = services.incident_report(actor=self.officer_a, data=payload(**point))
        self.assertEqual(incident.region.name, "解放路新街道")
        # another process's edit (no signal here): seen at the index's next version check
        Region.objects.filter(pk=township.pk).update(name="另一进程改名", updated_at=timezone.now())
        incident, _ = services.incident_report(actor=self.officer_a, data=payload(**point))
        self.assertEqual(incident.region.name, "另一进程改名")

    def test_role_without_add_is_denied(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.incident_report(actor=self.world.user(Role.VIEWER, "city"), data=payload())

    def test_occurred_at_limits(self) -> None:
        now = timezone.now()
        ok, _ = services.incident_report(
            actor=self.officer_a, data=payload(occurred_at=now + timedelta(minutes=4)), now=now
        )
        self.assertTrue(ok.pk)
        with self.assertRaises(ValidationError) as ctx:
            services.incident_report(
                actor=self.officer_a, data=payload(occurred_at=now + timedelta(minutes=6)), now=now
            )
        self.assertEqual(fields_of(ctx.exception), {"occurred_at"})
        old = now - timedelta(days=30, minutes=1)
        with self.assertRaises(ValidationError) as ctx:
            services.incident_report(actor=self.officer_a, data=payload(occurred_at=old), now=now)
        self.assertEqual(fields_of(ctx.exception), {"late_report_reason"})
        late, _ = services.incident_report(
            actor=self.officer_a,
            data=payload(occurred_at=old, late_report_reason="群众事后反映，核实后补报"),
            now=now,
        )
        self.assertEqual(late.late_report_reason, "群众事后反映，核实后补报")
        edge, _ = services.incident_report(
            actor=self.officer_a, data=payload(occurred_at=now - timedelta(days=30)), now=now
        )
        self.assertTrue(edge.pk)

    def test_every_bad_field_is_reported_at_once(self) -> None:
        with self.assertRaises(ValidationError) as ctx:
            services.incident_report(
                actor=self.officer_a,
                data=payload(
                    title="",
                    incident_type="99Z99",
                    deaths=-1,
                    injuries=True,
                    missing="三",
                    direct_loss="-5",
                    source_channel="pigeon",
                    occurred_at="yesterday",
                    severity=7,
                ),
            )
        self.assertEqual(
            fields_of(ctx.exception),
            {
                "title",
                "incident_type",
                "deaths",
                "injuries",
                "missing",
                "direct_loss",
                "source_channel",
                "occurred_at",
                "severity",
            },
        )
        self.assertEqual(Incident.objects.count(), 0)

    def test_info_officer_channel_defaults(self) -> None:
        officer = make_user("info-a", Role.INFO_OFFICER, self.world.unit_a)
        incident, _ = services.incident_report(actor=officer, data=payload(source_channel=None))
        self.assertEqual(incident.source_channel, SourceChannel.INFO_OFFICER)
        self.assertEqual(incident.reports.get().mode, ReportMode.WRITTEN)
        with self.assertRaises(ValidationError):
            services.incident_report(actor=self.officer_a, data=payload(source_channel=None))

    def test_gcj02_point_is_converted(self) -> None:
        incident, _ = services.incident_report(
            actor=self.officer_a, data=payload(source_crs="gcj02")
        )
        self.assertEqual(incident.source_crs, "gcj02")
        self.assertNotEqual(incident.lon, payload()["lon"])

    def test_hooks_run_in_the_intake_transaction(self) -> None:
        """Deadlines and the score are written in the intake's own transaction: one commit."""
        now = timezone.now()
        with (
            mock.patch("yingji.deadlines.services.deadlines_on_incident") as on_incident,
            mock.patch("yingji.deadlines.services.deadlines_on_report") as on_report,
            mock.patch("yingji.scoring.services.score_on_report") as on_score,
        ):
            with self.captureOnCommitCallbacks(execute=False) as callbacks:
                incident, _ = services.incident_report(
                    actor=self.officer_a, data=payload(), now=now
                )
            on_incident.assert_called_once_with(incident=incident, now=now)
        self.assertEqual(callbacks, [])  # nothing left for after the commit
        on_report.assert_not_called()  # deadlines_on_incident matches the 首报 itself
        on_score.assert_called_once_with(report=incident.reports.get())

    def test_a_failing_hook_keeps_the_intake(self) -> None:
        """A hook's failure is logged and rolled back alone (savepoint); the intake stays."""
        with (
            mock.patch(
                "yingji.deadlines.services.deadlines_on_incident",
                side_effect=RuntimeError("boom"),
            ),
            self.assertLogs("yingji.incidents.followups", level="ERROR"),
        ):
            incident, created = services.incident_report(actor=self.officer_a, data=payload())
        self.assertTrue(created)
        self.assertEqual(Incident.objects.get(pk=incident.pk).reports.count(), 1)
        self.assertFalse(Deadline.objects.filter(incident=incident).exists())

    def test_real_hooks_accept_what_we_pass(self) -> None:
        with self.assertNoLogs("yingji.incidents.followups", level="ERROR"):
            incident, _ = services.incident_report(
                actor=self.officer_a, data=payload(severity=Severity.LARGER)
            )
        with self.captureOnCommitCallbacks() as callbacks:
            services.report_submit(
                actor=self.officer_a, incident=incident, data={"kind": "final", "body": "结束"}
            )
        for callback in callbacks:
            callback()
        self.assertFalse(
            Deadline.objects.filter(incident=incident, status="pending")
            .exclude(kind="final")
            .exists()
        )


class EscalationTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")
        cls.leader_city = cls.world.user(Role.DUTY_LEADER, "city")
        cls.duty_city = cls.world.user(Role.DUTY_OFFICER, "city")
        cls.leader_b = cls.world.user(Role.DUTY_LEADER, "b")
        cls.leader_a = cls.world.user(Role.DUTY_LEADER, "a")

    def test_intake_at_larger_notifies_leaders_in_scope(self) -> None:
        incident, _ = services.incident_report(
            actor=self.officer_a, data=payload(severity=Severity.LARGER)
        )
        recipients = set(Notification.objects.values_list("recipient__username", flat=True))
        self.assertEqual(
            recipients,
            {self.leader_city.username, self.duty_city.username, self.leader_a.username},
        )
        self.assertIsNotNone(incident.escalated_at)
        self.assertTrue(incident.log.filter(action="escalated").exists())

    def test_general_intake_does_not_escalate(self) -> None:
        incident, _ = services.incident_report(actor=self.officer_a, data=payload())
        self.assertFalse(Notification.objects.exists())
        self.assertIsNone(incident.escalated_at)

    def test_upgrade_escalates_and_downgrade_does_not(self) -> None:
        incident, _ = services.incident_report(actor=self.officer_a, data=payload())
        with self.assertRaises(ValidationError) as ctx:
            services.incident_set_severity(
                actor=self.officer_a, incident=incident, severity=Severity.LARGER, reason=""
            )
        self.assertEqual(fields_of(ctx.exception), {"reason"})
        now = timezone.now()
        services.incident_set_severity(
            actor=self.officer_a,
            incident=incident,
            severity=Severity.LARGER,
            reason="死亡 3 人",
            now=now,
        )
        incident.refresh_from_db()
        self.assertEqual(incident.escalated_at, now)
        self.assertEqual(Notification.objects.filter(incident=incident).count(), 3)
        self.assertIn("较大", Notification.objects.first().message)
        services.incident_set_severity(
            actor=self.officer_a, incident=incident, severity=Severity.MAJOR, reason="死亡 10 人"
        )
        self.assertEqual(Notification.objects.filter(incident=incident).count(), 6)
        services.incident_set_severity(
            actor=self.officer_a, incident=incident, severity=Severity.GENERAL, reason="核减"
        )
        self.assertEqual(Notification.objects.filter(incident=incident).count(), 6)
        incident.refresh_from_db()
        self.assertEqual(incident.escalated_at, now)  # the first escalation is kept
        with self.assertRaises(ValidationError):
            services.incident_set_severity(
                actor=self.officer_a, incident=incident, severity=Severity.GENERAL, reason="同级"
            )

    def test_inactive_leader_is_not_notified(self) -> None:
        self.leader_city.is_active = False
        self.leader_city.save()
        services.incident_report(actor=self.officer_a, data=payload(severity=Severity.MAJOR))
        self.assertFalse(Notification.objects.filter(recipient=self.leader_city).exists())

    def test_scene_liaison(self) -> None:
        incident, _ = services.incident_report(
            actor=self.officer_a, data=payload(severity=Severity.LARGER)
        )
        for name, phone, field in (("", "13800000000", "name"), ("张三", "call me", "phone")):
            with self.assertRaises(ValidationError) as ctx:
                services.incident_set_scene_liaison(
                    actor=self.officer_a, incident=incident, name=name, phone=phone
                )
            self.assertEqual(fields_of(ctx.exception), {field})
        services.incident_set_scene_liaison(
            actor=self.officer_a, incident=incident, name="张三", phone="138-0000-0000"
        )
        incident.refresh_from_db()
        self.assertEqual(incident.scene_contact_name, "张三")
        self.assertTrue(incident.log.filter(action="scene_liaison").exists())


class ReportChainTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")

    def setUp(self) -> None:
        self.incident, _ = services.incident_report(actor=self.officer_a, data=payload())

    def submit(self, kind: str, mode: str = ReportMode.WRITTEN, key: str | None = None, **data):  # type: ignore[no-untyped-def]
        report, _created = services.report_submit(
            actor=self.officer_a,
            incident=self.incident,
            data={"kind": kind, "mode": mode, "body": "进展", **data},
            idempotency_key=key,
        )
        self.incident.refresh_from_db()
        return report

    def test_numbering_phone_then_written(self) -> None:
        labels = []
        for mode in ("phone", "written", "phone", "written", "written"):
            report = self.submit(ReportKind.FOLLOWUP, mode)
            labels.append((report.label, report.mode))
        self.assertEqual(
            labels,
            [
                ("续报一", "phone"),
                ("续报一", "written"),
                ("续报二", "phone"),
                ("续报二", "written"),
                ("续报三", "written"),
            ],
        )

    def test_written_after_several_phone_reports_may_name_its_number(self) -> None:
        self.submit(ReportKind.FOLLOWUP, "phone")
        self.submit(ReportKind.FOLLOWUP, "phone")
        self.assertEqual(self.submit(ReportKind.FOLLOWUP, "written", sequence=1).sequence, 1)
        self.assertEqual(self.submit(ReportKind.FOLLOWUP, "written").sequence, 2)
        for bad in (1, 5, 0):
            with self.assertRaises(ValidationError) as ctx:
                self.submit(ReportKind.FOLLOWUP, "written", sequence=bad)
            self.assertEqual(fields_of(ctx.exception), {"sequence"})

    def test_written_initial_after_phone_initial(self) -> None:
        self.assertEqual(self.incident.reports.get().mode, "phone")
        report = self.submit(ReportKind.INITIAL, "written")
        self.assertEqual(report.label, "首报")
        with self.assertRaises(ValidationError):
            self.submit(ReportKind.INITIAL, "written")

    def test_daily_reports_are_numbered(self) -> None:
        self.assertEqual(self.submit(ReportKind.DAILY).sequence, 1)
        self.assertEqual(self.submit(ReportKind.DAILY).sequence, 2)

    def test_casualties_follow_the_latest_report(self) -> None:
        self.submit(ReportKind.FOLLOWUP, deaths=2, serious_injuries=4, direct_loss="120.5")
        self.assertEqual(
            (self.incident.deaths, self.incident.serious_injuries, self.incident.direct_loss),
            (2, 4, Decimal("120.50")),
        )
        self.submit(ReportKind.FOLLOWUP, injuries=3)  # deaths not given: unchanged
        self.assertEqual((self.incident.deaths, self.incident.injuries), (2, 3))
        self.assertIn("死亡人数 2", self.incident.log.filter(action="report").first().message)

    def test_final_closes_and_only_its_written_version_may_follow(self) -> None:
        self.submit(ReportKind.FOLLOWUP)
        self.submit(ReportKind.FINAL, "phone")
        self.assertEqual(self.incident.status, IncidentStatus.CLOSED)
        self.assertIsNotNone(self.incident.closed_at)
        with self.assertRaises(ValidationError) as ctx:
            self.submit(ReportKind.FOLLOWUP)
        self.assertEqual(fields_of(ctx.exception), {"incident"})
        self.assertIn("已结束", str(ctx.exception))
        written = self.submit(ReportKind.FINAL, "written")
        self.assertEqual(written.label, "终报")
        with self.assertRaises(ValidationError):
            self.submit(ReportKind.FINAL, "written")

    def test_refused_on_merged_duplicate_false(self) -> None:
        for status in (IncidentStatus.DUPLICATE, IncidentStatus.FALSE_REPORT):
            incident, _ = services.incident_report(actor=self.officer_a, data=payload())
            services.incident_set_status(
                actor=self.officer_a, incident=incident, status=status, reason="核实"
            )
            before = Report.objects.count()
            with self.assertRaises(ValidationError) as ctx:
                services.report_submit(
                    actor=self.officer_a,
                    incident=incident,
                    data={"kind": "followup", "body": "x"},
                )
            self.assertIn(str(IncidentStatus(status).label), str(ctx.exception))
            self.assertEqual(Report.objects.count(), before)

    def test_empty_and_bad_reports(self) -> None:
        with self.assertRaises(ValidationError) as ctx:
            services.report_submit(
                actor=self.officer_a, incident=self.incident, data={"kind": "followup"}
            )
        self.assertEqual(fields_of(ctx.exception), {"body"})
        with self.assertRaises(ValidationError) as ctx:
            services.report_submit(
                actor=self.officer_a, incident=self.incident, data={"kind": "weekly", "body": "x"}
            )
        self.assertEqual(fields_of(ctx.exception), {"kind"})
        with self.assertRaises(ValidationError) as ctx:
            self.submit(ReportKind.FOLLOWUP, deaths=-3)
        self.assertEqual(fields_of(ctx.exception), {"deaths"})

    def test_report_idempotency(self) -> None:
        first = self.submit(ReportKind.FOLLOWUP, key="r-1")
        again, created = services.report_submit(
            actor=self.officer_a,
            incident=self.incident,
            data={"kind": "followup", "body": "again"},
            idempotency_key="r-1",
        )
        self.assertFalse(created)
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(self.incident.reports.filter(kind="followup").count(), 1)
        other, _ = services.incident_report(actor=self.officer_a, data=payload())
        with self.assertRaises(ValidationError) as ctx:
            services.report_submit(
                actor=self.officer_a,
                incident=other,
                data={"kind": "followup", "body": "x"},
                idempotency_key="r-1",
            )
        self.assertEqual(fields_of(ctx.exception), {"idempotency_key"})

    def test_out_of_region_actor(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.report_submit(
                actor=self.world.user(Role.COUNTY_OFFICER, "b"),
                incident=self.incident,
                data={"kind": "followup", "body": "x"},
            )

    def test_sign_off(self) -> None:
        report = self.incident.reports.get()
        now = timezone.now()
        with self.assertRaises(ValidationError):
            services.report_sign_off(actor=self.officer_a, report=report, name="  ")
        with self.assertRaises(ValidationError) as ctx:
            services.report_sign_off(
                actor=self.officer_a, report=report, name="李局长", at=now + timedelta(hours=1)
            )
        self.assertEqual(fields_of(ctx.exception), {"at"})
        services.report_sign_off(actor=self.officer_a, report=report, name="李局长", now=now)
        report.refresh_from_db()
        self.assertEqual((report.signed_off_by, report.signed_off_at), ("李局长", now))
        with self.assertRaises(ValidationError):
            services.report_sign_off(actor=self.officer_a, report=report, name="王局长")
        info = make_user("info-sign", Role.INFO_OFFICER, self.world.unit_a)
        with self.assertRaises(PermissionDenied):
            services.report_sign_off(actor=info, report=report, name="王局长")

    def test_hooks_after_report(self) -> None:
        with (
            mock.patch("yingji.deadlines.services.deadlines_on_report") as on_report,
            mock.patch("yingji.deadlines.services.deadlines_on_close") as on_close,
            mock.patch("yingji.scoring.services.score_on_report") as on_score,
            self.captureOnCommitCallbacks(execute=True),
        ):
            report = self.submit(ReportKind.FINAL)
        self.assertEqual(on_report.call_args.kwargs["report"], report)
        self.assertEqual(on_close.call_args.kwargs["incident"], self.incident)
        on_score.assert_called_once_with(report=report)


class StatusMergeEventTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")
        cls.officer_b = cls.world.user(Role.COUNTY_OFFICER, "b")

    def new(self, actor=None, **extra):  # type: ignore[no-untyped-def]
        incident, _ = services.incident_report(actor=actor or self.officer_a, data=payload(**extra))
        return incident

    def test_state_machine(self) -> None:
        incident = self.new()
        services.incident_set_status(actor=self.officer_a, incident=incident, status="verifying")
        services.incident_set_status(actor=self.officer_a, incident=incident, status="responding")
        with self.assertRaises(ValidationError) as ctx:
            services.incident_set_status(actor=self.officer_a, incident=incident, status="verified")
        self.assertIn("不能从", str(ctx.exception))
        services.incident_set_status(actor=self.officer_a, incident=incident, status="closed")
        self.assertIsNotNone(incident.closed_at)
        services.incident_set_status(actor=self.officer_a, incident=incident, status="responding")
        self.assertIsNone(incident.closed_at)
        self.assertEqual(incident.log.filter(action="status").count(), 4)
        for bad in ("responding", "merged", "open", ""):
            with self.assertRaises(ValidationError):
                services.incident_set_status(actor=self.officer_a, incident=incident, status=bad)

    def test_reasons_required(self) -> None:
        incident = self.new()
        for status in ("false_report", "duplicate"):
            with self.assertRaises(ValidationError) as ctx:
                services.incident_set_status(
                    actor=self.officer_a, incident=incident, status=status, reason=" "
                )
            self.assertEqual(fields_of(ctx.exception), {"reason"})
        services.incident_set_status(
            actor=self.officer_a, incident=incident, status="false_report", reason="现场核实无此事"
        )
        self.assertIn("现场核实无此事", incident.log.filter(action="status").get().message)
        with self.assertRaises(ValidationError):
            services.incident_set_status(actor=self.officer_a, incident=incident, status="closed")

    def test_status_needs_change_right_in_region(self) -> None:
        incident = self.new()
        with self.assertRaises(PermissionDenied):
            services.incident_set_status(
                actor=self.officer_b, incident=incident, status="verifying"
            )

    def test_merge(self) -> None:
        source, target = self.new(), self.new()
        services.report_submit(
            actor=self.officer_a, incident=source, data={"kind": "followup", "body": "x"}
        )
        earlier = self.new()
        services.incident_merge(actor=self.officer_a, source=earlier, target=source)
        services.incident_merge(actor=self.officer_a, source=source, target=target, reason="同一起")
        source.refresh_from_db()
        earlier.refresh_from_db()
        self.assertEqual((source.status, source.merged_into), ("merged", target))
        self.assertEqual(earlier.merged_into, target)  # the chain stays flat
        self.assertEqual(source.reports.count(), 2)  # its reports stay readable
        self.assertTrue(target.log.filter(action="merged_in").exists())
        with self.assertRaises(ValidationError):
            services.incident_merge(actor=self.officer_a, source=target, target=target)
        with self.assertRaises(ValidationError):  # a merged incident is not a target
            services.incident_merge(actor=self.officer_a, source=self.new(), target=source)

    def test_merge_needs_both_visible(self) -> None:
        mine = self.new()
        theirs = self.new(actor=self.officer_b, lon=IN_COUNTY_B[0], lat=IN_COUNTY_B[1])
        with self.assertRaises(ValidationError) as ctx:
            services.incident_merge(actor=self.officer_a, source=mine, target=theirs)
        self.assertEqual(fields_of(ctx.exception), {"target"})
        city = self.world.user(Role.DUTY_OFFICER, "city")
        services.incident_merge(actor=city, source=mine, target=theirs)

    def test_assign_event_and_update(self) -> None:
        incident = self.new()
        event = Event.objects.create(
            name="7·20 暴雨", region=self.world.county_a, started_at=timezone.now()
        )
        services.incident_assign_event(actor=self.officer_a, incident=incident, event=event)
        self.assertEqual(incident.event, event)
        other = Event.objects.create(
            name="市中区活动", region=self.world.county_b, started_at=timezone.now()
        )
        with self.assertRaises(ValidationError):
            services.incident_assign_event(actor=self.officer_a, incident=incident, event=other)
        services.incident_update(
            actor=self.officer_a, incident=incident, data={"title": "新标题", "is_sensitive": True}
        )
        self.assertEqual(incident.title, "新标题")
        with self.assertRaises(ValidationError) as ctx:
            services.incident_update(
                actor=self.officer_a, incident=incident, data={"status": "closed"}
            )
        self.assertEqual(fields_of(ctx.exception), {"status"})
        self.assertEqual(
            set(IncidentLog.objects.filter(incident=incident).values_list("action", flat=True)),
            {"reported", "event", "edited"},
        )
