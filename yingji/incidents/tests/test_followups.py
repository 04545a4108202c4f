"""The intake's follow-ups after the answer (decision 0013): queued in the intake's own
transaction, computed by the worker, the same outcome as inline, idempotent."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.core.testing.world import World, build_world
from yingji.deadlines.loader import load_default_rules
from yingji.deadlines.models import Deadline, DeadlineRule
from yingji.geo.models import Region
from yingji.incidents import followups, services
from yingji.incidents.api.serializers import IncidentSerializer
from yingji.incidents.api.views import IncidentViewSet
from yingji.incidents.models import Incident
from yingji.incidents.tasks import intake_followups
from yingji.scoring.models import ScoreEntry
from yingji.scoring.tests.factories import make_rule

from .factories import payload

TASK = intake_followups.module_path
COMPLETE = {
    "source_info": "电话",
    "address": "经十路",
    "nature": "积水",
    "scope_of_impact": "路口",
    "deaths": 0,
    "injuries": 0,
    "direct_loss": "0",
    "trend": "缓解",
    "leaders_on_scene": "张三",
    "measures_taken": "抽排",
    "scene_contact_name": "李四",
    "scene_contact_phone": "13800000000",
}


def deadlines_of(incident: Incident) -> list[tuple[Any, ...]]:
    return sorted(
        Deadline.objects.filter(incident=incident).values_list(
            "kind", "sequence", "status", "due_at", "fulfilled_by__kind", "next_check_at"
        )
    )


def entries_of(incident: Incident) -> list[tuple[Any, ...]]:
    return sorted(
        ScoreEntry.objects.filter(incident=incident).values_list("trigger", "points", "unit_id")
    )


def drain(*args: str) -> None:
    """The worker, in the test's transaction: its check for dropped connections would
    close the test's own (PostgreSQL) connection, so it is left out."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command(
            "db_worker",
            "--batch",
            "--no-startup-delay",
            *args,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def world_with_rules(**points: str) -> World:
    """The test world, the default deadline rules, and a scoring rule per trigger given
    (its points), made in the order given."""
    world = build_world()
    load_default_rules(rule_model=DeadlineRule, region_model=Region)
    for trigger, value in points.items():
        make_rule(trigger=trigger, points=Decimal(value))
    return world


