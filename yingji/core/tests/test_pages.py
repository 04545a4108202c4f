"""Shared pages: the shell, home, system placeholders, history, login, errors, language."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from yingji.accounts.choices import Role
from yingji.accounts.services import unit_update
from yingji.core.systems import SYSTEMS
from yingji.core.testing.world import PASSWORD, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    # The world makes a dozen accounts; the production hasher would take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    return build_world()


def login(client: Client, world: World, role: str = Role.CITY_ADMIN, where: str = "city") -> Client:
    user = world.user(role, where)
    client.force_login(user)
    return client


PAGES = [
    ("core:home", []),
    ("core:system", ["S1"]),
    ("geo:map", []),
    ("geo:region_list", []),
    ("accounts:unit_list", []),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_anonymous_is_sent_to_login(client: Client, world: World, name: str, args: list) -> None:
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"]


def test_anonymous_detail_and_history_pages_are_sent_to_login(client: Client, world: World) -> None:
    for url in (
        reverse("geo:region_detail", args=[world.county_a.pk]),
        reverse("accounts:unit_detail", args=[world.unit_a.pk]),
        reverse("core:history", args=["accounts", "unit", world.unit_a.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_every_page_renders_with_the_shell(
    client: Client, world: World, name: str, args: list
) -> None:
    login(client, world)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "济南市应急指挥平台" in html
    # The user, their unit and role are in the header; logout is a POST form.
    assert "济南市应急管理局" in html
    assert "市级管理员" in html
    assert re.search(r'<form class="logout-form" action="/accounts/logout/" method="post">', html)
    assert 'action="/i18n/setlang/"' in html


def test_navigation_lists_every_system_and_links_unbuilt_ones_to_their_placeholder(
    client: Client, world: World
) -> None:
    login(client, world)
    html = client.get(reverse("core:home")).content.decode()
    for system in SYSTEMS:
        assert f'data-system="{system.id}"' in html
        assert str(system.name) in html
        if system.built:
            assert f'href="{reverse(system.url_name)}"' in html
        else:
            assert f'href="/systems/{system.id}/"' in html
    for link in ("/geo/map/", "/geo/regions/", "/accounts/units/", "/api/docs/"):
        assert f'href="{link}"' in html
    # Only staff see the admin link.
    assert 'href="/admin/"' not in html


def test_staff_see_the_admin_link(client: Client, world: World) -> None:
    user = world.user(Role.CITY_ADMIN)
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert 'href="/admin/"' in client.get(reverse("core:home")).content.decode()


def test_home_shows_counts_scope_and_chart_data(client: Client, world: World) -> None:
    login(client, world)
    response = client.get(reverse("core:home"))
    html = response.content.decode()
    assert "您的管辖范围：济南市及其下级区划" in html
    assert response.context["summary"]["districts"] == 2
    assert response.context["summary"]["townships"] == 1
    # The township chart has one bar, for 历下区; the units chart one slice.
    assert response.context["charts"]["townships"] == {"names": ["历下区"], "values": [1]}
    assert response.context["charts"]["units"] == [{"name": "应急管理部门", "value": 3}]
    assert 'id="chart-townships"' in html
    assert "vendor/echarts/echarts.min.js" in html


def test_home_of_a_county_user_counts_only_their_county(client: Client, world: World) -> None:
    login(client, world, Role.COUNTY_OFFICER, "b")
    response = client.get(reverse("core:home"))
    assert response.context["summary"]["districts"] == 1
    assert response.context["summary"]["townships"] == 0
    assert response.context["charts"]["units"] == [{"name": "应急管理部门", "value": 1}]
    assert "尚未导入镇街区划" in response.content.decode()


def test_unbuilt_system_page_says_so_plainly(client: Client, world: World) -> None:
    login(client, world)
    unbuilt = next(s for s in SYSTEMS if not s.built)
    html = client.get(reverse("core:system", args=[unbuilt.id])).content.decode()
    assert "该系统尚未建设" in html
    assert str(unbuilt.summary) in html
    assert 'aria-current="page"' in html


def test_unknown_system_is_a_404_page(client: Client, world: World) -> None:
    login(client, world)
    response = client.get("/systems/S99/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_history_page_lists_changes_and_hides_other_counties(client: Client, world: World) -> None:
    admin = world.user(Role.CITY_ADMIN)
    unit_update(actor=admin, unit=world.unit_a, phone="0531-88886666")
    url = reverse("core:history", args=["accounts", "unit", world.unit_a.pk])

    login(client, world)
    html = client.get(url).content.decode()
    assert "变更历史" in html
    assert "24小时值班电话" in html
    assert "0531-88886666" in html
    assert "修改单位" in html  # the reason written by the service
    assert str(admin) in html

    other = Client()
    login(other, world, Role.COUNTY_OFFICER, "b")
    assert other.get(url).status_code == 404
    # Models without history or unknown models are not found either.
    assert other.get("/history/nope/thing/1/").status_code == 404


def test_detail_pages_link_to_their_history(client: Client, world: World) -> None:
    login(client, world)
    html = client.get(reverse("accounts:unit_detail", args=[world.unit_a.pk])).content.decode()
    assert reverse("core:history", args=["accounts", "unit", world.unit_a.pk]) in html
    html = client.get(reverse("geo:region_detail", args=[world.county_a.pk])).content.decode()
    assert reverse("core:history", args=["geo", "region", world.county_a.pk]) in html


def test_login_with_wrong_password_shows_a_chinese_message(client: Client, world: World) -> None:
    world.user(Role.DUTY_OFFICER)
    response = client.post(
        reverse("accounts:login"), {"username": "duty_officer-city", "password": "wrong"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "账号或密码不正确" in html
    assert "连续输错 5 次，账号将被锁定 30 分钟" in html


def test_login_succeeds_and_logout_is_a_post(client: Client, world: World) -> None:
    world.user(Role.DUTY_OFFICER)
    response = client.post(
        reverse("accounts:login"), {"username": "duty_officer-city", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


def test_five_failures_lock_the_account_and_say_for_how_long(client: Client, world: World) -> None:
    world.user(Role.DUTY_OFFICER)
    data = {"username": "duty_officer-city", "password": "wrong"}
    for _ in range(5):
        response = client.post(reverse("accounts:login"), data)
    response = client.post(
        reverse("accounts:login"), {"username": "duty_officer-city", "password": PASSWORD}
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "账号已被暂时锁定" in html
    assert "连续 5 次登录失败" in html
    assert "锁定 30 分钟" in html


def test_language_switch_turns_the_page_english(client: Client, world: World) -> None:
    login(client, world)
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": reverse("core:home")}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Emergency Command Platform" in html
    assert ">Map<" in html
    assert "Emergency supplies reserve" in html  # S3 in the navigation
    assert "City administrator" in html  # the role in the header
    assert "工作台" not in html
    # And back to Chinese.
    response = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": reverse("core:home")}, follow=True
    )
    assert "工作台" in response.content.decode()


def test_404_page_for_anonymous_users_renders(client: Client, world: World) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "logout-form" not in html


def test_500_page_renders_without_the_database(rf) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.views import server_error

    request = rf.get("/some/page/")
    request.user = AnonymousUser()
    response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出错" in html
    assert "总值班室" in html  # tells a reporter what to do instead


def test_navigation_shows_each_role_only_what_it_may_open(client: Client, world: World) -> None:
    login(client, world, Role.INFO_OFFICER)
    html = client.get(reverse("core:home")).content.decode()
    # An information officer reports incidents: S8 and its report form are there…
    assert 'data-system="S8"' in html
    assert f'href="{reverse("incidents:report_new")}"' in html
    # …but not the registries, the scoring or the deadline rules it may not read.
    for system in ("S3", "S4", "S12", "S13"):
        assert f'data-system="{system}"' not in html
    for url_name in ("supplies:dispatch", "deadlines:rule_list", "scoring:notice_list"):
        assert f'href="{reverse(url_name)}"' not in html
    # Systems not built yet stay listed: their page says so.
    unbuilt = next(s for s in SYSTEMS if not s.built)
    assert f'data-system="{unbuilt.id}"' in html


def test_every_navigation_link_opens_for_the_roles_it_is_shown_to(
    client: Client, world: World
) -> None:
    from yingji.core.systems import systems_for

    for role in Role.values:
        user = world.user(role)
        client.force_login(user)
        for system in systems_for(user):
            urls = [link[1] for link in system.links]
            if system.built:
                urls.append(system.url_name)
            for url_name in urls:
                status = client.get(reverse(url_name)).status_code
                assert status == 200, (role, url_name, status)
