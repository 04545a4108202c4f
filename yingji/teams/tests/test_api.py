"""The generic permission matrix for teams and members, and the capability search."""

from __future__ import annotations

from typing import Any

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World
from yingji.geo.models import Region
from yingji.incidents.models import IncidentType
from yingji.teams.models import Team, TeamMember


def make_team(region: Region, n: int, **extra: Any) -> Team:
    team = Team(name=f"{region.name}救援队{n}", kind="professional", region=region, **extra)
    team.set_point(116.85 if region.code == "370102" else 117.05, 36.55)
    team.save()
    return team


class TestTeamAPI(APIViewTestCases.ModelViewTestCase):
    model = Team
    basename = "api:team"
    writer_role = Role.COUNTY_OFFICER
    writer_can_delete = False
    update_data = {"head_count": 42, "readiness": "partly"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Team:
        return make_team(region, n)

    def create_data(self) -> dict[str, Any]:
        return {
            "name": "历下区排水抢险队",
            "kind": "professional",
            "sector": "water",
            "code": "42E20",
            "lon": 116.85,
            "lat": 36.55,
            "head_count": 30,
            "capabilities": ["11A02"],
        }

    def test_region_derived_from_point(self) -> None:
        response = self.client_for(self.writer).post(
            self.url("list"), self.create_data(), format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        team = Team.objects.get(pk=response.json()["id"])
        self.assertEqual(team.region, self.world.township_a)
        self.assertTrue(team.h3_cell)
        self.assertEqual(list(team.capabilities.values_list("code", flat=True)), ["11A02"])

    def test_point_in_other_county_refused(self) -> None:
        data = {**self.create_data(), "lon": 117.05}
        response = self.client_for(self.writer).post(self.url("list"), data, format="json")
        self.assertErrorShape(response, 403)

    def test_capability_filter(self) -> None:
        flood = make_team(self.world.county_a, 50)
        flood.capabilities.set([IncidentType.objects.get(code="11A00")])
        fire = make_team(self.world.county_a, 51)
        fire.capabilities.set([IncidentType.objects.get(code="12B01")])
        seen = self.ids(self.client_for(self.reader).get(self.url("list"), {"capability": "11A02"}))
        self.assertIn(flood.pk, seen)
        self.assertNotIn(fire.pk, seen)

    def test_review_action(self) -> None:
        team = self.objects_a[0]
        response = self.client_for(self.writer).post(
            self.url("review", team.pk), {"note": "汛前核查"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        team.refresh_from_db()
        self.assertIsNotNone(team.last_reviewed_at)
        response = self.client_for(self.reader).post(self.url("review", team.pk), {}, format="json")
        self.assertIn(response.status_code, {401, 403})


class TestTeamMemberAPI(APIViewTestCases.ModelViewTestCase):
    model = TeamMember
    basename = "api:teammember"
    writer_role = Role.COUNTY_OFFICER
    writer_can_delete = False
    update_data = {"phone": "13800000000", "is_active": False}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> TeamMember:
        team = Team.objects.filter(region=region).first() or make_team(region, n)
        return TeamMember.objects.create(team=team, name=f"队员{region.code}-{n}")

    def create_data(self) -> dict[str, Any]:
        return {
            "team": self.objects_a[0].team_id,  # type: ignore[attr-defined]
            "name": "张三",
            "role": "队长",
            "skills": "排水、潜水",
        }
