from __future__ import annotations

import pytest

from yingji.accounts.choices import Role
from yingji.core.testing.world import build_world
from yingji.incidents.models import IncidentType
from yingji.teams.selectors import teams_for_incident_type
from yingji.teams.tests.test_api import make_team

pytestmark = pytest.mark.django_db


def test_teams_for_incident_type_matches_ancestors_and_region() -> None:
    world = build_world()
    by_category = make_team(world.county_a, 1)
    by_category.capabilities.set([IncidentType.objects.get(code="11000")])
    exact = make_team(world.county_a, 2, readiness="not_ready")
    exact.capabilities.set([IncidentType.objects.get(code="11A02")])
    other = make_team(world.county_a, 3)
    other.capabilities.set([IncidentType.objects.get(code="11B03")])
    elsewhere = make_team(world.county_b, 4)
    elsewhere.capabilities.set([IncidentType.objects.get(code="11A02")])
    user = world.user(Role.VIEWER, "a")
    found = set(teams_for_incident_type(user=user, code="11A02"))
    assert found == {by_category, exact}
    assert set(teams_for_incident_type(user=user, code="11A02", ready_only=True)) == {by_category}
    # A broad search finds the teams of its sub-types too.
    assert other in set(teams_for_incident_type(user=user, code="11000"))
    assert set(teams_for_incident_type(user=world.user(Role.VIEWER, "b"), code="11A02")) == {
        elsewhere
    }
