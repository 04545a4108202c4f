"""Demo units and accounts for Jinan (济南), as plain data.

``yingji load_demo`` (``yingji/core/management/commands/load_demo.py``) turns this into
units and users; ``yingji demo`` prints the accounts. Every account made from this list
is marked ``is_demo=True`` and shares the one documented password below, which is
published in README.md on purpose: **never load demo data into a production database.**

Regions are named by their GB/T 2260 code; they must be loaded first
(``yingji load_regions``). Usernames of county officers are the pinyin of the district.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import Role, UnitKind, UtilitySector

#: The one password of every demo account (documented in README.md).
DEMO_PASSWORD = "yingji-demo-2026"

CITY_CODE = "370100"


@dataclass(frozen=True)
class DemoUnit:
    """A unit to create: ``key`` names it for accounts and children of this file."""

    key: str
    name: str
    kind: str
    region_code: str
    parent_key: str | None = None
    short_name: str = ""
    sector: str = ""


@dataclass(frozen=True)
class DemoDistrict:
    code: str
    name: str
    pinyin: str  # the county officer's username


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    unit_key: str
    full_name: str
    is_superuser: bool = False


#: The 12 districts and counties of Jinan (GB/T 2260 codes as of 2019).
DISTRICTS: tuple[DemoDistrict, ...] = (
    DemoDistrict("370102", "历下区", "lixia"),
    DemoDistrict("370103", "市中区", "shizhong"),
    DemoDistrict("370104", "槐荫区", "huaiyin"),
    DemoDistrict("370105", "天桥区", "tianqiao"),
    DemoDistrict("370112", "历城区", "licheng"),
    DemoDistrict("370113", "长清区", "changqing"),
    DemoDistrict("370114", "章丘区", "zhangqiu"),
    DemoDistrict("370115", "济阳区", "jiyang"),
    DemoDistrict("370116", "莱芜区", "laiwu"),
    DemoDistrict("370117", "钢城区", "gangcheng"),
    DemoDistrict("370124", "平阴县", "pingyin"),
    DemoDistrict("370126", "商河县", "shanghe"),
)

#: City-level units (all in region 370100).
CITY_UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("city_gov", "济南市人民政府", UnitKind.GOVERNMENT, CITY_CODE, short_name="市政府"),
    DemoUnit(
        "city_ema",
        "济南市应急管理局",
        UnitKind.EMERGENCY_OFFICE,
        CITY_CODE,
        parent_key="city_gov",
        short_name="市应急局",
    ),
    DemoUnit(
        "duty_room",
        "济南市人民政府总值班室",
        UnitKind.DUTY_ROOM,
        CITY_CODE,
        parent_key="city_gov",
        short_name="市政府总值班室",
    ),
    DemoUnit(
        "water_bureau", "济南市水务局", UnitKind.DEPARTMENT, CITY_CODE, "city_gov", "市水务局"
    ),
    DemoUnit(
        "urban_mgmt", "济南市城市管理局", UnitKind.DEPARTMENT, CITY_CODE, "city_gov", "市城管局"
    ),
    DemoUnit(
        "housing",
        "济南市住房和城乡建设局",
        UnitKind.DEPARTMENT,
        CITY_CODE,
        "city_gov",
        "市住建局",
    ),
    DemoUnit(
        "transport", "济南市交通运输局", UnitKind.DEPARTMENT, CITY_CODE, "city_gov", "市交通局"
    ),
    DemoUnit("weather", "济南市气象局", UnitKind.DEPARTMENT, CITY_CODE, "city_gov", "市气象局"),
)

#: Direct-report points (信息直报点, S6): lifeline utilities and a high-risk enterprise.
#: They report straight to the city platform, so they have no parent unit here.
DIRECT_REPORT_UNITS: tuple[DemoUnit, ...] = (
    DemoUnit(
        "water_group",
        "济南水务集团有限公司",
        UnitKind.UTILITY,
        CITY_CODE,
        short_name="济南水务集团",
        sector=UtilitySector.WATER,
    ),
    DemoUnit(
        "power",
        "国网济南供电公司",
        UnitKind.UTILITY,
        CITY_CODE,
        short_name="济南供电",
        sector=UtilitySector.POWER,
    ),
    DemoUnit(
        "gas",
        "济南港华燃气有限公司",
        UnitKind.UTILITY,
        CITY_CODE,
        short_name="济南港华燃气",
        sector=UtilitySector.GAS,
    ),
    DemoUnit(
        "heating",
        "济南热力集团有限公司",
        UnitKind.UTILITY,
        CITY_CODE,
        short_name="济南热力",
        sector=UtilitySector.HEATING,
    ),
    DemoUnit(
        "bus",
        "济南市公共交通集团有限公司",
        UnitKind.UTILITY,
        CITY_CODE,
        short_name="济南公交",
        sector=UtilitySector.BUS,
    ),
    # A fictional enterprise: the demo names no real chemical company.
    DemoUnit(
        "chemical",
        "济南演示化工有限公司",
        UnitKind.ENTERPRISE,
        "370114",
        short_name="演示化工",
        sector=UtilitySector.CHEMICAL,
    ),
)


def district_government_key(code: str) -> str:
    return f"gov_{code}"


def district_office_key(code: str) -> str:
    return f"ema_{code}"


def district_units() -> tuple[DemoUnit, ...]:
    """For each district: its government and its emergency office (e.g. 历下区应急管理局)."""
    units: list[DemoUnit] = []
    for district in DISTRICTS:
        units.append(
            DemoUnit(
                district_government_key(district.code),
                f"{district.name}人民政府",
                UnitKind.GOVERNMENT,
                district.code,
                parent_key="city_gov",
                short_name=f"{district.name}政府",
            )
        )
        units.append(
            DemoUnit(
                district_office_key(district.code),
                f"{district.name}应急管理局",
                UnitKind.EMERGENCY_OFFICE,
                district.code,
                parent_key=district_government_key(district.code),
                short_name=f"{district.name}应急局",
            )
        )
    return tuple(units)


def all_units() -> tuple[DemoUnit, ...]:
    """Every fixed demo unit, parents before children."""
    return CITY_UNITS + district_units() + DIRECT_REPORT_UNITS


def township_unit_name(township_name: str) -> str:
    """The office of a township: 街道办事处 for a sub-district, 人民政府 for a town.

    Synthetic townships are numbered (``历下区合成街道01``), so look for 街道 anywhere.
    """
    if "街道" in township_name:
        return f"{township_name}办事处"
    return f"{township_name}人民政府"


#: The information officer works in a township of this district (in the district's
#: emergency office when no townships are loaded).
INFO_OFFICER_DISTRICT = "370102"

#: Pseudo unit key: "the first township office of INFO_OFFICER_DISTRICT".
INFO_OFFICER_UNIT = "township_of_info_district"


def accounts() -> tuple[DemoAccount, ...]:
    """One account per role, a county officer for each district, one per direct-report point."""
    fixed = (
        DemoAccount("admin", Role.CITY_ADMIN, "city_ema", "系统管理员（演示）", is_superuser=True),
        DemoAccount("duty", Role.DUTY_OFFICER, "duty_room", "总值班室值班员（演示）"),
        DemoAccount("leader", Role.DUTY_LEADER, "duty_room", "带班领导（演示）"),
        DemoAccount("viewer", Role.VIEWER, "city_gov", "只读用户（演示）"),
    )
    county = tuple(
        DemoAccount(
            d.pinyin,
            Role.COUNTY_OFFICER,
            district_office_key(d.code),
            f"{d.name}应急办（演示）",
        )
        for d in DISTRICTS
    )
    info = (DemoAccount("xinxiyuan", Role.INFO_OFFICER, INFO_OFFICER_UNIT, "基层信息员（演示）"),)
    direct = (
        DemoAccount("shuiwu", Role.DIRECT_REPORT, "water_group", "水务直报员（演示）"),
        DemoAccount("gongdian", Role.DIRECT_REPORT, "power", "供电直报员（演示）"),
        DemoAccount("ranqi", Role.DIRECT_REPORT, "gas", "燃气直报员（演示）"),
        DemoAccount("reli", Role.DIRECT_REPORT, "heating", "供热直报员（演示）"),
        DemoAccount("gongjiao", Role.DIRECT_REPORT, "bus", "公交直报员（演示）"),
        DemoAccount("huagong", Role.DIRECT_REPORT, "chemical", "化工企业直报员（演示）"),
    )
    return fixed + county + info + direct
