"""The generic permission matrix for units, and the read-only user list."""

from __future__ import annotations

from typing import Any

from yingji.accounts.choices import Role, UnitKind
from yingji.accounts.models import Unit, User
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World, make_user
from yingji.geo.models import Region


class TestUnitAPI(APIViewTestCases.ModelViewTestCase):
    model = Unit
    basename = "api:unit"
    writer_role = Role.COUNTY_OFFICER
    writer_where = "a"
    update_data = {"phone": "0531-88886666", "name": "历下区改名单位"}
    writer_can_delete = False  # a county deactivates units; only the city deletes them

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Unit:
        return Unit.objects.create(
            name=f"{region.name}测试单位{n}", kind=UnitKind.DEPARTMENT, region=region
        )

    def create_data(self) -> dict[str, Any]:
        return {
            "name": "历下区水务局",
            "kind": UnitKind.DEPARTMENT,
            "region": self.world.county_a.pk,
            "phone": "0531-12345678",
            "lon": 117.05,
            "lat": 36.66,
        }


class TestUserAPI(APIViewTestCases.ReadOnlyViewTestCase):
    model = User
    basename = "api:user"
    writer_role = Role.CITY_ADMIN
    reader_role = Role.CITY_ADMIN

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> User:
        unit = world.unit_a if region == world.county_a else world.unit_b
        return make_user(f"user{n}-{region.code}", Role.INFO_OFFICER, unit)

    def test_county_officer_cannot_list_users(self) -> None:
        response = self.client_for(self.world.user(Role.COUNTY_OFFICER, "a")).get(self.url("list"))
        self.assertEqual(response.status_code, 403)
