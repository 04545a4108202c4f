"""Pages of S5 and S6: scoping, filters, export, the forms, the roster page."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from yingji.accounts.choices import Role, UnitKind, UtilitySector
from yingji.accounts.models import User
from yingji.core.testing.world import World, build_world
from yingji.reporters.choices import OfficerPost, RosterStatus
from yingji.reporters.models import DirectReportPoint, InformationOfficer, RosterFiling
from yingji.reporters.services import roster_file

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    w = build_world()
    factories.officers(w.township_a, 3, name="历下员")
    factories.officer(w.county_a, name="历下离岗员", is_active=False, inactive_reason="退休")
    factories.officers(w.county_b, 2, name="市中员")
    return w


def login(client: Client, world: World, role: str = Role.CITY_ADMIN, where: str = "city") -> Client:
    client.force_login(world.user(role, where))
    return client


def sheet_rows(response) -> list[tuple]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_county_user_sees_only_own_officers_in_list_export_and_filter(
    client: Client, world: World
) -> None:
    login(client, world, Role.COUNTY_OFFICER, "a")
    html = client.get(reverse("reporters:officer_list")).content.decode()
    assert "历下员" in html and "历下离岗员" in html
    assert "市中员" not in html
    assert "市中区" not in html  # not even in the region filter
    rows = sheet_rows(client.get(reverse("reporters:officer_list"), {"export": "xlsx"}))
    assert rows[0][0] == "姓名"
    assert sorted(r[0] for r in rows[1:]) == ["历下员"] * 3 + ["历下离岗员"]
    assert all(r[2].startswith("370102") for r in rows[1:])  # region code column


def test_officer_list_filters_sort_and_export_keep_filters(client: Client, world: World) -> None:
    login(client, world)
    url = reverse("reporters:officer_list")
    page = client.get(url, {"is_active": "false"}).context["page"]
    assert [o.name for o in page.object_list] == ["历下离岗员"]
    page = client.get(url, {"sort": "-region__code"}).context["page"]
    codes = [o.region.code for o in page.object_list]
    assert codes == sorted(codes, reverse=True)
    rows = sheet_rows(client.get(url, {"region_code": "370103", "export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["市中员", "市中员"]
    # A filter it cannot read gives an empty list and the error, not a 500.
    response = client.get(url, {"is_active": "maybe"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0


def test_add_officer_form(client: Client, world: World) -> None:
    login(client, world, Role.COUNTY_OFFICER, "a")
    html = client.get(reverse("reporters:officer_list")).content.decode()
    assert "新增信息员" in html
    url = reverse("reporters:officer_create")
    form = client.get(url)
    assert form.status_code == 200
    regions = [r.code for r in form.context["form"].fields["region"].queryset]
    assert regions == ["370102", "370102001"]
    data = {
        "name": "新来的",
        "phone": "139 0000 1234",
        "region": world.township_a.pk,
        "post": OfficerPost.PROPERTY,
        "area_covered": "某小区",
    }
    bad = client.post(url, {**data, "phone": "12345"})
    assert bad.status_code == 200
    assert "phone" in bad.context["form"].errors
    # County B's region is not a choice: the form refuses it.
    bad = client.post(url, {**data, "region": world.county_b.pk})
    assert "region" in bad.context["form"].errors
    response = client.post(url, data)
    officer = InformationOfficer.objects.get(name="新来的")
    assert response.status_code == 302
    assert response["Location"] == reverse("reporters:officer_detail", args=[officer.pk])
    assert officer.phone == "13900001234"
    assert officer.history.first().history_user == world.user(Role.COUNTY_OFFICER, "a")
    # A viewer has no form.
    client.force_login(world.user(Role.VIEWER, "city"))
    assert client.get(url).status_code == 403
    assert "新增信息员" not in client.get(reverse("reporters:officer_list")).content.decode()


def test_officer_detail_edit_deactivate_and_training(client: Client, world: World) -> None:
    officer = InformationOfficer.objects.filter(name="历下员").first()
    login(client, world, Role.COUNTY_OFFICER, "a")
    detail = reverse("reporters:officer_detail", args=[officer.pk])
    html = client.get(detail).content.decode()
    assert officer.phone in html and "尚无培训记录" in html
    add = reverse("reporters:officer_training_add", args=[officer.pk])
    client.post(add, {"date": "2026-05-01", "course": "信息报送规范", "hours": "4", "passed": "on"})
    assert officer.trainings.count() == 1
    response = client.post(add, {"date": "nonsense", "course": "", "hours": "-1"}, follow=True)
    assert "培训记录有误" in response.content.decode()
    assert officer.trainings.count() == 1
    edit = reverse("reporters:officer_edit", args=[officer.pk])
    base = {
        "name": officer.name,
        "phone": officer.phone,
        "region": officer.region_id,
        "post": officer.post,
    }
    response = client.post(edit, {**base})  # is_active unchecked, no reason
    assert response.status_code == 200
    assert "inactive_reason" in response.context["form"].errors
    response = client.post(
        edit, {**base, "inactive_reason": "外出务工", "inactive_since": "2026-06-01"}
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active and officer.inactive_reason == "外出务工"
    # County B: 404 everywhere.
    client.force_login(world.user(Role.COUNTY_OFFICER, "b"))
    assert client.get(detail).status_code == 404
    assert client.get(edit).status_code == 404
    assert client.post(add, {"date": "2026-05-01", "course": "x", "hours": "1"}).status_code == 404


def test_roster_page_county_files_city_reviews_below_minimum_in_red(
    client: Client, world: World, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.YINGJI_MIN_OFFICERS_PER_COUNTY = 3
    login(client, world, Role.COUNTY_OFFICER, "a")
    page = client.get(reverse("reporters:roster_page")).content.decode()
    assert 'data-action="file-roster"' in page
    assert "市中区" not in page
    response = client.post(reverse("reporters:roster_file"), follow=True)
    assert "在岗 3 人" in response.content.decode()
    filing = RosterFiling.objects.get()
    assert (filing.officer_count, filing.active_count) == (4, 3)
    # The county cannot review.
    client.post(reverse("reporters:roster_review", args=[filing.pk]), {"decision": "accept"})
    filing.refresh_from_db()
    assert filing.status == RosterStatus.SUBMITTED

    login(client, world)  # the city
    response = client.get(reverse("reporters:roster_page"))
    html = response.content.decode()
    assert 'data-action="file-roster"' not in html
    assert 'data-county="370103" data-below="true"' in html  # 2 active < 3
    assert 'data-county="370102" data-below="false"' in html  # exactly 3: not below
    assert "is-below" in html and "市中区" in html
    assert [row.county.code for row in response.context["below"]] == ["370103"]
    review = reverse("reporters:roster_review", args=[filing.pk])
    response = client.post(review, {"decision": "return", "remark": ""}, follow=True)
    assert "退回须写明意见" in response.content.decode()
    client.post(review, {"decision": "accept", "remark": "收到"})
    filing.refresh_from_db()
    assert filing.status == RosterStatus.ACCEPTED
    rows = sheet_rows(client.get(reverse("reporters:roster_page"), {"export": "xlsx"}))
    assert len(rows) == 2
    detail = client.get(reverse("reporters:roster_detail", args=[filing.pk])).content.decode()
    assert "历下离岗员" in detail and "退休" in detail


def test_roster_detail_hidden_from_other_county(client: Client, world: World) -> None:
    filing = roster_file(actor=world.user(Role.COUNTY_OFFICER, "a"), county=world.county_a)
    login(client, world, Role.COUNTY_OFFICER, "b")
    assert client.get(reverse("reporters:roster_detail", args=[filing.pk])).status_code == 404
    assert client.post(reverse("reporters:roster_review", args=[filing.pk])).status_code == 404


def test_point_pages_register_with_one_time_password(client: Client, world: World) -> None:
    factories.point(world.county_b, unit=factories.utility_unit(world.county_b, "市中区热力"))
    login(client, world)
    url = reverse("reporters:point_register")
    data = {
        "name": "济南演示公交公司",
        "kind": UnitKind.UTILITY,
        "sector": UtilitySector.BUS,
        "region": world.city.pk,
        "contact_name": "周公交",
        "contact_phone": "13500004444",
        "phone_24h": "0531-96166",
        "facilities": "全市公交线网",
        "create_account": "on",
        "username": "gongjiao-test",
    }
    bad = client.post(url, {**data, "phone_24h": "110"})
    assert "phone_24h" in bad.context["form"].errors
    response = client.post(url, data)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    password = response.context["password"]
    assert password and password in response.content.decode()
    user = User.objects.get(username="gongjiao-test")
    assert user.check_password(password) and user.role == Role.DIRECT_REPORT
    point = DirectReportPoint.objects.get(unit__name="济南演示公交公司")
    detail = client.get(reverse("reporters:point_detail", args=[point.pk])).content.decode()
    assert "gongjiao-test" in detail and password not in detail
    rows = sheet_rows(
        client.get(reverse("reporters:point_list"), {"sector": "bus", "export": "xlsx"})
    )
    assert [r[0] for r in rows[1:]] == ["济南演示公交公司"]
    # County A: no account fields, sees no point of county B or the city.
    login(client, world, Role.COUNTY_OFFICER, "a")
    form = client.get(url).context["form"]
    assert "create_account" not in form.fields
    html = client.get(reverse("reporters:point_list")).content.decode()
    assert "市中区热力" not in html and "济南演示公交公司" not in html
    assert client.get(reverse("reporters:point_detail", args=[point.pk])).status_code == 404
