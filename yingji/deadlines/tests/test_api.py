"""API: the generic permission matrix for rules, deadlines and findings, plus the actions."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.hashers import make_password  # noqa: F401  (fast hasher via settings)
from django.test import override_settings
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World
from yingji.deadlines import services
from yingji.deadlines.choices import Anchor, DeadlineStatus, FindingKind, FindingStatus, Requirement
from yingji.deadlines.models import Deadline, DeadlineRule, Finding
from yingji.geo.models import Region
from yingji.incidents.choices import SourceChannel

from .factories import T0, at, make_incident

FAST = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@FAST
class TestDeadlineRuleAPI(APIViewTestCases.ModelViewTestCase):
    model = DeadlineRule
    basename = "api:deadlinerule"
    writer_role = Role.COUNTY_OFFICER
    writer_where = "a"
    writer_can_delete = False  # counties add and change; only the city deletes
    update_data = {"minutes": 20, "source": "历下区突发事件信息报告办法（2026修订）"}

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> DeadlineRule:
        return DeadlineRule.objects.create(
            region=region,
            name=f"{region.name}规则{n}",
            severity=(n % 4) + 1 if n < 99 else 4,
            requirement=Requirement.INITIAL_PHONE,
            anchor=Anchor.OCCURRED,
            minutes=30,
            source="测试依据",
        )

    def create_data(self) -> dict[str, Any]:
        return {
            "region": self.world.county_a.pk,
            "name": "历下区一般事件书面首报",
            "severity": 4,
            "requirement": Requirement.INITIAL_WRITTEN,
            "anchor": Anchor.OCCURRED,
            "minutes": 60,
            "source": "历下区突发事件信息报告办法",
            "confidence": "local",
        }

    def test_laxer_rule_is_a_400_naming_the_parent(self) -> None:
        from yingji.deadlines.tests.factories import world_with_rules

        world_with_rules()
        data = {**self.create_data(), "minutes": 240}
        response = self.client_for(self.writer).post(self.url("list"), data, format="json")
        body = self.assertErrorShape(response, 400)
        assert "不能宽于上级" in body["fields"]["minutes"][0]

    def test_rules_show_their_source(self) -> None:
        response = self.client_for(self.reader).get(self.url("detail", self.objects_a[0].pk))
        assert response.json()["source"] == "测试依据"
        assert response.json()["limit_text"] == "事发后30分钟"

    def test_city_admin_deletes(self) -> None:
        response = self.client_for(self.world.user(Role.CITY_ADMIN)).delete(
            self.url("detail", self.objects_a[0].pk)
        )
        assert response.status_code == 204


def _deadline(world: World, region: Region, n: int) -> Deadline:
    incident = make_incident(world, region=region)
    return Deadline.objects.create(
        incident=incident,
        kind=Requirement.INITIAL_WRITTEN,
        responsible_unit=incident.owner_unit,
        anchor_at=T0,
        due_at=at(120 + n),
    )


@FAST
class TestDeadlineAPI(APIViewTestCases.ReadOnlyViewTestCase):
    model = Deadline
    basename = "api:deadline"

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Deadline:
        return _deadline(world, region, n)

    def test_filter_by_status_incident_and_due_range(self) -> None:
        client = self.client_for(self.world.user(Role.VIEWER, "city"))
        first = self.objects_a[0]
        Deadline.objects.filter(pk=first.pk).update(status=DeadlineStatus.LATE)
        assert self.ids(client.get(self.url("list"), {"status": "late"})) == {first.pk}
        assert self.ids(client.get(self.url("list"), {"incident": first.incident_id})) == {first.pk}
        window = {"due_after": at(120).isoformat(), "due_before": at(121).isoformat()}
        assert self.ids(client.get(self.url("list"), window)) == {
            self.objects_a[0].pk,
            self.objects_a[1].pk,
        }
        response = client.get(self.url("list"), {"due_after": "yesterday-ish"})
        self.assertErrorShape(response, 400)
        response = client.get(self.url("list"), {"status": "nonsense"})
        self.assertErrorShape(response, 400)

    def test_overdue_is_restricted(self) -> None:
        url = self.url("overdue")
        seen_a = self.ids(self.client_for(self.reader).get(url))
        assert {o.pk for o in self.objects_a} <= seen_a
        assert self.object_b.pk not in seen_a
        seen_b = self.ids(self.client_for(self.outsider_reader).get(url))
        assert not ({o.pk for o in self.objects_a} & seen_b)

    def test_read_only(self) -> None:
        client = self.client_for(self.world.user(Role.CITY_ADMIN))
        response = client.post(self.url("list"), {}, format="json")
        assert response.status_code == 405


@FAST
class TestFindingAPI(
    APIViewTestCases.ListTests,
    APIViewTestCases.GetTests,
    APIViewTestCases.CreateTests,
    APIViewTestCases.ExportTests,
):
    model = Finding
    basename = "api:finding"
    writer_role = Role.DUTY_OFFICER
    writer_where = "a"

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> Finding:
        incident = make_incident(world, region=region, channel=SourceChannel.MEDIA)
        services.deadlines_on_incident(incident=incident, now=T0)
        return Finding.objects.get(incident=incident)

    def create_data(self) -> dict[str, Any]:
        return {
            "incident": self.objects_a[0].incident_id,
            "kind": FindingKind.CONCEALED,
            "reasons": "经调查，该单位隐瞒了两名受伤人员。",
            "evidence": "医院收治记录",
        }

    def test_reasons_required_and_only_concealed_or_false(self) -> None:
        client = self.client_for(self.writer)
        for data in (
            {**self.create_data(), "reasons": ""},
            {k: v for k, v in self.create_data().items() if k != "reasons"},
            {**self.create_data(), "kind": FindingKind.LATE},
            {**self.create_data(), "kind": FindingKind.MISSED},
        ):
            response = client.post(self.url("list"), data, format="json")
            self.assertErrorShape(response, 400)
        assert not Finding.objects.filter(kind=FindingKind.CONCEALED).exists()

    def test_confirm_and_dismiss(self) -> None:
        finding = self.objects_a[0]
        leader = self.world.user(Role.DUTY_LEADER, "a")
        client = self.client_for(leader)
        url = self.url("confirm", finding.pk)
        self.assertErrorShape(client.post(url, {}, format="json"), 400)
        self.assertErrorShape(client.post(url, {"reasons": "   "}, format="json"), 400)
        response = client.post(url, {"reasons": "媒体报道早于区里报告两小时"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == FindingStatus.CONFIRMED
        assert response.json()["reviewer"] == leader.pk
        self.assertErrorShape(client.post(url, {"reasons": "again"}, format="json"), 400)
        response = client.post(
            self.url("dismiss", finding.pk), {"reasons": "复核：区里已电话报告"}, format="json"
        )
        assert response.json()["status"] == FindingStatus.DISMISSED

    def test_decisions_refused_to_viewers_counties_and_other_regions(self) -> None:
        finding = self.objects_a[0]
        body = {"reasons": "x"}
        for user in (self.reader, self.world.user(Role.COUNTY_OFFICER, "a")):
            response = self.client_for(user).post(self.url("confirm", finding.pk), body)
            assert response.status_code == 403, user
        response = self.client_for(self.outsider_writer).post(
            self.url("dismiss", finding.pk), body, format="json"
        )
        self.assertErrorShape(response, 404)
        finding.refresh_from_db()
        assert finding.status == FindingStatus.SUSPECTED

    def test_no_update_or_delete(self) -> None:
        client = self.client_for(self.world.user(Role.CITY_ADMIN))
        url = self.url("detail", self.objects_a[0].pk)
        assert client.patch(url, {"status": "confirmed"}, format="json").status_code == 405
        assert client.delete(url).status_code == 405

    def test_export_has_kinds(self) -> None:
        response = self.client_for(self.reader).get(self.url("export"))
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert len(list(sheet.iter_rows(values_only=True))) == 4  # header + three in county A
