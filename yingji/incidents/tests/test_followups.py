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
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
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


@override_settings(YINGJI_INTAKE_FOLLOWUPS="worker")
class DeferredFollowupTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        load_default_rules(rule_model=DeadlineRule, region_model=Region)
        make_rule(trigger="report_on_time", points=Decimal("1"))
        make_rule(trigger="report_complete", points=Decimal("0.5"))
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