@override_settings(YINGJI_INTAKE_FOLLOWUPS="worker")
class DeferredFollowupTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = world_with_rules(report_on_time="1", report_complete="0.5")
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")

    def report(self, key: str, **extra: Any) -> Incident:
        incident, created = services.incident_report(
            actor=self.officer_a,
            data=payload(**COMPLETE, occurred_at=self.now - timedelta(minutes=20), **extra),
            idempotency_key=key,
            now=self.now,
        )
        self.assertTrue(created)
        return incident

    def setUp(self) -> None:
        self.now = timezone.now()

    def test_the_task_is_queued_in_the_intake_transaction_not_after(self) -> None:
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            incident = self.report("k-1")
        self.assertEqual(callbacks, [])  # nothing waits for the commit
        queued = DBTaskResult.objects.filter(task_path=TASK, status="READY")
        self.assertEqual(queued.count(), 1)
        self.assertEqual(
            queued.get().args_kwargs["args"][:2], [incident.pk, incident.reports.get().pk]
        )
        self.assertEqual(deadlines_of(incident), [])  # the answer did not wait for them

    def test_a_rolled_back_intake_leaves_no_task(self) -> None:
        with self.assertRaises(RuntimeError), transaction.atomic():
            self.report("k-2")
            raise RuntimeError("crash before the commit")
        self.assertFalse(Incident.objects.filter(idempotency_key="k-2").exists())
        self.assertFalse(DBTaskResult.objects.filter(task_path=TASK).exists())

    def test_the_worker_computes_what_inline_computes(self) -> None:
        deferred = self.report("k-3", severity=3)
        inline, _ = services.incident_report(
            actor=self.officer_a,
            data=payload(**COMPLETE, severity=3, occurred_at=self.now - timedelta(minutes=20)),
            idempotency_key="k-4",
            now=self.now,
            defer_followups=False,
        )
        self.assertEqual(DBTaskResult.objects.filter(task_path=TASK).count(), 1)
        self.assertTrue(deadlines_of(inline))
        drain()
        self.assertEqual(
            DBTaskResult.objects.filter(task_path=TASK, status="SUCCESSFUL").count(), 1
        )
        self.assertEqual(deadlines_of(deferred), deadlines_of(inline))
        self.assertTrue(entries_of(inline))
        self.assertEqual(entries_of(deferred), entries_of(inline))
        # Each pending deadline has its check task queued (reminders, late marking).
        pending = Deadline.objects.filter(incident=deferred, status="pending").count()
        checks = DBTaskResult.objects.filter(task_path__endswith="deadline_check")
        self.assertEqual(checks.count(), 2 * pending)  # the deferred and the inline one's

    def test_running_the_followups_twice_changes_nothing(self) -> None:
        incident = self.report("k-5")
        drain()
        before = (deadlines_of(incident), entries_of(incident))
        followups.run_by_id(
            incident_id=incident.pk, report_id=incident.reports.get().pk, now=self.now
        )
        self.assertEqual((deadlines_of(incident), entries_of(incident)), before)

    def test_a_report_before_the_worker_then_the_worker(self) -> None:
        """A 续报 that arrives before the worker ran brings the deadlines itself; the
        worker's run afterwards adds nothing twice."""
        incident = self.report("k-6", severity=3)
        with self.captureOnCommitCallbacks(execute=True):
            services.report_submit(
                actor=self.officer_a,
                incident=incident,
                data={"kind": "followup", "mode": "phone", "body": "续报"},
                now=self.now + timedelta(minutes=5),
            )
        after_report = deadlines_of(incident)
        self.assertTrue(after_report)
        drain()
        self.assertEqual(deadlines_of(incident), after_report)
        steps = [(row[0], row[1]) for row in after_report]
        self.assertEqual(len(steps), len(set(steps)))  # one deadline per step

    def test_a_batch_stops_taking_more_when_its_time_is_up(self) -> None:
        for n in range(3):
            self.report(f"k-t{n}")
        with mock.patch("yingji.incidents.followups.BATCH_SECONDS", 0):
            drain("--max-tasks", "1")
        rows = DBTaskResult.objects.filter(task_path=TASK)
        self.assertEqual(rows.filter(status="SUCCESSFUL").count(), 1)
        self.assertEqual(rows.filter(status="READY").count(), 2)

    @override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    )
    def test_with_another_backend_the_task_is_enqueued_on_commit(self) -> None:
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            incident = self.report("k-i")
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(deadlines_of(incident), [])
        callbacks[0]()  # the commit: the immediate backend runs the task now
        self.assertTrue(deadlines_of(incident))

    def test_a_task_whose_worker_died_is_run_again_by_the_cron_safety_net(self) -> None:
        stalled, recent = self.report("k-s1"), self.report("k-s2")
        rows = {
            row.args_kwargs["args"][0]: row for row in DBTaskResult.objects.filter(task_path=TASK)
        }
        for incident, minutes in ((stalled, 11), (recent, 1)):
            row = rows[incident.pk]
            row.claim("a-worker-that-died")
            DBTaskResult.objects.filter(pk=row.pk).update(
                started_at=timezone.now() - timedelta(minutes=minutes)
            )
        out = io.StringIO()
        call_command("check_deadlines", stdout=out)
        self.assertIn("1 stalled intake follow-up(s) run again", out.getvalue())
        self.assertTrue(deadlines_of(stalled))
        self.assertEqual(deadlines_of(recent), [])  # still within its worker's time
        done = DBTaskResult.objects.get(pk=rows[stalled.pk].pk)
        self.assertEqual((done.status, done.return_value), ("SUCCESSFUL", "done"))
        self.assertEqual(DBTaskResult.objects.get(pk=rows[recent.pk].pk).status, "RUNNING")
        call_command("check_deadlines", stdout=io.StringIO())  # nothing twice
        self.assertEqual(len(deadlines_of(stalled)), len(set(deadlines_of(stalled))))

    def test_a_stalled_task_that_fails_again_is_marked_failed(self) -> None:
        incident = self.report("k-s3")
        row = DBTaskResult.objects.get(task_path=TASK)
        row.claim("a-worker-that-died")
        DBTaskResult.objects.filter(pk=row.pk).update(
            started_at=timezone.now() - timedelta(minutes=30)
        )
        with mock.patch.object(followups, "run_by_id", side_effect=RuntimeError("broken")):
            self.assertEqual(followups.recover_stalled(), 0)
        row.refresh_from_db()
        self.assertEqual(row.status, "FAILED")
        self.assertIn("broken", row.traceback)
        self.assertEqual(deadlines_of(incident), [])

    def test_a_gone_incident_is_skipped(self) -> None:
        self.assertEqual(
            followups.run_by_id(incident_id=10**9, report_id=10**9, now=self.now), "gone"
        )

    def test_one_task_takes_on_the_intakes_waiting_behind_it(self) -> None:
        incidents = [self.report(f"k-b{n}") for n in range(3)]
        with mock.patch("yingji.incidents.followups.BATCH_SECONDS", 60):
            drain("--max-tasks", "1")
        rows = DBTaskResult.objects.filter(task_path=TASK)
        self.assertEqual(sorted(rows.values_list("status", flat=True)), ["SUCCESSFUL"] * 3)
        for incident in incidents:
            self.assertTrue(deadlines_of(incident), incident)


