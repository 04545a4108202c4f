"""Synthetic rescue teams for the demo (``yingji load_demo_teams``): plainly marked.

Every name ends with "（合成）" and every row has ``is_synthetic=True``; the bases are
random points inside Jinan's districts, the phones are not real numbers. Deterministic
for a seed; ``scale`` multiplies the counts for benchmarks.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from yingji.core.registry import (
    PointSampler,
    bulk_save,
    demo_units,
    purge_synthetic,
    scaled,
    steward_for,
)
from yingji.incidents.models import IncidentType

from .choices import Readiness, Sector, TeamCode, TeamKind
from .models import Team, TeamMember

TEAMS = 200
MEMBERS_PER_TEAM = (3, 8)

#: sector → (name stem, 42E code, incident types handled)
SECTORS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    Sector.FLOOD: ("防汛抢险队", TeamCode.DRAINAGE, ("11A00",)),
    Sector.WATER: ("供排水抢修队", TeamCode.WATER_SUPPLY, ("11A02", "12P00")),
    Sector.CHEMICAL: ("危化品应急救援队", "", ("12D00", "12Q00")),
    Sector.CONSTRUCTION: ("建筑施工救援队", "", ("12C00", "11D00")),
    Sector.POWER: ("电力抢修队", TeamCode.POWER, ("12U00", "12P00")),
    Sector.GAS: ("燃气抢修队", TeamCode.GAS, ("12P00", "12U00")),
    Sector.MINE: ("矿山救护队", "", ("12A00", "12B00")),
    Sector.MEDICAL: ("医疗救护队", TeamCode.FOOD_POISONING, ("13000",)),
    Sector.FOREST: ("森林消防队", TeamCode.FOREST_FIRE, ("11G00",)),
    Sector.TRAFFIC: ("路桥抢修队", TeamCode.ROAD_BRIDGE, ("12H00", "11A02")),
    Sector.GENERAL: ("综合应急救援队", "", ("11000", "12G00")),
}
KINDS = (
    (TeamKind.PROFESSIONAL, 35),
    (TeamKind.GRASSROOTS, 25),
    (TeamKind.ENTERPRISE, 15),
    (TeamKind.SOCIAL, 10),
    (TeamKind.VOLUNTEER, 8),
    (TeamKind.FIRE, 5),
    (TeamKind.MILITIA, 2),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
ROLES = ("队长", "副队长", "队员", "队员", "队员", "技术员", "驾驶员")
SKILLS = ("排水", "破拆", "潜水", "绳索救援", "医疗急救", "电力抢修", "危化品处置", "无人机")


def fake_phone(rng: random.Random) -> str:
    """A number in the 1380000xxxx block: obviously not a real person's phone."""
    return f"1380000{rng.randint(0, 9999):04d}"


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice("某甲乙丙丁") + "（合成）"


@transaction.atomic
def load(*, scale: float = 1.0, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    purge_synthetic(Team)
    sampler = PointSampler(rng)
    units = demo_units()
    types = {t.code: t for t in IncidentType.objects.filter(depth__lte=2)}
    now = timezone.now()
    kinds = [k for k, _w in KINDS]
    weights = [w for _k, w in KINDS]
    teams: list[Team] = []
    capabilities: list[list[str]] = []
    for n in range(scaled(TEAMS, scale)):
        lon, lat, region = sampler.sample()
        sector = rng.choice(list(SECTORS))
        stem, code, caps = SECTORS[sector]
        kind = rng.choices(kinds, weights)[0]
        district = sampler.district_of(region) or region
        team = Team(
            name=f"{district.name}{stem}{n + 1:04d}（合成）",
            kind=kind,
            sector=sector,
            code=code if kind == TeamKind.PROFESSIONAL else "",
            region=region,
            owner_unit=steward_for(units, region),
            address=f"{region.name}某处（合成地址）",
            head_count=rng.randint(8, 120),
            leader_name=person(rng),
            leader_phone=fake_phone(rng),
            duty_phone=fake_phone(rng),
            readiness=rng.choices(
                [Readiness.READY, Readiness.PARTLY, Readiness.NOT_READY], [75, 20, 5]
            )[0],
            equipment_text=rng.choice(
                ("排水泵车2台、冲锋舟1艘", "破拆工具组、照明车", "发电机3台", "救护车1辆")
            ),
            last_reviewed_at=now - timedelta(days=rng.randint(0, 400)),
            is_synthetic=True,
        )
        team.set_point(lon, lat)
        teams.append(team)
        capabilities.append([c for c in caps if c in types])
    bulk_save(Team, teams)
    saved = {t.name: t for t in Team.objects.filter(is_synthetic=True)}
    through = Team.capabilities.through
    links = []
    members = []
    for team, caps in zip(teams, capabilities, strict=True):
        pk = saved[team.name].pk
        links += [through(team_id=pk, incidenttype_id=types[c].pk) for c in caps]
        for m in range(rng.randint(*MEMBERS_PER_TEAM)):
            members.append(
                TeamMember(
                    team_id=pk,
                    name=person(rng),
                    role=ROLES[0] if m == 0 else rng.choice(ROLES[1:]),
                    phone=fake_phone(rng),
                    skills="、".join(rng.sample(SKILLS, 2)),
                    is_active=rng.random() > 0.05,
                )
            )
    through.objects.bulk_create(links, batch_size=2000)
    bulk_save(TeamMember, members)
    return {"teams": len(teams), "members": len(members), "capabilities": len(links)}
