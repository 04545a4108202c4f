"""The generic permission matrix for experts and terms; appointment and renewal actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World
from yingji.experts.models import Expert, ExpertTerm
from yingji.geo.models import Region
from yingji.incidents.models import IncidentType


def make_expert(region: Region, n: int, *codes: str) -> Expert:
    expert = Expert.objects.create(name=f"{region.name}专家{n}", region=region)
    if codes:
        expert.expertise.set(IncidentType.objects.filter(code__in=codes))
    return expert


class TestExpertAPI(APIViewTestCases.ModelViewTestCase):
    model = Expert
    basename = "api:expert"
    writer_role = Role.COUNTY_OFFICER
    writer_can_delete = False
    update_data = {"availability": "limited", "title": "senior"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Expert:
        return make_expert(region, n)

    def create_data(self) -> dict[str, Any]:
        return {
            "name": "李某",
            "region": self.world.county_a.pk,
            "title": "associate",
            "employer": "某水利设计院",
            "code": "42A01",
            "expertise": ["11A00"],
            "email": "li@example.org",
        }

    def test_region_is_required_without_a_point(self) -> None:
        data = {k: v for k, v in self.create_data().items() if k != "region"}
        body = self.assertErrorShape(
            self.client_for(self.writer).post(self.url("list"), data, format="json"), 400
        )
        self.assertIn("region", body["fields"])

    def test_expertise_is_category_or_subcategory(self) -> None:
        data = {**self.create_data(), "expertise": ["11A02"]}
        body = self.assertErrorShape(
            self.client_for(self.writer).post(self.url("list"), data, format="json"), 400
        )
        self.assertIn("expertise", body["fields"])

    def test_search_by_incident_type(self) -> None:
        flood = make_expert(self.world.county_a, 10, "11A00")
        chem = make_expert(self.world.county_a, 11, "12D00")
        seen = self.ids(
            self.client_for(self.reader).get(self.url("list"), {"incident_type": "11A02"})
        )
        self.assertIn(flood.pk, seen)
        self.assertNotIn(chem.pk, seen)

    def test_appoint_then_renew(self) -> None:
        expert = self.objects_a[0]
        client = self.client_for(self.writer)
        response = client.post(
            self.url("terms", expert.pk),
            {
                "term_start": "2021-01-01",
                "term_end": "2023-12-31",
                "document_no": "济应急〔2021〕1号",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        first = ExpertTerm.objects.get(pk=response.json()["id"])
        response = client.post(
            self.url("renew", expert.pk), {"term_end": "2026-12-31"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        renewal = ExpertTerm.objects.get(pk=response.json()["id"])
        self.assertEqual(renewal.renews, first)
        self.assertEqual(renewal.term_start, date(2024, 1, 1))
        self.assertEqual(first.history.count(), 1)  # never edited
        # Malformed bodies and outsiders.
        self.assertErrorShape(client.post(self.url("renew", expert.pk), [1], format="json"), 400)
        self.assertErrorShape(
            client.post(self.url("terms", expert.pk), {"term_end": "2030-01-01"}, format="json"),
            400,
        )
        self.assertErrorShape(
            client.post(self.url("renew", expert.pk), {"term_end": "not a date"}, format="json"),
            400,
        )
        response = self.client_for(self.outsider_writer).post(
            self.url("renew", expert.pk), {"term_end": "2030-01-01"}, format="json"
        )
        self.assertErrorShape(response, 404)

    def test_renew_without_a_term(self) -> None:
        response = self.client_for(self.writer).post(
            self.url("renew", self.objects_a[1].pk), {"term_end": "2030-01-01"}, format="json"
        )
        self.assertErrorShape(response, 400)


class TestExpertTermAPI(APIViewTestCases.ReadOnlyViewTestCase):
    model = ExpertTerm
    basename = "api:expertterm"

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> ExpertTerm:
        expert = make_expert(region, 100 + n)
        return ExpertTerm.objects.create(
            expert=expert, term_start=date(2020, 1, 1), term_end=date(2022, 12, 31)
        )
