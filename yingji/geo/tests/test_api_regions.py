"""The generic permission matrix for regions."""

from __future__ import annotations

from typing import Any

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region


class TestRegionAPI(APIViewTestCases.ModelViewTestCase):
    model = Region
    basename = "api:region"
    writer_role = Role.CITY_ADMIN
    writer_where = "a"
    update_data = {"name": "改名街道"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Region:
        return Region.objects.create(
            code=f"{region.code}{800 + n:03d}",
            name=f"{region.name}测试街道{n}",
            level=RegionLevel.TOWNSHIP,
            parent=region,
        )

    def create_data(self) -> dict[str, Any]:
        return {
            "code": "370102777",
            "name": "新设街道",
            "level": RegionLevel.TOWNSHIP,
            "parent": self.world.county_a.pk,
        }