class AnswerTests(TestCase):
    """The 201 answer serialises the object in memory: the same as reading it back."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")

    def test_the_answer_is_what_a_read_gives(self) -> None:
        client = APIClient()
        client.force_login(self.officer_a)
        body = payload(**{**COMPLETE, "injuries": 2, "direct_loss": "12.5"}, severity=3)
        body["is_sensitive"] = True
        body["occurred_at"] = body["occurred_at"].isoformat()
        response = client.post(reverse("api:incident-list"), body, format="json")
        self.assertEqual(response.status_code, 201, response.content[:300])
        incident = IncidentViewSet.queryset.get(pk=response.json()["id"])
        self.assertEqual(response.json(), dict(IncidentSerializer(incident).data))
        detail = client.get(reverse("api:incident-detail", args=[incident.pk]))
        self.assertEqual(response.json(), detail.json())


def state(*, by_key: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the follow-ups write, without row ids or write times: deadlines, their
    check tasks, findings, score entries and their history (ids mapped to natural keys).
    ``by_key``: incidents and reports named by the incident's idempotency key too, to
    compare the same intakes written twice (under other ids)."""
    from yingji.deadlines.models import Finding
    from yingji.incidents.models import Report
    from yingji.scoring.models import ScoreEntry as Entry

    incidents: dict[Any, Any] = {}
    reports: dict[Any, Any] = {}
    if by_key:
        incidents = dict(Incident.objects.values_list("pk", "idempotency_key"))
        reports = {
            pk: (incidents[incident], kind, sequence)
            for pk, incident, kind, sequence in Report.objects.values_list(
                "pk", "incident_id", "kind", "sequence"
            )
        }

    def incident_of(pk: Any) -> Any:
        return incidents.get(pk, pk)

    steps = {
        pk: (incident_of(incident), kind, sequence)
        for pk, incident, kind, sequence in Deadline.objects.values_list(
            "pk", "incident_id", "kind", "sequence"
        )
    }
    skip = {"id", "created_at", "updated_at"}
    deadline_fields = [f.attname for f in Deadline._meta.concrete_fields if f.name not in skip]
    deadlines = []
    for values in Deadline.objects.values_list(*deadline_fields):
        row = dict(zip(deadline_fields, values, strict=True))
        row["incident_id"] = incident_of(row["incident_id"])
        row["fulfilled_by_id"] = reports.get(row["fulfilled_by_id"], row["fulfilled_by_id"])
        deadlines.append(tuple(row.values()))
    checks = [
        (
            steps[row.args_kwargs["args"][0]],
            row.args_kwargs["args"][1:],
            row.args_kwargs["kwargs"],
            row.run_after,
            row.priority,
            row.queue_name,
            row.backend_name,
            row.status,
        )
        for row in DBTaskResult.objects.filter(task_path__endswith="deadline_check")
    ]
    entry_fields = [
        f.attname for f in Entry._meta.concrete_fields if f.name not in skip | {"reverses"}
    ]
    entries = []
    for values in Entry.objects.values_list(*entry_fields):
        row = dict(zip(entry_fields, values, strict=True))
        if row["source_kind"] == "deadline":
            row["source_id"] = steps[row["source_id"]]
        elif row["source_kind"] in ("initial", "final"):
            row["source_id"] = incident_of(row["source_id"])
        row["incident_id"] = incident_of(row["incident_id"])
        row["report_id"] = reports.get(row["report_id"], row["report_id"])
        entries.append(tuple(row.items()))
    history = Entry.history.values_list(
        "history_type", "history_change_reason", "history_user_id", "trigger", "points"
    )
    findings = [
        (incident_of(incident), kind, status, unit, steps.get(deadline), reasons, decided_at)
        for incident, kind, status, unit, deadline, reasons, decided_at in (
            Finding.objects.values_list(
                "incident_id", "kind", "status", "unit_id", "deadline_id", "reasons", "decided_at"
            )
        )
    ]
    return {
        "deadlines": sorted(deadlines, key=repr),
        "checks": sorted(checks, key=repr),
        "findings": sorted(findings, key=repr),
        "entries": sorted(entries, key=repr),
        "history": sorted(history, key=repr),
    }


