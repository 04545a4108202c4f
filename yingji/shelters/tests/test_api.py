"""The generic permission matrix for shelters; outlines validated, point from the outline."""

from __future__ import annotations

from typing import Any

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World, square
from yingji.geo.models import Region
from yingji.shelters.models import Shelter


def make_shelter(region: Region, n: int, **extra: Any) -> Shelter:
    shelter = Shelter(name=f"{region.name}避难场所{n}", kind="park", region=region, **extra)
    shelter.set_point(116.85 if region.code == "370102" else 117.05, 36.55)
    shelter.save()
    return shelter


class TestShelterAPI(APIViewTestCases.ModelViewTestCase):
    model = Shelter
    basename = "api:shelter"
    writer_role = Role.COUNTY_OFFICER
    writer_can_delete = False
    update_data = {"status": "in_use", "capacity": 5000}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Shelter:
        return make_shelter(region, n)

    def create_data(self) -> dict[str, Any]:
        return {
            "name": "泉城公园避难场所",
            "kind": "park",
            "capacity": 3000,
            "area_m2": 45000,
            "has_water": True,
            "boundary": square(116.84, 36.54, 0.004),
        }

    def test_point_and_region_from_outline(self) -> None:
        response = self.client_for(self.writer).post(
            self.url("list"), self.create_data(), format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        shelter = Shelter.objects.get(pk=response.json()["id"])
        self.assertAlmostEqual(shelter.lon, 116.842, places=5)
        self.assertEqual(shelter.region, self.world.township_a)
        self.assertEqual(response.json()["code"], "47A02")

    def test_bad_outline(self) -> None:
        bowtie = {
            "type": "Polygon",
            "coordinates": [
                [
                    [116.84, 36.54],
                    [116.85, 36.55],
                    [116.85, 36.54],
                    [116.84, 36.55],
                    [116.84, 36.54],
                ]
            ],
        }
        for boundary in (bowtie, {"type": "Point", "coordinates": [116.84, 36.54]}, "{oops"):
            data = {**self.create_data(), "boundary": boundary}
            body = self.assertErrorShape(
                self.client_for(self.writer).post(self.url("list"), data, format="json"), 400
            )
            self.assertIn("boundary", body["fields"])

    def test_gcj02_point_is_converted(self) -> None:
        data = {**self.create_data(), "boundary": None, "lon": 116.86, "lat": 36.56}
        data["source_crs"] = "gcj02"
        response = self.client_for(self.writer).post(self.url("list"), data, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        shelter = Shelter.objects.get(pk=response.json()["id"])
        self.assertNotAlmostEqual(shelter.lon, 116.86, places=4)
        self.assertEqual(shelter.source_crs, "gcj02")
