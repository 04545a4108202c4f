from __future__ import annotations

import pytest

from yingji.accounts.choices import Role
from yingji.accounts.roles import role_allows


@pytest.mark.parametrize(
    ("role", "model", "action", "allowed"),
    [
        (Role.CITY_ADMIN, "geo.region", "delete", True),
        (Role.CITY_ADMIN, "accounts.user", "add", True),
        (Role.VIEWER, "geo.region", "view", True),
        (Role.VIEWER, "geo.region", "change", False),
        (Role.VIEWER, "accounts.user", "view", False),
        (Role.COUNTY_OFFICER, "accounts.unit", "change", True),
        (Role.COUNTY_OFFICER, "accounts.unit", "delete", False),
        (Role.COUNTY_OFFICER, "geo.region", "add", False),
        (Role.INFO_OFFICER, "geo.region", "view", True),
        (Role.INFO_OFFICER, "accounts.unit", "change", False),
        (Role.DIRECT_REPORT, "accounts.user", "view", False),
        ("no-such-role", "geo.region", "view", False),
    ],
)
def test_role_allows(role: str, model: str, action: str, allowed: bool) -> None:
    app_label, model_name = model.split(".")
    assert role_allows(role, app_label, model_name, action) is allowed


@pytest.mark.django_db
def test_has_perm_goes_through_the_role() -> None:
    from yingji.core.testing.world import build_world

    world = build_world()
    assert world.user(Role.CITY_ADMIN).has_perm("geo.change_region")
    assert not world.user(Role.VIEWER).has_perm("geo.change_region")
    inactive = world.user(Role.CITY_ADMIN, "a")
    inactive.is_active = False
    assert not inactive.has_perm("geo.change_region")
