"""A small, fixed world for tests: a city with two counties, their units and users.

Most permission tests need the same cast: a city user, a user in county A and one in
county B. ``build_world()`` makes them without loading the real Jinan boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yingji.accounts.choices import Role, UnitKind
from yingji.accounts.models import Unit, User
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

PASSWORD = "test-password-2026"


def square(lon: float, lat: float, size: float = 0.1) -> dict[str, Any]:
    """A square GeoJSON polygon with its south-west corner at (lon, lat)."""
    ring = [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def make_region(code: str, name: str, level: str, parent: Region | None, **extra: Any) -> Region:
    region: Region
    region, _ = Region.objects.update_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, **extra}
    )
    return region


def make_unit(
    name: str, region: Region, kind: str = UnitKind.EMERGENCY_OFFICE, **extra: Any
) -> Unit:
    unit, _ = Unit.objects.get_or_create(name=name, region=region, defaults={"kind": kind, **extra})
    return unit


def make_user(username: str, role: str, unit: Unit | None, **extra: Any) -> User:
    user: User | None = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, unit=unit, **extra)
        user.set_password(PASSWORD)
        user.save()
    return user


@dataclass
class World:
    province: Region
    city: Region
    county_a: Region
    county_b: Region
    township_a: Region
    city_unit: Unit
    unit_a: Unit
    unit_b: Unit
    users: dict[str, User] = field(default_factory=dict)

    def user(self, role: str, where: str = "city") -> User:
        """The test user with ``role`` in ``where`` ("city", "a" or "b")."""
        key = f"{role}@{where}"
        if key not in self.users:
            unit = {"city": self.city_unit, "a": self.unit_a, "b": self.unit_b}[where]
            self.users[key] = make_user(f"{role}-{where}", role, unit)
        return self.users[key]


def build_world() -> World:
    province = make_region("370000", "山东省", RegionLevel.PROVINCE, None)
    city = make_region(
        "370100", "济南市", RegionLevel.CITY, province, boundary=square(116.8, 36.5, 0.4)
    )
    county_a = make_region(
        "370102", "历下区", RegionLevel.DISTRICT, city, boundary=square(116.8, 36.5, 0.2)
    )
    county_b = make_region(
        "370103", "市中区", RegionLevel.DISTRICT, city, boundary=square(117.0, 36.5, 0.2)
    )
    township_a = make_region(
        "370102001", "解放路街道", RegionLevel.TOWNSHIP, county_a, boundary=square(116.8, 36.5, 0.1)
    )
    world = World(
        province=province,
        city=city,
        county_a=county_a,
        county_b=county_b,
        township_a=township_a,
        city_unit=make_unit("济南市应急管理局", city),
        unit_a=make_unit("历下区应急管理局", county_a),
        unit_b=make_unit("市中区应急管理局", county_b),
    )
    for role in Role.values:
        world.user(role, "city")
    world.user(Role.COUNTY_OFFICER, "a")
    world.user(Role.COUNTY_OFFICER, "b")
    return world
