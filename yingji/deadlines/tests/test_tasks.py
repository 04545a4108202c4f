"""The check task through the real django-tasks database backend and its worker."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from yingji.deadlines import services
from yingji.deadlines.choices import DeadlineStatus, FindingKind, Requirement
from yingji.deadlines.models import Deadline, Finding
from yingji.deadlines.tasks import deadline_check
from yingji.incidents.models import Notification

from .factories import make_incident

pytestmark = pytest.mark.django_db(transaction=True)


def test_scheduling_queues_one_task_with_run_after(world):
    now = timezone.now()
    incident = make_incident(world, severity=4, occurred=now, received=now)
    services.deadlines_on_incident(incident=incident, now=now)  # commits: the task is queued
    written = Deadline.objects.get(incident=incident, kind=Requirement.INITIAL_WRITTEN)
    queued = DBTaskResult.objects.filter(task_path__endswith="deadline_check")
    assert queued.count() == 2  # one per pending deadline (phone and written)
    run_after = {row.run_after for row in queued}
    assert written.due_at - dt.timedelta(minutes=10) in run_after
    # Nothing is due yet: the worker runs nothing and nothing is late.
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    written.refresh_from_db()
    assert written.status == DeadlineStatus.PENDING


def test_real_db_worker_marks_a_due_deadline_late_once(world):
    now = timezone.now()
    incident = make_incident(
        world,
        severity=4,
        occurred=now - dt.timedelta(hours=3),
        received=now - dt.timedelta(hours=3),
    )
    services.deadlines_on_incident(incident=incident, now=now - dt.timedelta(hours=3))
    # The checks were scheduled in the past (due an hour ago): the worker runs them now.
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    statuses = set(Deadline.objects.filter(incident=incident).values_list("status", flat=True))
    assert statuses == {DeadlineStatus.LATE}
    assert Finding.objects.filter(incident=incident, kind=FindingKind.LATE).count() == 2
    finished = DBTaskResult.objects.filter(task_path__endswith="deadline_check")
    assert {row.status for row in finished} == {TaskResultStatus.SUCCESSFUL}
    # The same task enqueued again (a retry, a duplicate) changes nothing.
    deadline = Deadline.objects.filter(incident=incident).first()
    deadline_check.enqueue(deadline.pk, None)
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    assert Finding.objects.filter(incident=incident, kind=FindingKind.LATE).count() == 2
    assert Notification.objects.filter(kind="deadline_late").values(
        "recipient"
    ).distinct().count() == (Notification.objects.filter(kind="deadline_late").count() // 2)


def test_immediate_backend_runs_the_check(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    now = timezone.now()
    incident = make_incident(world, severity=4, occurred=now - dt.timedelta(hours=3))
    written = Deadline.objects.create(
        incident=incident,
        kind=Requirement.INITIAL_WRITTEN,
        anchor_at=incident.occurred_at,
        due_at=now - dt.timedelta(minutes=1),
        responsible_unit=world.unit_a,
    )
    result = deadline_check.enqueue(written.pk, None)
    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == "late"
    written.refresh_from_db()
    assert written.status == DeadlineStatus.LATE


def test_check_deadlines_command_is_the_safety_net(world):
    now = timezone.now()
    incident = make_incident(world, severity=4, occurred=now - dt.timedelta(hours=5))
    Deadline.objects.create(
        incident=incident,
        kind=Requirement.INITIAL_WRITTEN,
        anchor_at=incident.occurred_at,
        due_at=now - dt.timedelta(hours=3),
        responsible_unit=world.unit_a,
    )  # never scheduled: the worker was down
    out = io.StringIO()
    call_command("check_deadlines", stdout=out)
    assert "1 deadline(s) marked late" in out.getvalue()
    call_command("check_deadlines", stdout=out)
    assert "0 deadline(s) marked late" in out.getvalue()
    assert Finding.objects.filter(kind=FindingKind.LATE).count() == 1
