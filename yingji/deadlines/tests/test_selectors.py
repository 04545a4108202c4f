"""Board reads: one query for many incidents, countdowns, overdue lists by region."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.accounts.choices import Role
from yingji.deadlines import selectors, services
from yingji.deadlines.choices import DeadlineStatus, Requirement
from yingji.incidents.models import Incident

from .factories import T0, at, make_incident

pytestmark = pytest.mark.django_db


def test_open_deadlines_for_many_incidents_is_one_query(world):
    incidents = [make_incident(world, severity=4) for _ in range(20)]
    for incident in incidents:
        services.deadlines_on_incident(incident=incident, now=T0)
    with CaptureQueriesContext(connection) as queries:
        by_list = selectors.open_deadlines_for(incidents)
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        by_queryset = selectors.open_deadlines_for(Incident.objects.all())
    assert len(queries) == 1
    assert by_list.keys() == by_queryset.keys() == {i.pk for i in incidents}
    first = by_list[incidents[0].pk]
    assert [d.kind for d in first] == [Requirement.INITIAL_PHONE, Requirement.INITIAL_WRITTEN]


def test_countdowns_go_negative_when_overdue(world):
    incident = make_incident(world, severity=4)
    services.deadlines_on_incident(incident=incident, now=T0)
    countdowns = selectors.incident_countdowns(incident, now=at(100))
    assert [c.seconds_left for c in countdowns] == [1200, 1200]
    services.check_overdue(now=at(121))
    countdowns = selectors.incident_countdowns(incident, now=at(125))
    assert all(c.overdue and c.seconds_left == -300 for c in countdowns)
    assert countdowns[0].as_dict()["status"] == DeadlineStatus.LATE


def test_overdue_deadlines_are_restricted(world):
    in_a = make_incident(world, severity=4)
    in_b = make_incident(world, severity=4, region=world.county_b)
    for incident in (in_a, in_b):
        services.deadlines_on_incident(incident=incident, now=T0)
    officer_a = world.user(Role.COUNTY_OFFICER, "a")
    seen = {d.incident_id for d in selectors.overdue_deadlines(officer_a, now=at(200))}
    assert seen == {in_a.pk}
    city = {
        d.incident_id for d in selectors.overdue_deadlines(world.user(Role.VIEWER), now=at(200))
    }
    assert city == {in_a.pk, in_b.pk}
    assert not selectors.overdue_deadlines(officer_a, now=at(60)).exists()