@override_settings(
    YINGJI_INTAKE_FOLLOWUPS="worker",
    YINGJI_FOLLOWUPS_YIELD_SECONDS=30.0,
    YINGJI_FOLLOWUPS_YIELD_RATE=20.0,
)
class YieldToBurstTests(TestCase):
    """Decision 0017: the worker waits, outside its transaction, while intakes pour in."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = world_with_rules(report_on_time="1")
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")

    def report(self, key: str) -> Incident:
        incident, _ = services.incident_report(
            actor=self.officer_a,
            data=payload(**COMPLETE, occurred_at=timezone.now() - timedelta(minutes=20)),
            idempotency_key=key,
        )
        return incident

    def clocked(self, arrivals: list[int], start: Any) -> tuple[list[float], Any]:
        """A fake clock that each sleep moves on, and the arrivals the queue shows."""
        clock = {"now": start}
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            clock["now"] += timedelta(seconds=seconds)

        patches = mock.patch.multiple(
            followups,
            _sleep=sleep,
            _arrived_since=mock.Mock(side_effect=arrivals),
        )
        return slept, (patches, mock.patch.object(timezone, "now", lambda: clock["now"]))

    def test_it_waits_while_the_burst_goes_on_and_stops_when_it_ends(self) -> None:
        start = timezone.now()
        slept, (queue, clock) = self.clocked([400, 300, 5], start)
        with queue, clock:
            followups.yield_to_burst(start)
        self.assertEqual(slept, [followups.YIELD_STEP] * 2)

    def test_it_never_waits_beyond_the_limit_after_the_receipt(self) -> None:
        start = timezone.now()
        slept, (queue, clock) = self.clocked([400] * 1000, start)
        with queue, clock:
            followups.yield_to_burst(start - timedelta(seconds=20))
        self.assertEqual(sum(slept), 10.0)  # 30 s after a receipt 20 s ago
        slept, (queue, clock) = self.clocked([400] * 1000, start)
        with queue, clock:
            followups.yield_to_burst(start - timedelta(seconds=31))
        self.assertEqual(slept, [])

    @override_settings(YINGJI_FOLLOWUPS_YIELD_SECONDS=0.0)
    def test_a_limit_of_zero_never_waits(self) -> None:
        slept, (queue, clock) = self.clocked([400], timezone.now())
        with queue, clock:
            followups.yield_to_burst(timezone.now())
        self.assertEqual(slept, [])

    def test_arrivals_are_the_intakes_received_since(self) -> None:
        before = timezone.now() - timedelta(seconds=1)
        for n in range(3):
            self.report(f"k-y{n}")
        self.assertEqual(followups._arrived_since(before), 3)
        self.assertEqual(followups._arrived_since(timezone.now() + timedelta(seconds=1)), 0)

    def test_arrivals_count_intakes_whose_follow_ups_already_ran(self) -> None:
        # A worker that keeps the queue short must still see the burst.
        before = timezone.now() - timedelta(seconds=1)
        for n in range(3):
            self.report(f"k-z{n}")
        drain()
        self.assertEqual(followups._arrived_since(before), 3)

    def test_without_a_burst_the_worker_runs_at_once(self) -> None:
        incident = self.report("k-y9")
        with mock.patch.object(followups, "_sleep") as sleep:
            drain()
        sleep.assert_not_called()
        self.assertTrue(deadlines_of(incident))

    def test_a_burst_makes_the_task_wait_then_compute(self) -> None:
        """Twelve intakes at once (more than 20 a second): the task waits one step (the
        fake sleep ends the burst by moving the receipts into the past), then computes
        them all."""
        incidents = [self.report(f"k-z{n}") for n in range(12)]

        def sleep(seconds: float) -> None:
            Incident.objects.update(received_at=F("received_at") - timedelta(seconds=5))

        with mock.patch.object(followups, "_sleep", side_effect=sleep) as slept:
            drain()
        self.assertEqual(slept.call_count, 1)
        for incident in incidents:
            self.assertTrue(deadlines_of(incident), incident)


def written_rule(region: Any, key: str, name: str, *, minutes: int) -> DeadlineRule:
    """A county's own rule for the written 首报 of 一般 (level 4) incidents."""
    rule: DeadlineRule = DeadlineRule.objects.create(
        region=region,
        key=key,
        name=name,
        requirement="initial_written",
        minutes=minutes,
        source="测试",
        confidence="high",
        anchor="occurred_at",
        severity=4,
    )
    return rule


