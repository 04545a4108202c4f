"""The generic permission matrix for protection targets; the 3xxxx code is checked."""

from __future__ import annotations

from typing import Any

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World
from yingji.geo.models import Region
from yingji.targets.models import ProtectionTarget


def make_target(region: Region, n: int, **extra: Any) -> ProtectionTarget:
    target = ProtectionTarget(name=f"{region.name}小学{n}", kind="school", region=region, **extra)
    target.set_point(116.85 if region.code == "370102" else 117.05, 36.55)
    target.save()
    return target


class TestProtectionTargetAPI(APIViewTestCases.ModelViewTestCase):
    model = ProtectionTarget
    basename = "api:protectiontarget"
    writer_role = Role.COUNTY_OFFICER
    writer_can_delete = False
    update_data = {"population": 1200, "contact_phone": "0531-88880000"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> ProtectionTarget:
        return make_target(region, n)

    def create_data(self) -> dict[str, Any]:
        return {
            "code": "31B07",
            "name": "某幼儿园",
            "kind": "kindergarten",
            "population": 240,
            "lon": 116.85,
            "lat": 36.55,
        }

    def test_code_checked_and_named(self) -> None:
        client = self.client_for(self.writer)
        response = client.post(self.url("list"), self.create_data(), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["code_name"], "幼儿园")
        body = self.assertErrorShape(
            client.post(self.url("list"), {**self.create_data(), "code": "21A02"}, format="json"),
            400,
        )
        self.assertIn("code", body["fields"])

    def test_filters(self) -> None:
        big = make_target(self.world.county_a, 50, population=5000, code="31B06")
        seen = self.ids(
            self.client_for(self.reader).get(
                self.url("list"), {"min_population": 1000, "code_prefix": "31B"}
            )
        )
        self.assertEqual(seen, {big.pk})
        response = self.client_for(self.reader).get(self.url("list"), {"min_population": "many"})
        self.assertErrorShape(response, 400)
