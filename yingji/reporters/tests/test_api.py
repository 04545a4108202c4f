"""API of the reporters app: the generic permission matrix per model, and the actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import TestCase, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from yingji.accounts.choices import Role, UnitKind, UtilitySector
from yingji.accounts.models import Unit, User
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World, build_world
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region
from yingji.reporters.choices import OfficerPost, RosterStatus
from yingji.reporters.models import DirectReportPoint, InformationOfficer, RosterFiling
from yingji.reporters.services import officer_training_add, roster_file

from . import factories

FAST = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}


@override_settings(**FAST)
class TestOfficerAPI(APIViewTestCases.ModelViewTestCase):
    model = InformationOfficer
    basename = "api:reporters-officer"
    writer_role = Role.COUNTY_OFFICER
    writer_where = "a"
    writer_can_delete = False  # counties mark officers inactive; only the city deletes
    update_data = {"area_covered": "佛山社区1–3网格", "phone": "0531-86012345"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> InformationOfficer:
        where = world.township_a if region == world.county_a else region
        return factories.officer(where, name=f"{region.name}信息员{n}")

    def create_data(self) -> dict[str, Any]:
        return {
            "name": "张新员",
            "phone": "13912340000",
            "region": self.world.township_a.pk,
            "unit": self.world.unit_a.pk,
            "post": OfficerPost.VILLAGE_CADRE,
            "area_covered": "解放路街道全域",
            "joined_at": "2026-03-01",
        }


@override_settings(**FAST)
class TestRosterAPI(APIViewTestCases.ReadOnlyViewTestCase):
    model = RosterFiling
    basename = "api:reporters-roster"

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> RosterFiling:
        where = "a" if region == world.county_a else "b"
        return roster_file(actor=world.user(Role.COUNTY_OFFICER, where), county=region)


@override_settings(**FAST)
class TestPointAPI(APIViewTestCases.ModelViewTestCase):
    model = DirectReportPoint
    basename = "api:reporters-point"
    writer_role = Role.COUNTY_OFFICER
    writer_where = "a"
    writer_can_delete = False
    update_data = {"contact_name": "李值班", "phone_24h": "0531-88880000"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> DirectReportPoint:
        return factories.point(region, unit=factories.utility_unit(region, f"{region.name}热力{n}"))

    def create_data(self) -> dict[str, Any]:
        unit, _ = Unit.objects.get_or_create(
            name="历下区演示燃气公司",
            region=self.world.county_a,
            defaults={"kind": UnitKind.UTILITY, "sector": UtilitySector.GAS},
        )
        return {
            "unit": unit.pk,
            "contact_name": "赵燃气",
            "contact_phone": "13800001234",
            "phone_24h": "0531-86999999",
            "facilities": "历下区中压燃气管网",
        }


@override_settings(**FAST)
class ReportersActionsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()
        w = cls.world
        cls.a_officers = factories.officers(w.township_a, 3)
        cls.inactive = factories.officer(w.county_a, is_active=False, post=OfficerPost.SCHOOL)
        cls.b_officers = factories.officers(w.county_b, 2)
        officer_training_add(
            actor=None,
            officer=cls.a_officers[0],
            date=date(2026, 5, 1),
            course="信息报送规范",
            hours=4,
            passed=True,
        )

    def client_for(self, role: str, where: str) -> APIClient:
        client = APIClient()
        client.force_login(self.world.user(role, where))
        return client

    def ids(self, response: Any) -> set[int]:
        self.assertEqual(response.status_code, 200, response.content[:300])
        return {row["id"] for row in response.json()["results"]}

    # -- officers ------------------------------------------------------------------------
    def test_filters_region_code_with_descendants_active_post_trained(self) -> None:
        client = self.client_for(Role.CITY_ADMIN, "city")
        url = reverse("api:reporters-officer-list")
        a_ids = {o.pk for o in self.a_officers} | {self.inactive.pk}
        self.assertEqual(self.ids(client.get(url, {"region_code": "370102"})), a_ids)
        self.assertEqual(
            self.ids(client.get(url, {"region_code": "370102001"})),
            {o.pk for o in self.a_officers},
        )
        self.assertEqual(
            self.ids(client.get(url, {"region_code": "370102", "active": "false"})),
            {self.inactive.pk},
        )
        self.assertEqual(self.ids(client.get(url, {"post": "school"})), {self.inactive.pk})
        self.assertEqual(self.ids(client.get(url, {"trained": "true"})), {self.a_officers[0].pk})
        untrained = self.ids(client.get(url, {"trained": "false"}))
        self.assertNotIn(self.a_officers[0].pk, untrained)
        self.assertIn(self.b_officers[0].pk, untrained)
        name = self.a_officers[1].name
        self.assertEqual(self.ids(client.get(url, {"search": name})), {self.a_officers[1].pk})
        self.assertEqual(client.get(url, {"active": "maybe"}).status_code, 400)

    def test_officer_inactive_without_reason_is_400(self) -> None:
        client = self.client_for(Role.COUNTY_OFFICER, "a")
        url = reverse("api:reporters-officer-detail", args=[self.a_officers[1].pk])
        response = client.patch(url, {"is_active": False}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("inactive_reason", response.json()["fields"])
        response = client.patch(
            url, {"is_active": False, "inactive_reason": "外出务工"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(response.json()["is_active"])

    def test_bad_phone_and_village_region_refused(self) -> None:
        client = self.client_for(Role.COUNTY_OFFICER, "a")
        data = {
            "name": "王五",
            "phone": "12345",
            "region": self.world.county_a.pk,
            "post": OfficerPost.OTHER,
        }
        response = client.post(reverse("api:reporters-officer-list"), data, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("phone", response.json()["fields"])
        data["phone"] = "+86 139 1234 5678"
        response = client.post(reverse("api:reporters-officer-list"), data, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["phone"], "13912345678")
        village = Region.objects.create(
            code="370102001001",
            name="某村",
            level=RegionLevel.VILLAGE,
            parent=self.world.township_a,
        )
        data["region"] = village.pk
        response = client.post(reverse("api:reporters-officer-list"), data, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("region", response.json()["fields"])

    def test_trainings_list_and_add_scoped(self) -> None:
        officer = self.a_officers[1]
        url = reverse("api:reporters-officer-trainings", args=[officer.pk])
        client = self.client_for(Role.COUNTY_OFFICER, "a")
        body = {"date": "2026-06-01", "course": "汛期信息报送", "hours": "2.5", "passed": True}
        response = client.post(url, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(len(client.get(url).json()), 1)
        bad = client.post(url, {**body, "hours": -3}, format="json")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("hours", bad.json()["fields"])
        self.assertEqual(
            client.post(url, {**body, "date": "tomorrow"}, format="json").status_code, 400
        )
        # County B sees nothing of county A's officer; a viewer may read but not add.
        outsider = self.client_for(Role.COUNTY_OFFICER, "b")
        self.assertEqual(outsider.get(url).status_code, 404)
        self.assertEqual(outsider.post(url, body, format="json").status_code, 404)
        viewer = self.client_for(Role.VIEWER, "city")
        self.assertEqual(viewer.get(url).status_code, 200)
        self.assertEqual(viewer.post(url, body, format="json").status_code, 403)
        self.assertEqual(officer.trainings.count(), 1)

    # -- rosters -------------------------------------------------------------------------
    def test_file_accept_return_flow(self) -> None:
        county = self.client_for(Role.COUNTY_OFFICER, "a")
        response = county.post(reverse("api:reporters-roster-file"), {}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["region_code"], "370102")
        self.assertEqual((body["officer_count"], body["active_count"]), (4, 3))
        self.assertEqual(len(body["snapshot"]), 4)
        filing_id = body["id"]
        # The county cannot accept its own filing; county B cannot even see it.
        url = reverse("api:reporters-roster-accept", args=[filing_id])
        self.assertEqual(county.post(url, {}, format="json").status_code, 403)
        outsider = self.client_for(Role.COUNTY_OFFICER, "b")
        self.assertEqual(outsider.post(url, {}, format="json").status_code, 404)
        # Filing another county's list is refused.
        response = outsider.post(
            reverse("api:reporters-roster-file"), {"county": self.world.county_a.pk}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        city = self.client_for(Role.CITY_ADMIN, "city")
        return_url = reverse("api:reporters-roster-return", args=[filing_id])
        response = city.post(return_url, {"remark": ""}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("remark", response.json()["fields"])
        response = city.post(return_url, {"remark": "在岗不足20人，请补充。"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], RosterStatus.RETURNED)
        response = city.post(url, {}, format="json")
        self.assertEqual(response.status_code, 400)  # already reviewed
        # The city files nothing by default (it is not a county) and says so.
        response = city.post(reverse("api:reporters-roster-file"), {}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("county", response.json()["fields"])

    def test_file_garbage(self) -> None:
        county = self.client_for(Role.COUNTY_OFFICER, "a")
        url = reverse("api:reporters-roster-file")
        for value in ("abc", [1], {"x": 1}, 10**30, -1):
            response = county.post(url, {"county": value}, format="json")
            self.assertEqual(response.status_code, 400, value)
        response = county.generic("POST", url, "{oops", "application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(RosterFiling.objects.count(), 0)
        viewer = self.client_for(Role.VIEWER, "a")
        self.assertEqual(viewer.post(url, {}, format="json").status_code, 403)

    # -- points --------------------------------------------------------------------------
    def test_register_point_with_account_returns_password_once(self) -> None:
        city = self.client_for(Role.CITY_ADMIN, "city")
        body = {
            "unit": {
                "name": "济南演示供热公司",
                "kind": UnitKind.UTILITY,
                "sector": UtilitySector.HEATING,
                "region": self.world.city.pk,
            },
            "contact": {
                "contact_name": "孙热力",
                "contact_phone": "13700002222",
                "phone_24h": "0531-96111",
                "facilities": "主城区集中供热管网",
            },
            "create_account": True,
            "username": "reli-demo",
        }
        response = city.post(reverse("api:reporters-point-register"), body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response["Cache-Control"], "no-store")
        data = response.json()
        password = data["account"]["password"]
        self.assertGreaterEqual(len(password), 12)
        user = User.objects.get(username="reli-demo")
        self.assertEqual(user.role, Role.DIRECT_REPORT)
        self.assertTrue(user.check_password(password))
        self.assertEqual(data["point"]["sector"], UtilitySector.HEATING)
        self.assertEqual(data["point"]["accounts"], ["reli-demo"])
        # The password is nowhere else: not in the point's detail, not in its history.
        detail = city.get(reverse("api:reporters-point-detail", args=[data["point"]["id"]]))
        self.assertNotIn(password, detail.content.decode())
        history = city.get(reverse("api:reporters-point-history", args=[data["point"]["id"]]))
        self.assertNotIn(password, history.content.decode())

    def test_register_refusals_leave_nothing(self) -> None:
        units, users = Unit.objects.count(), User.objects.count()
        county = self.client_for(Role.COUNTY_OFFICER, "a")
        body: dict[str, Any] = {
            "unit": {
                "name": "历下演示化工",
                "kind": UnitKind.ENTERPRISE,
                "sector": UtilitySector.CHEMICAL,
                "region": self.world.county_a.pk,
            },
            "contact": {
                "contact_name": "钱",
                "contact_phone": "13600003333",
                "phone_24h": "13600003333",
            },
            "create_account": True,
        }
        url = reverse("api:reporters-point-register")
        # A county may register a point in its county, but not make accounts.
        self.assertEqual(county.post(url, body, format="json").status_code, 403)
        bad_sector = {**body, "unit": {**body["unit"], "sector": ""}}
        self.assertEqual(county.post(url, bad_sector, format="json").status_code, 400)
        bad_kind = {**body, "unit": {**body["unit"], "kind": UnitKind.DEPARTMENT}}
        self.assertEqual(county.post(url, bad_kind, format="json").status_code, 400)
        bad_phone = {**body, "contact": {**body["contact"], "phone_24h": "110"}}
        self.assertEqual(county.post(url, bad_phone, format="json").status_code, 400)
        in_b = {**body, "unit": {**body["unit"], "region": self.world.county_b.pk}}
        self.assertEqual(county.post(url, in_b, format="json").status_code, 400)
        township = {**body, "unit": {**body["unit"], "region": self.world.township_a.pk}}
        response = self.client_for(Role.CITY_ADMIN, "city").post(url, township, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual((Unit.objects.count(), User.objects.count()), (units, users))
        response = county.post(url, {**body, "create_account": False}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertIsNone(response.json()["account"])

    def test_point_filter_by_sector(self) -> None:
        water = factories.point(self.world.county_a)
        gas = factories.point(
            self.world.county_a,
            unit=factories.utility_unit(self.world.county_a, "历下燃气", UtilitySector.GAS),
        )
        client = self.client_for(Role.COUNTY_OFFICER, "a")
        url = reverse("api:reporters-point-list")
        self.assertEqual(self.ids(client.get(url, {"sector": "gas"})), {gas.pk})
        self.assertEqual(self.ids(client.get(url, {"sector": "water"})), {water.pk})
        self.assertEqual(client.get(url, {"sector": "plutonium"}).status_code, 400)

    def test_point_unit_must_be_utility(self) -> None:
        client = self.client_for(Role.COUNTY_OFFICER, "a")
        data = {
            "unit": self.world.unit_a.pk,  # an emergency office, not a utility
            "contact_name": "甲",
            "contact_phone": "13900000000",
            "phone_24h": "13900000000",
        }
        response = client.post(reverse("api:reporters-point-list"), data, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("unit", response.json()["fields"])

    # -- stats ---------------------------------------------------------------------------
    @override_settings(YINGJI_MIN_OFFICERS_PER_COUNTY=3)
    def test_county_stats(self) -> None:
        response = self.client_for(Role.CITY_ADMIN, "city").get(
            reverse("api:reporters-stats-counties")
        )
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["minimum"], 3)
        rows = {row["code"]: row for row in data["results"]}
        self.assertEqual(rows["370102"]["active"], 3)  # exactly the minimum: not below
        self.assertFalse(rows["370102"]["below_minimum"])
        self.assertEqual((rows["370103"]["active"], rows["370103"]["shortfall"]), (2, 1))
        self.assertEqual(data["below_minimum"], ["370103"])
        county = self.client_for(Role.COUNTY_OFFICER, "b").get(
            reverse("api:reporters-stats-counties")
        )
        self.assertEqual([row["code"] for row in county.json()["results"]], ["370103"])

    def test_officer_stats_scoped_and_validated(self) -> None:
        url = reverse("api:reporters-stats-officers")
        client = self.client_for(Role.COUNTY_OFFICER, "b")
        response = client.get(url, {"period_start": "2026-01-01", "period_end": "2026-12-31"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            {row["id"] for row in response.json()["results"]}, {o.pk for o in self.b_officers}
        )
        for bad in (
            {"period_start": "yesterday"},
            {"period_start": "2026-02-01", "period_end": "2026-01-01"},
            {"active": "perhaps"},
        ):
            response = client.get(url, bad)
            self.assertEqual(response.status_code, 400, bad)
            self.assertEqual(set(response.json()), {"code", "message", "fields"})
        self.assertIn(APIClient().get(url).status_code, {401, 403})
        info = self.client_for(Role.INFO_OFFICER, "a")
        self.assertEqual(info.get(url).status_code, 403)
