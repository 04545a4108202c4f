"""The duty log through the API: the generic permission matrix, and the service's rules."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World
from yingji.duty.models import DutyLogEntry
from yingji.geo.models import Region


class TestDutyLogAPI(APIViewTestCases.ModelViewTestCase):
    model = DutyLogEntry
    basename = "api:duty-log"
    writer_role = Role.DUTY_OFFICER
    writer_where = "a"
    writer_can_delete = False  # the log is corrected, never deleted (history keeps both)
    update_data = {"handling": "已通知历下区应急局核实", "summary": "解放路有人报告燃气味"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> DutyLogEntry:
        return DutyLogEntry.objects.create(
            region=region,
            at=timezone.now(),
            kind="call",
            caller=f"{region.name}来电{n}",
            summary=f"{region.name}值班记录{n}",
        )

    def create_data(self) -> dict[str, Any]:
        return {
            "kind": "call",
            "caller": "市民王先生",
            "summary": "解放路有燃气味",
            "region": self.world.county_a.pk,
        }

    def test_the_recorder_and_region_default_to_the_user(self) -> None:
        data = {k: v for k, v in self.create_data().items() if k != "region"}
        response = self.client_for(self.writer).post(self.url("list"), data, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        entry = DutyLogEntry.objects.get(pk=response.json()["id"])
        self.assertEqual(entry.region, self.world.county_a)
        self.assertEqual(entry.recorded_by, self.writer)

    def test_future_time_and_empty_summary_are_refused(self) -> None:
        client = self.client_for(self.writer)
        later = (timezone.now() + timezone.timedelta(hours=2)).isoformat()
        response = client.post(self.url("list"), {**self.create_data(), "at": later}, format="json")
        body = self.assertErrorShape(response, 400)
        self.assertIn("at", body["fields"])
        response = client.post(self.url("list"), {"kind": "call", "summary": "  "}, format="json")
        body = self.assertErrorShape(response, 400)
        self.assertIn("summary", body["fields"])

    def test_linking_another_countys_incident_is_refused(self) -> None:
        from yingji.incidents import services
        from yingji.incidents.tests.factories import IN_COUNTY_B, payload

        incident, _ = services.incident_report(
            actor=self.world.user(Role.COUNTY_OFFICER, "b"),
            data=payload(lon=IN_COUNTY_B[0], lat=IN_COUNTY_B[1]),
        )
        response = self.client_for(self.writer).post(
            self.url("list"), {**self.create_data(), "incident": incident.pk}, format="json"
        )
        body = self.assertErrorShape(response, 400)
        self.assertIn("incident", body["fields"])
