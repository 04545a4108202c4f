"""Demo information officers, roster filings and direct-report points for Jinan.

Everything here is **synthetic**: names are drawn from common surnames and given names,
phones sit in an obviously fake range (``13x-0000-xxxx``), and every officer is marked
``is_synthetic`` with a note saying so. Some districts are deliberately below the
minimum of 20 active officers so that the roster page has something to show in red.

``yingji load_demo_reporters`` runs :func:`load_demo_reporters`; it needs the regions
(``yingji load_regions``) and the demo units and accounts (``yingji load_demo``) first.
It is idempotent: a district that already has synthetic officers is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yingji.accounts import demo as accounts_demo
from yingji.accounts.choices import UnitKind, UtilitySector
from yingji.accounts.models import Unit, User
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from .choices import OfficerPost
from .models import DirectReportPoint, InformationOfficer, RosterFiling
from .services import (
    direct_report_point_create,
    officer_create,
    officer_deactivate,
    officer_training_add,
    roster_accept,
    roster_file,
    roster_return,
)

SYNTHETIC_NOTE = "合成演示数据，不是真实人员（yingji load_demo_reporters 生成）。"

#: Per district: officers in total and how many of them have left (离岗). Active =
#: total − inactive; 槐荫, 长清, 钢城 and 商河 end below 20, 济阳 exactly at 20.
DISTRICT_OFFICERS: dict[str, tuple[int, int]] = {
    "370102": (26, 2),  # 历下区 24 active
    "370103": (24, 1),  # 市中区 23
    "370104": (20, 1),  # 槐荫区 19 — below
    "370105": (22, 0),  # 天桥区 22
    "370112": (30, 2),  # 历城区 28
    "370113": (18, 0),  # 长清区 18 — below
    "370114": (28, 3),  # 章丘区 25
    "370115": (21, 1),  # 济阳区 20 — exactly the minimum
    "370116": (25, 1),  # 莱芜区 24
    "370117": (19, 1),  # 钢城区 18 — below
    "370124": (23, 1),  # 平阴县 22
    "370126": (19, 0),  # 商河县 19 — below
}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰春梅海燕文斌鹏飞雪莉宁"
MOBILE_PREFIXES = ("130", "131", "135", "137", "138", "139", "150", "158", "186", "188")

POSTS: tuple[tuple[str, int], ...] = (
    (OfficerPost.VILLAGE_CADRE, 40),
    (OfficerPost.GRID_WORKER, 30),
    (OfficerPost.PROPERTY, 8),
    (OfficerPost.SCHOOL, 7),
    (OfficerPost.ENTERPRISE, 6),
    (OfficerPost.HOSPITAL, 4),
    (OfficerPost.VOLUNTEER, 5),
)
COURSES = (
    "突发事件信息报送规范",
    "汛期信息报告与避险",
    "基层信息员业务培训",
    "安全生产事故信息报告",
)
LEAVING_REASONS = ("调离本镇街", "外出务工", "年龄原因退出", "工作调整")

#: Contacts and coverage of the demo direct-report points, by unit key of
#: ``yingji/accounts/demo.py``. Names are synthetic.
POINT_DETAILS: dict[str, tuple[str, str]] = {
    "water_group": ("全市城区供水管网、主要水厂和加压站", "张供水"),
    "power": ("全市10千伏及以上配电网和变电站", "李供电"),
    "gas": ("城区中低压燃气管网、调压站和门站", "王燃气"),
    "heating": ("城区集中供热管网和热源厂", "赵热力"),
    "bus": ("全市公交线网、场站和BRT通道", "刘公交"),
    "chemical": ("厂区储罐区和装置区（演示企业）", "陈安全"),
}


@dataclass
class DemoReportersResult:
    officers_created: int = 0
    districts_skipped: list[str] = field(default_factory=list)
    trainings_created: int = 0
    filings_created: int = 0
    points_created: int = 0
    points_existing: int = 0


def synthetic_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def synthetic_phone(serial: int, rng: random.Random) -> str:
    """``13x0000nnnn``: a mobile-shaped number in an obviously fake range."""
    return f"{rng.choice(MOBILE_PREFIXES)}0000{serial:04d}"


def _weighted_post(rng: random.Random) -> str:
    posts, weights = zip(*POSTS, strict=True)
    return str(rng.choices(posts, weights=weights)[0])


def _district_places(district: Region) -> list[tuple[Region, Unit | None]]:
    """Where the district's officers sit: each township with its office, or the district."""
    townships = list(
        Region.objects.filter(level=RegionLevel.TOWNSHIP, parent=district).order_by("code")
    )
    offices = {
        unit.region_id: unit
        for unit in Unit.objects.filter(region__in=townships, kind=UnitKind.TOWNSHIP)
    }
    if townships:
        return [(t, offices.get(t.pk)) for t in townships]
    office = Unit.objects.filter(region=district, kind=UnitKind.EMERGENCY_OFFICE).first()
    return [(district, office)]


