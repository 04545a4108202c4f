"""Supplies API: the generic permission matrix per model, then the movement actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World
from yingji.geo.models import Region
from yingji.supplies.choices import WarehouseKind
from yingji.supplies.models import StockLot, StockMovement, SupplyItem, Warehouse

from . import factories as f

FAST = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}


@override_settings(**FAST)
class TestWarehouseAPI(APIViewTestCases.ModelViewTestCase):
    model = Warehouse
    basename = "api:supplies-warehouse"
    writer_role = Role.COUNTY_OFFICER
    update_data = {"keeper": "张保管", "phone_24h": "0531-88880000"}
    writer_can_delete = False  # a county deactivates its warehouses; the city deletes

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Warehouse:
        return f.warehouse(region, f"{region.name}储备库{n}")

    def create_data(self) -> dict[str, Any]:
        return {
            "name": "历下区防汛物资仓库",
            "kind": WarehouseKind.GOVERNMENT,
            "region": self.world.county_a.pk,
            "address": "历下区某路 1 号",
            "lon": 116.86,
            "lat": 36.56,
            "area_m2": "1200.0",
            "keeper": "李四",
            "phone_24h": "0531-12345678",
        }

    def test_has_item_filter(self) -> None:
        wh = self.objects_a[0]
        f.lot(wh, 5, code="3010101")
        client = self.client_for(self.reader)
        for code, expected in (
            ("3010101", {wh.pk}),
            ("301", {wh.pk}),
            ("1020101", set()),
            ("x'; --", set()),
        ):
            seen = self.ids(client.get(self.url("list"), {"has_item": code}))
            self.assertEqual(seen, expected, code)

    def test_gcj02_input_is_converted(self) -> None:
        data = {**self.create_data(), "source_crs": "gcj02", "lon": 117.0, "lat": 36.65}
        response = self.client_for(self.writer).post(self.url("list"), data, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["source_crs"], "gcj02")
        self.assertNotAlmostEqual(body["lon"], 117.0, places=4)


@override_settings(**FAST)
class TestStockLotAPI(APIViewTestCases.ModelViewTestCase):
    model = StockLot
    basename = "api:supplies-lot"
    writer_role = Role.COUNTY_OFFICER
    update_data = {"batch": "2026-07", "condition": "needs_repair"}
    writer_can_delete = False
    # Any text is a reason or a batch number (numbers too); an accepted receipt has a
    # ledger row, so the base class could not delete it again.
    fuzz_skip = {"reason", "batch"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> StockLot:
        return f.lot(f.warehouse(region, f"{region.name}库{n}"), 10 + n)

    def create_data(self) -> dict[str, Any]:
        return {
            "warehouse": self.objects_a[0].warehouse_id,
            "item": f.item("2010101").pk,
            "quantity": "200",
            "reason": "2026 年汛前采购",
            "batch": "2026-05",
        }

    def test_create_is_a_receipt(self) -> None:
        response = self.client_for(self.writer).post(
            self.url("list"), self.create_data(), format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        lot = StockLot.objects.get(pk=response.json()["id"])
        self.assertEqual(lot.quantity, 200)
        mv = StockMovement.objects.get(lot=lot)
        self.assertEqual((mv.kind, mv.actor, mv.reason), ("in", self.writer, "2026 年汛前采购"))

    def test_quantity_cannot_be_patched(self) -> None:
        obj = self.objects_a[0]
        response = self.client_for(self.writer).patch(
            self.url("detail", obj.pk), {"quantity": "1"}, format="json"
        )
        self.assertErrorShape(response, 400)
        obj.refresh_from_db()
        self.assertEqual(obj.quantity, 10)

    def post(self, user: Any, name: str, pk: Any, data: Any) -> Any:
        return self.client_for(user).post(
            reverse(f"api:supplies-lot-{name}", args=[pk]), data, format="json"
        )

    def test_every_movement_action(self) -> None:
        lot = self.objects_a[1]  # 11 units
        other = f.warehouse(self.world.county_a, "历下区第二仓库")
        w = self.writer
        steps = [
            ("receive", {"quantity": "4", "reason": "补库"}, 15, 0),
            ("reserve", {"quantity": "5", "reason": "预留"}, 15, 5),
            ("issue", {"quantity": "3", "reason": "借出", "destination": "某小区"}, 12, 5),
            ("issue", {"quantity": "2", "reason": "按预留", "use_reserved": True}, 10, 3),
            ("release", {"quantity": "3", "reason": "解除"}, 10, 0),
            ("adjust", {"counted": "9", "reason": "盘点"}, 9, 0),
            ("transfer", {"quantity": "4", "reason": "调剂", "to_warehouse": other.pk}, 5, 0),
        ]
        for name, data, quantity, reserved in steps:
            response = self.post(w, name, lot.pk, data)
            self.assertEqual(response.status_code, 200, (name, response.content))
            body = response.json()
            self.assertEqual(float(body["lot"]["quantity"]), quantity, name)
            self.assertEqual(float(body["lot"]["reserved"]), reserved, name)
        kinds = list(
            StockMovement.objects.filter(lot=lot).order_by("id").values_list("kind", flat=True)
        )
        self.assertEqual(
            kinds,
            ["in", "in", "reservation", "out", "out", "release", "adjustment", "transfer_out"],
        )

    def test_shortage_is_409_with_the_sentence(self) -> None:
        lot = self.objects_a[0]  # 10 units
        response = self.post(self.writer, "issue", lot.pk, {"quantity": "11", "reason": "x"})
        body = self.assertErrorShape(response, 409)
        self.assertEqual(body["code"], "insufficient_stock")
        self.assertEqual(body["message"], "库存不足：现有 10，需 11")

    def test_actions_validate_and_refuse(self) -> None:
        lot = self.objects_a[0]
        for data in (
            {"quantity": "1"},
            {"quantity": "1", "reason": ""},
            {"quantity": "-1", "reason": "x"},
            {"quantity": "abc", "reason": "x"},
            {},
            [],
            "text",
        ):
            response = self.post(self.writer, "issue", lot.pk, data)
            self.assertErrorShape(response, 400)
        self.assertEqual(
            self.post(self.reader, "issue", lot.pk, {"quantity": "1", "reason": "x"}).status_code,
            403,
        )
        response = self.post(
            self.outsider_writer, "issue", lot.pk, {"quantity": "1", "reason": "x"}
        )
        self.assertErrorShape(response, 404)
        response = self.post(
            self.writer,
            "transfer",
            lot.pk,
            {"quantity": "1", "reason": "x", "to_warehouse": self.object_b.warehouse_id},
        )
        self.assertErrorShape(response, 400)  # another county's warehouse: 对象不存在
        lot.refresh_from_db()
        self.assertEqual(lot.quantity, 10)

    def test_dispatch_endpoint(self) -> None:
        url = reverse("api:supplies-dispatch")
        client = self.client_for(self.writer)
        payload = {
            "item_code": "3010101",
            "quantity": "15",
            "reason": "抢险",
            "destination": "经十路下穿",
        }
        response = client.post(url, payload, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        moves = response.json()["movements"]
        self.assertEqual(sum(float(m["quantity"]) for m in moves), 15)
        # County A holds 33 − 15 = 18; county B's lot is not touched.
        response = client.post(url, {**payload, "quantity": "19"}, format="json")
        self.assertEqual(response.json()["message"], "库存不足：现有 18，需 19")
        self.assertEqual(self.object_b.movements.count(), 1)
        for bad in (
            {**payload, "item_code": "9999999"},
            {**payload, "destination": ""},
            {**payload, "allocations": [{"lot": self.object_b.pk, "quantity": "1"}]},
            {**payload, "quantity": "0"},
        ):
            self.assertErrorShape(client.post(url, bad, format="json"), 400)
        self.assertEqual(
            self.client_for(self.reader).post(url, payload, format="json").status_code, 403
        )

    def test_alerts_endpoint(self) -> None:
        today = timezone.localdate()
        f.lot(self.objects_a[0].warehouse, 5, code="1020101", expires_on=today + timedelta(days=30))
        f.lot(self.object_b.warehouse, 5, code="1020101", expires_on=today + timedelta(days=3))
        response = self.client_for(self.reader).get(
            reverse("api:supplies-alerts"), {"within_days": 30}
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual([r["item_code"] for r in body["expiring"]], ["1020101"])
        # 沙袋's default minimum is 2000: the three county-A warehouses holding sandbags are
        # short, and so is the one with 5 cases of water (minimum 100).
        self.assertEqual(len(body["below_minimum"]), 4)
        self.assertErrorShape(
            self.client_for(self.reader).get(reverse("api:supplies-alerts"), {"within_days": "x"}),
            400,
        )


@override_settings(**FAST)
class TestStockMovementAPI(APIViewTestCases.ReadOnlyViewTestCase):
    model = StockMovement
    basename = "api:supplies-movement"

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> StockMovement:
        lot = f.lot(f.warehouse(region, f"{region.name}库{n}"), 10 + n)
        return StockMovement.objects.get(lot=lot)

    def test_ledger_is_read_only(self) -> None:
        admin = self.world.user(Role.CITY_ADMIN)
        client = self.client_for(admin)
        mv = self.objects_a[0]
        self.assertEqual(client.patch(self.url("detail", mv.pk), {"reason": "x"}).status_code, 405)
        self.assertEqual(client.delete(self.url("detail", mv.pk)).status_code, 405)
        history = client.get(self.url("history", mv.pk)).json()
        self.assertEqual(history[0]["reason"], "测试入库")


@override_settings(**FAST)
class TestSupplyItemAPI(APIViewTestCases.ListTests, APIViewTestCases.GetTests):
    """The catalogue: everyone signed in reads it, the city administrator writes it."""

    model = SupplyItem
    basename = "api:supplies-item"

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> SupplyItem:
        return f.item()

    # The catalogue is city-wide: every region sees every item.
    def test_list_shows_own_region(self) -> None:
        seen = self.ids(self.client_for(self.reader).get(self.url("list"), {"page_size": 1000}))
        self.assertEqual(len(seen), SupplyItem.objects.count())

    def test_list_hides_other_region(self) -> None:
        info = self.world.user(Role.INFO_OFFICER, "b")
        seen = self.ids(self.client_for(info).get(self.url("list"), {"page_size": 1000}))
        self.assertEqual(len(seen), SupplyItem.objects.count())

    def test_get_other_region_is_not_found(self) -> None:
        response = self.client_for(self.outsider_reader).get(self.url("detail", f.item().pk))
        self.assertEqual(response.status_code, 200)

    def test_only_city_admin_writes(self) -> None:
        data = {
            "code": "3010104",
            "name": "防汛砂袋（小）",
            "category": f.item().category_id,
            "unit": "条",
        }
        for role, where in ((Role.COUNTY_OFFICER, "a"), (Role.VIEWER, "city")):
            response = self.client_for(self.world.user(role, where)).post(
                self.url("list"), data, format="json"
            )
            self.assertEqual(response.status_code, 403)
        admin = self.client_for(self.world.user(Role.CITY_ADMIN))
        response = admin.post(self.url("list"), data, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        response = admin.post(self.url("list"), {**data, "code": "1010199"}, format="json")
        self.assertErrorShape(response, 400)
        self.assertEqual(
            admin.get(reverse("api:supplies-category-list"), {"is_standard": "true"}).json()[
                "count"
            ],
            3,
        )
