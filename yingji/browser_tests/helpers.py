"""What the browser tests share: the test password, signing in through the form, an API
client for a user, and the city/county accounts of the one-map tests."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.test import Client

from yingji.accounts.services import unit_create, user_create
from yingji.geo.models import Region

PASSWORD = "browser-test-2026"


def log_in(page: Any, username: str) -> None:
    """Sign in through the login form and wait until it has let us in."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].btn")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def api_as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def city_and_county(admin: str, county: str) -> dict[str, Any]:
    """Regions and demo townships; the emergency offices of the city and three districts;
    a city administrator ``admin`` and a 历下区 county officer ``county``."""
    call_command("load_regions", verbosity=0)
    call_command("load_demo_townships", verbosity=0)
    units = {}
    for code, name in (("370100", "济南市应急管理局"), ("370102", "历下区应急管理局"),
                       ("370103", "市中区应急管理局"), ("370104", "槐荫区应急管理局")):  # fmt: skip
        units[code] = unit_create(
            actor=None, name=name, kind="emergency_office", region=Region.objects.get(code=code)
        )
    admin_user = user_create(
        actor=None, username=admin, password=PASSWORD, role="city_admin",
        unit=units["370100"], full_name="赵指挥", check_password=False,
    )  # fmt: skip
    county_user = user_create(
        actor=None, username=county, password=PASSWORD, role="county_officer",
        unit=units["370102"], full_name="历下区操作员", check_password=False,
    )  # fmt: skip
    return {"admin": admin_user, "county": county_user, "units": units}