def _load_district(
    district: Region, total: int, inactive: int, serial_start: int, result: DemoReportersResult
) -> int:
    rng = random.Random(f"yingji-demo-officers-{district.code}")
    places = _district_places(district)
    serial = serial_start
    officers = []
    for n in range(total):
        region, unit = places[n % len(places)]
        post = _weighted_post(rng)
        areas: dict[str, str] = {
            OfficerPost.GRID_WORKER: f"{region.name}第{rng.randint(1, 30)}网格",
            OfficerPost.VILLAGE_CADRE: f"{region.name}{rng.choice('东西南北中')}片村居",
        }
        area = areas.get(post, f"{region.name}辖区")
        officers.append(
            officer_create(
                actor=None,
                name=synthetic_name(rng),
                phone=synthetic_phone(serial, rng),
                region=region,
                unit=unit,
                owner_unit=unit,
                post=post,
                area_covered=area,
                joined_at=date(2018, 3, 1) + timedelta(days=rng.randint(0, 2800)),
                is_synthetic=True,
                note=SYNTHETIC_NOTE,
            )
        )
        serial += 1
    result.officers_created += len(officers)
    for officer in officers:
        if rng.random() < 0.6:
            officer_training_add(
                actor=None,
                officer=officer,
                date=date(2025, 4, 1) + timedelta(days=rng.randint(0, 400)),
                course=rng.choice(COURSES),
                hours=Decimal(rng.choice(("2", "4", "4", "8"))),
                passed=rng.random() > 0.1,
            )
            result.trainings_created += 1
    for officer in rng.sample(officers, inactive):
        officer_deactivate(
            actor=None,
            officer=officer,
            reason=rng.choice(LEAVING_REASONS),
            since=date(2026, 1, 1) + timedelta(days=rng.randint(0, 200)),
        )
    return serial


def _link_demo_info_officer(result: DemoReportersResult) -> None:
    """The demo account ``xinxiyuan`` (基层信息员) gets its own officer record."""
    user = User.objects.filter(username="xinxiyuan", is_demo=True).select_related("unit").first()
    if user is None or user.unit is None or InformationOfficer.objects.filter(user=user).exists():
        return
    region = user.unit.region
    if region.level not in (RegionLevel.TOWNSHIP, RegionLevel.DISTRICT):
        return
    officer_create(
        actor=None,
        name="演示信息员",
        phone="13900000000",
        region=region,
        unit=user.unit,
        owner_unit=user.unit,
        user=user,
        post=OfficerPost.GRID_WORKER,
        area_covered=f"{region.name}演示网格",
        joined_at=date(2025, 1, 1),
        is_synthetic=True,
        note=SYNTHETIC_NOTE + " 关联演示账号 xinxiyuan。",
    )
    result.officers_created += 1


def _file_rosters(result: DemoReportersResult, minimum: int) -> None:
    """Every district files its roster; the city accepts those at or above the minimum
    and returns the others, except two left waiting for review."""
    admin = User.objects.filter(username="admin", is_demo=True).first()
    now = timezone.now()
    pending_left = 2
    for index, district in enumerate(accounts_demo.DISTRICTS):
        county = Region.objects.filter(code=district.code).first()
        officer = User.objects.filter(username=district.pinyin, is_demo=True).first()
        if county is None or officer is None:
            continue
        if RosterFiling.objects.filter(region=county).exists():
            continue
        filing = roster_file(actor=officer, county=county, now=now - timedelta(days=20 - index))
        result.filings_created += 1
        if admin is None:
            continue
        if filing.active_count < minimum:
            roster_return(
                actor=admin,
                filing=filing,
                remark=f"在岗信息员 {filing.active_count} 人，不足 {minimum} 人，请补充后重新报备。",
                now=now - timedelta(days=10 - index % 5),
            )
        elif pending_left and index % 3 == 1:
            pending_left -= 1  # left for the demo user to accept
        else:
            roster_accept(
                actor=admin, filing=filing, remark="已接收。", now=now - timedelta(days=9)
            )


def _load_points(result: DemoReportersResult) -> None:
    rng = random.Random("yingji-demo-points")
    for index, spec in enumerate(accounts_demo.DIRECT_REPORT_UNITS):
        unit = Unit.objects.filter(name=spec.name, region__code=spec.region_code).first()
        if unit is None:
            continue
        if DirectReportPoint.objects.filter(unit=unit).exists():
            result.points_existing += 1
            continue
        facilities, contact = POINT_DETAILS.get(spec.key, ("", "值班负责人"))
        direct_report_point_create(
            actor=None,
            unit=unit,
            facilities=facilities,
            contact_name=contact,
            contact_phone=f"{rng.choice(MOBILE_PREFIXES)}0000{9000 + index:04d}",
            phone_24h=f"1380000{9100 + index:04d}",
            is_synthetic=True,
            note="演示直报点：联系人和电话为合成数据。"
            + ("（虚构企业）" if spec.sector == UtilitySector.CHEMICAL else ""),
        )
        result.points_created += 1


@transaction.atomic
def load_demo_reporters(*, minimum: int | None = None) -> DemoReportersResult:
    """Create the demo officers, trainings, roster filings and points that are missing."""
    from .selectors import min_officers_per_county

    minimum = min_officers_per_county() if minimum is None else minimum
    result = DemoReportersResult()
    serial = 1
    for code, (total, inactive) in DISTRICT_OFFICERS.items():
        district = Region.objects.filter(code=code, level=RegionLevel.DISTRICT).first()
        if district is None:
            continue
        if InformationOfficer.objects.filter(
            region__path__startswith=district.path, is_synthetic=True
        ).exists():
            result.districts_skipped.append(code)
            serial += total
            continue
        serial = _load_district(district, total, inactive, serial, result)
    _link_demo_info_officer(result)
    _file_rosters(result, minimum)
    _load_points(result)
    return result