@override_settings(YINGJI_INTAKE_FOLLOWUPS="worker")
class BatchWorld(TestCase):
    """Rules and reporters in two counties for batches of intakes, odd rules included."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = world_with_rules(
            report_on_time="1", report_late="-2", report_missed="-5", report_complete="0.5"
        )
        # County B's own clause for completeness, and a stricter written 首报 (30 minutes).
        make_rule(trigger="report_complete", points=Decimal("0.8"), region=cls.world.county_b)
        rule: dict[str, Any] = {
            "source": "测试",
            "confidence": "high",
            "anchor": "occurred_at",
            "severity": 4,
        }
        written_rule(cls.world.county_b, "b-written-s4", "县区书面首报", minutes=30)
        # Odd rules of county B for 较大 (level 3): a phone 首报 counted from "the previous
        # report" (there is none: no deadline), and an inactive scene liaison (ignored).
        rule["severity"] = 3
        DeadlineRule.objects.create(
            region=cls.world.county_b,
            key="b-phone-odd-s3",
            name="县区电话首报（异常）",
            requirement="initial_phone",
            **{**rule, "anchor": "previous_report"},
            minutes=10,
        )
        DeadlineRule.objects.create(
            region=cls.world.county_b,
            key="b-liaison-off-s3",
            name="县区现场联络（停用）",
            requirement="scene_liaison",
            minutes=5,
            active=False,
            **{**rule, "anchor": "received_at"},
        )
        cls.officer_a = cls.world.user(Role.COUNTY_OFFICER, "a")
        cls.officer_b = cls.world.user(Role.COUNTY_OFFICER, "b")

    def setUp(self) -> None:
        self.now = timezone.now()

    def report(self, key: str, *, county_b: bool = False, **extra: Any) -> followups.Intake:
        from .factories import IN_COUNTY_B

        fields: dict[str, Any] = {
            **COMPLETE,
            "occurred_at": self.now - timedelta(minutes=20),
            "title": f"测试路段积水{key}",  # the same intake reported twice: the same texts
        }
        if county_b:
            fields.update(lon=IN_COUNTY_B[0], lat=IN_COUNTY_B[1])
        fields.update(extra)
        incident, created = services.incident_report(
            actor=self.officer_b if county_b else self.officer_a,
            data=payload(**fields),
            idempotency_key=key,
            now=self.now,
        )
        self.assertTrue(created)
        return followups.Intake(incident.pk, incident.reports.get().pk, self.now)

    def mixed(self) -> list[followups.Intake]:
        no_contact = {"scene_contact_name": "", "scene_contact_phone": ""}
        return [
            self.report("m-a4"),
            self.report("m-a3", severity=3),
            self.report("m-a3-open", severity=3, **no_contact),
            self.report("m-a4-bare", nature="", trend=""),  # not complete: no points
            self.report("m-b4", county_b=True),
            self.report("m-b3-odd", county_b=True, severity=3),
            # Planned alone (``run_by_id``): a late 首报 (迟报 finding), an outside channel.
            self.report("m-late", occurred_at=self.now - timedelta(hours=5)),
            self.report("m-media", source_channel="media"),
        ]

    def one_by_one(
        self, intakes: list[followups.Intake], *, by_key: bool = False
    ) -> dict[str, list[tuple[Any, ...]]]:
        """What ``run_by_id`` writes for each intake in turn (rolled back afterwards)."""
        before = transaction.savepoint()
        for i in intakes:
            followups.run_by_id(incident_id=i.incident_id, report_id=i.report_id, now=i.received_at)
        written = state(by_key=by_key)
        transaction.savepoint_rollback(before)
        return written

    def steps(self, key: str) -> list[tuple[Any, ...]]:
        return list(
            Deadline.objects.filter(incident__idempotency_key=key).values_list(
                "incident_id", "kind", "sequence"
            )
        )


class BatchFollowupTests(BatchWorld):
    """A batch of intakes computed together writes what one by one writes."""

    def test_a_batch_writes_what_one_by_one_writes(self) -> None:
        intakes = self.mixed()
        intakes.append(followups.Intake(10**9, 10**9, self.now))  # gone meanwhile
        before = transaction.savepoint()
        alone = [
            followups.run_by_id(incident_id=i.incident_id, report_id=i.report_id, now=i.received_at)
            for i in intakes
        ]
        one_by_one = state()
        transaction.savepoint_rollback(before)
        self.assertEqual(state()["deadlines"], [])

        run_by_id = followups.run_by_id
        with mock.patch.object(followups, "run_by_id", side_effect=run_by_id) as single:
            outcomes = followups.run_many(intakes)
        self.assertEqual(outcomes, alone)
        self.assertEqual(outcomes, ["done"] * 8 + ["gone"])
        self.assertEqual(single.call_count, 2)  # the late one and the outside channel's
        together = state()
        for name in one_by_one:
            self.assertEqual(together[name], one_by_one[name], name)
        # The cases are what they claim to be.
        self.assertIn(("initial_written", 0), {(d[1], d[2]) for d in self.steps("m-b4")})
        b4_written = Deadline.objects.get(incident__idempotency_key="m-b4", kind="initial_written")
        self.assertEqual(b4_written.due_at - b4_written.anchor_at, timedelta(minutes=30))
        self.assertNotIn("initial_phone", {d[1] for d in self.steps("m-b3-odd")})
        self.assertIn("scene_liaison", {d[1] for d in self.steps("m-a3-open")})
        self.assertTrue(together["findings"])
        self.assertTrue(together["checks"])
        self.assertEqual(
            set(ScoreEntry.objects.values_list("trigger", flat=True)),
            {"report_on_time", "report_late", "report_complete"},  # 漏报 is only suspected
        )
        # County B's clause for completeness was the one applied there.
        self.assertTrue(
            ScoreEntry.objects.filter(
                incident__idempotency_key="m-b4",
                trigger="report_complete",
                rule__region=self.world.county_b,
                points=Decimal("0.8"),
            ).exists()
        )

        # Idempotent: a second run, together or alone, changes nothing.
        self.assertEqual(followups.run_many(intakes), outcomes)
        self.assertEqual(state(), together)

    def test_the_worker_batch_is_the_one_by_one_outcome(self) -> None:
        """Through the queue: one task takes on the others, the same rows result."""
        intakes = self.mixed()
        one_by_one = self.one_by_one(intakes)
        with mock.patch("yingji.incidents.followups.BATCH_SECONDS", 60):
            drain("--max-tasks", "1")
        rows = DBTaskResult.objects.filter(task_path=TASK)
        self.assertEqual(set(rows.values_list("status", "return_value")), {("SUCCESSFUL", "done")})
        self.assertTrue(all(len(r.worker_ids) == 1 and r.started_at for r in rows))
        self.assertEqual(state(), one_by_one)

    def test_a_failing_intake_does_not_stop_the_others(self) -> None:
        intakes = self.mixed()[:4]
        bad = intakes[1].incident_id
        from yingji.deadlines import services as deadline_services

        plan_intake = deadline_services.plan_intake

        def broken_plan(**kwargs: Any) -> Any:
            if kwargs["incident"].pk == bad:
                raise RuntimeError("a bad intake")
            return plan_intake(**kwargs)

        run_by_id = followups.run_by_id

        def broken_run(**kwargs: Any) -> str:
            if kwargs["incident_id"] == bad:
                raise RuntimeError("a bad intake, alone too")
            return run_by_id(**kwargs)

        with (
            mock.patch.object(deadline_services, "plan_intake", side_effect=broken_plan),
            mock.patch.object(followups, "run_by_id", side_effect=broken_run),
            self.assertLogs("yingji.incidents.followups", "ERROR"),
        ):
            outcomes = followups.run_many(intakes)
        self.assertIsInstance(outcomes[1], RuntimeError)
        self.assertEqual([outcomes[0], *outcomes[2:]], ["done"] * 3)
        for intake in intakes:
            has = Deadline.objects.filter(incident_id=intake.incident_id).exists()
            self.assertEqual(has, intake.incident_id != bad)

        # Through the queue: its task fails, the others' succeed.
        self.report("f-1")
        self.report("f-2")
        with (
            mock.patch.object(deadline_services, "plan_intake", side_effect=broken_plan),
            mock.patch.object(followups, "run_by_id", side_effect=broken_run),
            mock.patch("yingji.incidents.followups.BATCH_SECONDS", 60),
        ):
            drain()
        statuses = {
            row.args_kwargs["args"][0]: row.status
            for row in DBTaskResult.objects.filter(task_path=TASK)
        }
        self.assertEqual(statuses.pop(bad), "FAILED")
        self.assertEqual(set(statuses.values()), {"SUCCESSFUL"})


class PlannedBeforeTheTransactionTests(BatchWorld):
    """The worker's batch planned before its write transaction (SQLite: the write lock is
    not held while it reads and plans) writes what one by one writes, and an incident that
    changed in between is computed afresh, alone."""

    def test_an_incident_changed_after_the_plan_is_computed_alone(self) -> None:
        intakes = [self.report("c-1"), self.report("c-2"), self.report("c-3")]
        batch = followups.plan_batch(intakes)
        self.assertEqual(batch.outcomes, {0: "done", 1: "done", 2: "done"})
        changed = Incident.objects.get(pk=intakes[1].incident_id)
        services.incident_set_severity(
            actor=self.world.user(Role.DUTY_OFFICER),
            incident=changed,
            severity=3,
            reason="伤亡增加",
        )
        expected = self.one_by_one(intakes)

        run_by_id = followups.run_by_id
        with mock.patch.object(followups, "run_by_id", side_effect=run_by_id) as single:
            outcomes = followups.run_many(intakes, batch)
        self.assertEqual(outcomes, ["done"] * 3)
        self.assertEqual(
            [call.kwargs["incident_id"] for call in single.call_args_list], [changed.pk]
        )
        self.assertEqual(state(), expected)
        # The change is what the plan could not know: 较大 asks for a scene liaison.
        self.assertIn("scene_liaison", {d[1] for d in self.steps("c-2")})

    def test_a_new_report_after_the_plan_sends_its_incident_alone(self) -> None:
        intakes = [self.report("r-1"), self.report("r-2")]
        batch = followups.plan_batch(intakes)
        services.report_submit(
            actor=self.officer_a,
            incident=Incident.objects.get(pk=intakes[0].incident_id),
            data={**COMPLETE, "kind": "initial", "mode": "written"},
        )
        self.assertNotEqual(followups._unchanged(batch).alone, [])
        self.assertEqual(
            [intakes[i].incident_id for i in followups._unchanged(batch).alone],
            [intakes[0].incident_id],
        )

    def test_the_worker_writes_the_same_whichever_way_it_plans(self) -> None:
        intakes = self.mixed()
        one_by_one = self.one_by_one(intakes)
        for outside in (True, False):
            with self.subTest(plans_outside_the_lock=outside):
                rolled = transaction.savepoint()
                with (
                    mock.patch.object(followups, "plans_outside_the_lock", return_value=outside),
                    mock.patch.object(followups, "BATCH_SECONDS", 60),
                    mock.patch.object(followups, "CHUNK", 3),  # several chunks
                ):
                    drain("--max-tasks", "1")
                rows = DBTaskResult.objects.filter(task_path=TASK)
                self.assertEqual(
                    set(rows.values_list("status", "return_value")), {("SUCCESSFUL", "done")}
                )
                self.assertEqual(state(), one_by_one)
                transaction.savepoint_rollback(rolled)

    def test_a_task_another_worker_took_meanwhile_is_left_to_it(self) -> None:
        intakes = [self.report("t-1"), self.report("t-2"), self.report("t-3")]
        taken = DBTaskResult.objects.filter(task_path=TASK).order_by("enqueued_at")[2]
        claim = followups._claim_waiting

        def another_took_one(count: int, **kwargs: Any) -> list[Any]:
            rows = claim(count, **kwargs)
            DBTaskResult.objects.filter(pk=taken.pk).update(status="RUNNING")
            return [row for row in rows if row.pk != taken.pk]

        with (
            mock.patch.object(followups, "plans_outside_the_lock", return_value=True),
            mock.patch.object(followups, "_claim_waiting", side_effect=another_took_one),
            mock.patch.object(followups, "BATCH_SECONDS", 60),
        ):
            drain("--max-tasks", "1")
        computed = {
            i.incident_id
            for i in intakes
            if Deadline.objects.filter(incident_id=i.incident_id).exists()
        }
        self.assertEqual(computed, {intakes[0].incident_id, intakes[1].incident_id})
        taken.refresh_from_db()
        self.assertEqual(taken.status, "RUNNING")  # not marked by this worker


@override_settings(YINGJI_INTAKE_FOLLOWUPS="planned")
class PlannedInTheRequestTests(BatchWorld):
    """Decision 0020: a new intake's deadlines, check tasks and scores planned before its
    transaction and written in it, as the worker would have written them; what the
    planner does not plan goes to the worker."""

    def worker_outcome(self) -> dict[str, list[tuple[Any, ...]]]:
        """The mixed intakes reported for the worker and computed one by one (all of it
        rolled back: the same keys are reported again)."""
        before = transaction.savepoint()
        with override_settings(YINGJI_INTAKE_FOLLOWUPS="worker"):
            expected = self.one_by_one(self.mixed(), by_key=True)
        transaction.savepoint_rollback(before)
        return expected

    def test_the_intake_writes_what_the_worker_would(self) -> None:
        expected = self.worker_outcome()
        intakes = self.mixed()
        queued = DBTaskResult.objects.filter(task_path=TASK)
        by_incident = {row.args_kwargs["args"][0] for row in queued}
        # Planned in the request: all but the late 首报 and the outside channel.
        late, media = intakes[-2:]
        self.assertEqual(by_incident, {late.incident_id, media.incident_id})
        for intake in intakes[:-2]:
            self.assertTrue(Deadline.objects.filter(incident_id=intake.incident_id).exists())
        # The worker's part (not ``drain``: it would also run the check tasks already due).
        for row in queued:
            intake = followups._intake_of(row)
            followups.run_by_id(
                incident_id=intake.incident_id, report_id=intake.report_id, now=intake.received_at
            )
        self.assertEqual(state(by_key=True), expected)

    def test_the_check_tasks_name_their_deadlines(self) -> None:
        intake = self.report("p-1")
        checks = DBTaskResult.objects.filter(task_path__endswith="deadline_check")
        pending = Deadline.objects.filter(incident_id=intake.incident_id, status="pending")
        self.assertEqual(
            sorted(row.args_kwargs["args"][0] for row in checks),
            sorted(pending.values_list("pk", flat=True)),
        )
        for row in checks:
            deadline = Deadline.objects.get(pk=row.args_kwargs["args"][0])
            self.assertEqual(row.run_after, deadline.next_check_at)

    def test_a_rule_added_between_two_intakes_applies_to_the_second(self) -> None:
        """The rules chosen per region and level are kept in the process only while the
        rules read are the current ones."""
        first = self.report("p-r1")
        written = {"incident_id": first.incident_id, "kind": "initial_written"}
        self.assertNotEqual(Deadline.objects.get(**written).rule.key, "a-written-s4")
        written_rule(self.world.county_a, "a-written-s4", "县区书面首报（更严）", minutes=15)
        second = self.report("p-r2")
        deadline = Deadline.objects.get(incident_id=second.incident_id, kind="initial_written")
        self.assertEqual(deadline.rule.key, "a-written-s4")

    def test_a_planning_failure_leaves_the_intake_to_the_worker(self) -> None:
        from yingji.deadlines import services as deadline_services

        with (
            mock.patch.object(deadline_services, "plan_intake", side_effect=RuntimeError("x")),
            self.assertLogs("yingji.incidents.followups", "ERROR"),
        ):
            intake = self.report("p-2")
        self.assertFalse(Deadline.objects.filter(incident_id=intake.incident_id).exists())
        self.assertEqual(DBTaskResult.objects.filter(task_path=TASK).count(), 1)
        drain()
        self.assertTrue(Deadline.objects.filter(incident_id=intake.incident_id).exists())

    def test_a_failing_write_leaves_nothing_half_saved(self) -> None:
        from yingji.scoring import services as scoring_services

        entries_prepared = scoring_services.entries_prepared

        def broken(**kwargs: Any) -> Any:
            rows = entries_prepared(**kwargs)
            for row in rows:  # no source when written: the INSERT fails in the transaction
                row.late = [(index, f, lambda: None) for index, f, _ in row.late]
            return rows

        with (
            mock.patch.object(scoring_services, "entries_prepared", side_effect=broken),
            self.assertLogs("yingji.incidents.services", "ERROR"),
        ):
            intake = self.report("p-3")
        # The report is kept, without any of the planned rows; the worker computes them.
        self.assertFalse(Deadline.objects.exists())
        self.assertFalse(ScoreEntry.objects.exists())
        self.assertEqual(Incident.objects.get(idempotency_key="p-3").reports.count(), 1)
        self.assertEqual(DBTaskResult.objects.filter(task_path=TASK).count(), 1)
        drain()
        self.assertTrue(Deadline.objects.filter(incident_id=intake.incident_id).exists())
        self.assertTrue(ScoreEntry.objects.filter(incident_id=intake.incident_id).exists())

    def test_a_replay_of_the_same_key_is_the_same_intake(self) -> None:
        first = self.report("p-4")
        again, created = services.incident_report(
            actor=self.officer_a, data=payload(**COMPLETE), idempotency_key="p-4"
        )
        self.assertFalse(created)
        self.assertEqual(again.pk, first.incident_id)
        self.assertEqual(Incident.objects.filter(idempotency_key="p-4").count(), 1)

    def test_through_the_api_the_answer_comes_with_everything_written(self) -> None:
        """A report through the HTTP API (auth, the request's history context): when the
        201 comes back, its deadlines, their check tasks and its scores are committed; a
        replay of the key writes nothing more."""
        client = APIClient()
        client.force_login(self.officer_a)
        body = payload(**COMPLETE, severity=3)
        body["occurred_at"] = (self.now - timedelta(minutes=20)).isoformat()
        headers = {"HTTP_IDEMPOTENCY_KEY": "p-api-1"}
        response = client.post(reverse("api:incident-list"), body, format="json", **headers)
        self.assertEqual(response.status_code, 201, response.content[:300])
        incident_id = response.json()["id"]
        deadlines = Deadline.objects.filter(incident_id=incident_id)
        self.assertIn("scene_liaison", set(deadlines.values_list("kind", flat=True)))  # 较大
        pending = set(deadlines.filter(status="pending").values_list("pk", flat=True))
        checks = DBTaskResult.objects.filter(task_path__endswith="deadline_check")
        self.assertEqual({row.args_kwargs["args"][0] for row in checks}, pending)
        self.assertTrue(ScoreEntry.objects.filter(incident_id=incident_id).exists())
        self.assertFalse(DBTaskResult.objects.filter(task_path=TASK).exists())
        written = state()
        again = client.post(reverse("api:incident-list"), body, format="json", **headers)
        self.assertEqual((again.status_code, again.json()["id"]), (200, incident_id))
        self.assertEqual(state(), written)
