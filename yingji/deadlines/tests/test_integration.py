"""The hooks as the incidents services call them, after commit, on the real clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yingji.accounts.choices import Role
from yingji.deadlines.choices import DeadlineStatus, FindingKind, FindingStatus, Requirement
from yingji.deadlines.models import Deadline, Finding
from yingji.incidents import services as incidents

from .factories import incident_type

pytestmark = pytest.mark.django_db


def intake(world, actor, **extra):
    data = {
        "title": "解放路积水",
        "incident_type": incident_type().code,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=30)).isoformat(),
        "region": world.township_a.code,
        "description": "路口积水30厘米",
        **extra,
    }
    return incidents.incident_report(actor=actor, data=data)[0]


def test_phone_report_then_written_report_through_the_incident_services(
    world, django_capture_on_commit_callbacks
):
    officer = world.user(Role.COUNTY_OFFICER, "a")
    with django_capture_on_commit_callbacks(execute=True):
        incident = intake(world, officer, source_channel="phone", mode="phone")
    kinds = dict(Deadline.objects.filter(incident=incident).values_list("kind", "status"))
    assert kinds == {
        Requirement.INITIAL_PHONE: DeadlineStatus.MET,
        Requirement.INITIAL_WRITTEN: DeadlineStatus.PENDING,
    }
    with django_capture_on_commit_callbacks(execute=True):
        incidents.report_submit(
            actor=officer,
            incident=incident,
            data={"kind": "initial", "mode": "written", "body": "书面首报"},
        )
    written = Deadline.objects.get(incident=incident, kind=Requirement.INITIAL_WRITTEN)
    assert written.status == DeadlineStatus.MET
    assert not Finding.objects.filter(incident=incident).exists()


def test_media_first_incident_is_a_suspected_missed_report(
    world, django_capture_on_commit_callbacks
):
    duty = world.user(Role.DUTY_OFFICER, "city")
    with django_capture_on_commit_callbacks(execute=True):
        incident = intake(world, duty, source_channel="media")
    finding = Finding.objects.get(incident=incident)
    assert (finding.kind, finding.status, finding.unit) == (
        FindingKind.MISSED,
        FindingStatus.SUSPECTED,
        world.unit_a,
    )
    phone = Deadline.objects.get(incident=incident, kind=Requirement.INITIAL_PHONE)
    assert phone.status == DeadlineStatus.PENDING  # the duty room's note is not the county's report
