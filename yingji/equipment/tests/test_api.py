"""Equipment API: the generic permission matrix, filters and the status action."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import override_settings

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World
from yingji.equipment.choices import EquipmentKind, OwnerKind
from yingji.equipment.models import Equipment
from yingji.geo.models import Region

from . import factories as f

FAST = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}


@override_settings(**FAST)
class TestEquipmentAPI(APIViewTestCases.ModelViewTestCase):
    model = Equipment
    basename = "api:equipment"
    writer_role = Role.COUNTY_OFFICER
    update_data = {"contact_phone": "13900000000", "capability": "抽排 3000 m³/h"}
    writer_can_delete = False

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Equipment:
        return f.equipment(
            region, f"{region.name}排水车{n}", capacity=1000 * (n + 1), capacity_unit="m³/h"
        )

    def create_data(self) -> dict[str, Any]:
        return {
            "name": "50 吨汽车吊",
            "kind": EquipmentKind.CRANE,
            "region": self.world.county_a.pk,
            "owner_kind": OwnerKind.ENTERPRISE,
            "owner_name": "某起重吊装有限公司",
            "capability": "最大起重量 50 t",
            "capacity": "50",
            "capacity_unit": "t",
            "plate_no": "鲁A12345",
            "lon": 116.87,
            "lat": 36.57,
            "agreement_no": "ZY-2026-001",
            "agreement_valid_until": "2027-06-30",
            "contact_phone": "13800000000",
        }

    def test_kind_code_and_filters(self) -> None:
        client = self.client_for(self.reader)
        body = client.get(self.url("detail", self.objects_a[0].pk)).json()
        self.assertEqual(body["kind_code"], "YJE05")
        seen = self.ids(client.get(self.url("list"), {"capacity_min": "2000"}))
        self.assertEqual(seen, {o.pk for o in self.objects_a[1:]})
        self.assertEqual(self.ids(client.get(self.url("list"), {"kind": "crane"})), set())
        self.assertErrorShape(client.get(self.url("list"), {"capacity_min": "lots"}), 400)
        self.assertErrorShape(client.get(self.url("list"), {"kind": "spaceship"}), 400)

    def test_set_status_needs_a_reason(self) -> None:
        obj = self.objects_a[0]
        url = self.url("set-status", obj.pk)
        client = self.client_for(self.writer)
        self.assertErrorShape(client.post(url, {"status": "in_use"}, format="json"), 400)
        self.assertErrorShape(
            client.post(url, {"status": "flying", "reason": "x"}, format="json"), 400
        )
        response = client.post(url, {"status": "in_use", "reason": "调往经十路排涝"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "in_use")
        self.assertEqual(obj.history.first().history_change_reason, "调往经十路排涝")
        self.assertEqual(
            self.client_for(self.reader).post(url, {"status": "available"}).status_code, 403
        )
        response = self.client_for(self.outsider_writer).post(url, {"status": "available"})
        self.assertErrorShape(response, 404)

    def test_private_owner_needs_name_and_phone(self) -> None:
        data = {
            **self.create_data(),
            "owner_kind": OwnerKind.PRIVATE,
            "owner_name": "",
            "contact_phone": "",
        }
        body = self.assertErrorShape(
            self.client_for(self.writer).post(self.url("list"), data, format="json"), 400
        )
        self.assertIn("owner_name", body["fields"])

    def test_expired_agreement_flagged(self) -> None:
        obj = self.objects_a[0]
        obj.agreement_valid_until = date(2020, 1, 1)
        obj.save()
        client = self.client_for(self.reader)
        self.assertTrue(client.get(self.url("detail", obj.pk)).json()["agreement_expired"])
        self.assertEqual(
            self.ids(client.get(self.url("list"), {"agreement_expired": "true"})), {obj.pk}
        )
