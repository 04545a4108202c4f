"""The generic permission matrix for hazards, low-lying roads and water depth records."""

from __future__ import annotations

from datetime import date
from typing import Any

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World, square
from yingji.geo.models import Region
from yingji.hazards.models import HazardSource, LowLyingRoad, WaterDepthRecord


def lon_of(region: Region) -> float:
    return 116.85 if region.code == "370102" else 117.05


def make_hazard(region: Region, n: int, **extra: Any) -> HazardSource:
    hazard = HazardSource(code="22A11", name=f"{region.name}加油站{n}", region=region, **extra)
    hazard.set_point(lon_of(region), 36.55)
    hazard.save()
    return hazard


def make_road(region: Region, n: int, **extra: Any) -> LowLyingRoad:
    road = LowLyingRoad(road_name=f"{region.name}某路{n}", region=region, **extra)
    road.set_point(lon_of(region), 36.55)
    road.save()
    return road


class TestHazardSourceAPI(APIViewTestCases.ModelViewTestCase):
    model = HazardSource
    basename = "api:hazardsource"
    writer_role = Role.COUNTY_OFFICER
    writer_can_delete = False
    update_data = {"level": "major", "inspection_findings": "储罐区围堰破损"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> HazardSource:
        return make_hazard(region, n)

    def create_data(self) -> dict[str, Any]:
        return {
            "code": "22A01",
            "name": "某化工储罐区",
            "level": "larger",
            "operator_name": "某化工企业",
            "geometry": square(116.84, 36.54, 0.003),
            "last_inspected_on": "2025-05-01",
        }

    def test_unknown_code(self) -> None:
        data = {**self.create_data(), "code": "22A77"}
        body = self.assertErrorShape(
            self.client_for(self.writer).post(self.url("list"), data, format="json"), 400
        )
        self.assertIn("code", body["fields"])

    def test_code_name_and_point_from_outline(self) -> None:
        response = self.client_for(self.writer).post(
            self.url("list"), self.create_data(), format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["code_name"], "贮罐区")
        self.assertIsNotNone(response.json()["lon"])


class TestLowLyingRoadAPI(APIViewTestCases.ModelViewTestCase):
    model = LowLyingRoad
    basename = "api:lowlyingroad"
    writer_role = Role.COUNTY_OFFICER
    writer_can_delete = False
    update_data = {"pump_count": 3, "warning_depth_cm": 25}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> LowLyingRoad:
        return make_road(region, n)

    def create_data(self) -> dict[str, Any]:
        return {
            "road_name": "经十路",
            "section_from": "某下穿立交",
            "is_underpass": True,
            "geometry": {"type": "LineString", "coordinates": [[116.84, 36.54], [116.843, 36.541]]},
            "lowest_elevation_m": 30.5,
            "surrounding_elevation_m": 35.0,
            "warning_depth_cm": 20,
            "pump_count": 2,
        }

    def test_dip_is_computed_and_checked(self) -> None:
        client = self.client_for(self.writer)
        response = client.post(self.url("list"), self.create_data(), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["dip_depth_m"], 4.5)
        data = {**self.create_data(), "lowest_elevation_m": 40}
        self.assertErrorShape(client.post(self.url("list"), data, format="json"), 400)

    def test_over_warning_filter(self) -> None:
        road = self.objects_a[0]
        WaterDepthRecord.objects.create(road=road, observed_on=date(2025, 7, 1), depth_cm=35)
        seen = self.ids(
            self.client_for(self.reader).get(self.url("list"), {"over_warning": "true"})
        )
        self.assertEqual(seen, {road.pk})


class TestWaterDepthRecordAPI(APIViewTestCases.ModelViewTestCase):
    model = WaterDepthRecord
    basename = "api:waterdepthrecord"
    writer_role = Role.COUNTY_OFFICER
    writer_can_delete = False
    update_data = {"depth_cm": 42}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> WaterDepthRecord:
        road = LowLyingRoad.objects.filter(region=region).first() or make_road(region, n)
        return WaterDepthRecord.objects.create(
            road=road, observed_on=date(2024, 7, n % 28 + 1), depth_cm=10
        )

    def create_data(self) -> dict[str, Any]:
        return {
            "road": self.objects_a[0].road_id,  # type: ignore[attr-defined]
            "observed_on": "2025-07-21",
            "depth_cm": 30,
            "rainfall_mm": 85.5,
            "source": "sensor",
        }
