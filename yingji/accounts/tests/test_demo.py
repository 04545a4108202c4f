"""The Jinan demo data: units and accounts a newcomer logs in with."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, RequestFactory
from django.urls import reverse

from yingji.accounts import demo
from yingji.accounts.choices import Role, UnitKind, UtilitySector
from yingji.accounts.models import Unit, User
from yingji.core.management.commands.load_demo import demo_account_rows, load_demo
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def jinan() -> Region:
    """The province, the city and its 12 districts, as ``load_regions`` creates them."""
    province = Region.objects.create(code="370000", name="山东省", level=RegionLevel.PROVINCE)
    city = Region.objects.create(
        code="370100", name="济南市", level=RegionLevel.CITY, parent=province
    )
    for district in demo.DISTRICTS:
        Region.objects.create(
            code=district.code, name=district.name, level=RegionLevel.DISTRICT, parent=city
        )
    return city


def add_townships(district_code: str, names: list[str]) -> list[Region]:
    district = Region.objects.get(code=district_code)
    return [
        Region.objects.create(
            code=f"{district_code}{index:03d}",
            name=name,
            level=RegionLevel.TOWNSHIP,
            parent=district,
            is_synthetic=True,
        )
        for index, name in enumerate(names, start=1)
    ]


def login(username: str, password: str) -> bool:
    request = RequestFactory().post(reverse("accounts:login"))
    return Client().login(request=request, username=username, password=password)


def test_data_has_one_account_per_role_and_a_county_officer_per_district():
    accounts = demo.accounts()
    usernames = [a.username for a in accounts]
    assert len(usernames) == len(set(usernames))
    assert {a.role for a in accounts} == set(Role.values)
    county = {a.unit_key for a in accounts if a.role == Role.COUNTY_OFFICER}
    assert county == {demo.district_office_key(d.code) for d in demo.DISTRICTS}
    assert len(demo.DISTRICTS) == 12
    units = {u.key for u in demo.all_units()} | {demo.INFO_OFFICER_UNIT}
    assert all(a.unit_key in units for a in accounts)
    for unit in demo.all_units():
        assert unit.parent_key is None or unit.parent_key in units


def test_load_demo_refuses_without_regions():
    with pytest.raises(CommandError, match="load_regions"):
        call_command("load_demo", verbosity=0)
    assert not User.objects.exists()


def test_load_demo_creates_units_and_accounts(jinan):
    result = load_demo()
    assert result.users_created == len(demo.accounts())
    assert User.objects.filter(is_demo=True).count() == len(demo.accounts())

    ema = Unit.objects.get(name="济南市应急管理局")
    assert (ema.kind, ema.region.code) == (UnitKind.EMERGENCY_OFFICE, "370100")
    assert Unit.objects.get(name="济南市人民政府总值班室").kind == UnitKind.DUTY_ROOM
    lixia = Unit.objects.get(name="历下区应急管理局")
    assert lixia.region.code == "370102"
    assert lixia.parent == Unit.objects.get(name="历下区人民政府")
    assert Unit.objects.filter(kind=UnitKind.EMERGENCY_OFFICE, region__code="370126").exists()
    sectors = set(Unit.objects.exclude(sector="").values_list("sector", flat=True))
    assert {UtilitySector.WATER, UtilitySector.POWER, UtilitySector.GAS} <= sectors
    assert {UtilitySector.HEATING, UtilitySector.BUS, UtilitySector.CHEMICAL} <= sectors

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.role == Role.CITY_ADMIN
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()
    lixia_officer = User.objects.get(username="lixia")
    assert lixia_officer.role == Role.COUNTY_OFFICER
    assert lixia_officer.unit == lixia
    assert User.objects.get(username="shizhong").unit.name == "市中区应急管理局"
    assert User.objects.get(username="shuiwu").unit.sector == UtilitySector.WATER
    # Every account is written through the service, so it has a history row.
    assert lixia_officer.history.count() >= 1


def test_load_demo_is_idempotent(jinan):
    load_demo()
    units, users = Unit.objects.count(), User.objects.count()
    second = load_demo()
    assert (second.units_created, second.users_created) == (0, 0)
    assert second.users_existing == len(demo.accounts())
    assert (Unit.objects.count(), User.objects.count()) == (units, users)
    call_command("load_demo", verbosity=0)
    assert (Unit.objects.count(), User.objects.count()) == (units, users)


def test_every_demo_account_can_log_in(jinan):
    load_demo()
    for account in demo.accounts():
        assert login(account.username, demo.DEMO_PASSWORD), account.username
    assert not login("admin", "wrong-password")


def test_demo_admin_logs_in_through_the_login_page_and_reaches_the_admin(jinan):
    load_demo()
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "admin", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_county_officer_sees_only_their_district_units(jinan):
    load_demo()
    lixia = User.objects.get(username="lixia")
    visible = Unit.objects.restrict(lixia, "view")
    assert visible.filter(name="历下区应急管理局").exists()
    assert not visible.filter(name="市中区应急管理局").exists()
    assert not visible.filter(name="济南市应急管理局").exists()


def test_townships_get_offices_and_the_information_officer_works_in_one(jinan):
    towns = add_townships("370102", ["历下区合成街道01", "示范二镇"])
    add_townships("370103", ["示范三街道"])
    load_demo()
    office = Unit.objects.get(region=towns[0])
    assert office.name == "历下区合成街道01办事处"
    assert office.kind == UnitKind.TOWNSHIP
    assert office.parent == Unit.objects.get(name="历下区人民政府")
    assert Unit.objects.get(region=towns[1]).name == "示范二镇人民政府"
    assert Unit.objects.filter(region__code="370103001").exists()
    assert User.objects.get(username="xinxiyuan").unit == office


def test_townships_loaded_later_are_added_on_the_next_run(jinan):
    load_demo()
    assert User.objects.get(username="xinxiyuan").unit.name == "历下区应急管理局"
    add_townships("370104", ["示范四街道"])
    result = load_demo()
    assert result.units_created == 1
    assert Unit.objects.filter(name="示范四街道办事处").exists()


def test_a_real_account_with_a_demo_username_is_left_alone(jinan):
    city_unit = Unit.objects.create(name="某单位", kind=UnitKind.OTHER, region=jinan)
    real = User.objects.create_user(
        username="duty", password="a-real-secret-1", role=Role.VIEWER, unit=city_unit
    )
    result = load_demo()
    assert result.skipped == ["duty"]
    real.refresh_from_db()
    assert not real.is_demo and real.role == Role.VIEWER
    assert real.check_password("a-real-secret-1")


def test_reset_passwords_restores_the_documented_password(jinan):
    load_demo()
    user = User.objects.get(username="leader")
    user.set_password("changed-by-someone-9")
    user.save()
    call_command("load_demo", "--reset-passwords", verbosity=0)
    assert login("leader", demo.DEMO_PASSWORD)


def test_printed_rows_show_only_demo_accounts_with_the_demo_password(jinan):
    load_demo()
    unit = Unit.objects.get(name="济南市应急管理局")
    User.objects.create_user(username="realperson", password="x-secret-42", unit=unit)
    rows = demo_account_rows()
    assert [r["username"] for r in rows] == [a.username for a in demo.accounts()]
    assert {r["password"] for r in rows} == {demo.DEMO_PASSWORD}
    assert rows[0]["unit"] == "济南市应急管理局"
