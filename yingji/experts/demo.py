"""Synthetic experts for the demo (``yingji load_demo_experts``): plainly marked.

Names end with "（合成）", employers are generic (某设计院), phones in the 1380000xxxx
block. Each expert has a first term; some were renewed (a new term), some have expired.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

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
from yingji.geo.models import Region
from yingji.incidents.models import IncidentType
from yingji.teams.demo import fake_phone, person

from .choices import Availability, ExpertCode, Gender, TermStatus, Title
from .models import Expert, ExpertTerm

EXPERTS = 300
#: 42A code → (incident type codes to choose from, specialties, employers)
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    ExpertCode.NATURAL: (
        ("11000", "11A00", "11B00", "11C00", "11D00", "11G00"),
        ("城市内涝", "防汛调度", "地质灾害防治", "气象预报", "地震监测", "森林防火"),
        ("某水利设计院", "某气象研究所", "某地质勘查院", "某大学土木学院"),
    ),
    ExpertCode.ACCIDENT: (
        ("12000", "12C00", "12D00", "12G00", "12H00", "12N00", "12P00"),
        ("危化品处置", "建筑结构安全", "火灾调查", "道路交通安全", "特种设备", "燃气管网"),
        ("某化工设计院", "某建筑科学研究院", "某消防技术中心", "某特检院"),
    ),
    ExpertCode.HEALTH: (
        ("13000", "13A00", "13B00", "13C00"),
        ("传染病防控", "食品安全", "中毒救治", "急诊医学"),
        ("某疾控中心", "某三甲医院", "某医科大学"),
    ),
    ExpertCode.SOCIAL: (
        ("14000", "14A00", "14C00", "14H00"),
        ("舆情应对", "群体性事件处置", "金融风险", "网络安全"),
        ("某社科院", "某大学法学院", "某信息安全中心"),
    ),
    ExpertCode.GENERAL: (
        ("11000", "12000", "13000", "14000"),
        ("应急管理", "风险评估", "应急预案", "心理援助"),
        ("某应急管理研究院", "某大学公共管理学院"),
    ),
}


@transaction.atomic
def load(*, scale: float = 1.0, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed + 12)
    purge_synthetic(Expert)
    sampler = PointSampler(rng)
    units = demo_units()
    city = Region.objects.filter(code="370100").first() or sampler.districts[0]
    types = {t.code: t for t in IncidentType.objects.filter(depth__in=[1, 2])}
    now = timezone.now()
    today = timezone.localdate()
    experts: list[Expert] = []
    chosen: list[list[str]] = []
    codes = list(FIELDS)
    for n in range(scaled(EXPERTS, scale)):
        code = rng.choices(codes, [30, 35, 15, 10, 10])[0]
        type_codes, specialties, employers = FIELDS[code]
        region = city if rng.random() < 0.4 else rng.choice(sampler.districts)
        expert = Expert(
            name=f"{person(rng)[:-4]}{n + 1:04d}（合成）",
            gender=rng.choice(Gender.values),
            title=rng.choices(Title.values, [30, 40, 20, 5, 5])[0],
            position=rng.choice(("总工程师", "研究员", "主任医师", "教授", "高级工程师", "")),
            employer=rng.choice(employers) + "（合成）",
            code=code,
            specialty="、".join(rng.sample(specialties, 2)),
            phone=fake_phone(rng),
            email=f"expert{n + 1:04d}@example.org",
            availability=rng.choices(Availability.values, [70, 25, 5])[0],
            region=region,
            owner_unit=steward_for(units, region),
            last_reviewed_at=now - timedelta(days=rng.randint(0, 500)),
            is_synthetic=True,
        )
        experts.append(expert)
        chosen.append(rng.sample([c for c in type_codes if c in types], 2))
    bulk_save(Expert, experts)
    saved = {e.name: e.pk for e in Expert.objects.filter(is_synthetic=True)}
    through = Expert.expertise.through
    links = [
        through(expert_id=saved[e.name], incidenttype_id=types[c].pk)
        for e, cs in zip(experts, chosen, strict=True)
        for c in cs
    ]
    through.objects.bulk_create(links, batch_size=2000)
    first_terms: list[ExpertTerm] = []
    renew: list[bool] = []
    for expert in experts:
        start = date(rng.choice((2020, 2021, 2022, 2023, 2024)), rng.choice((1, 4, 7)), 1)
        end = date(start.year + 3, start.month, 1) - timedelta(days=1)
        first_terms.append(
            ExpertTerm(
                expert_id=saved[expert.name],
                term_start=start,
                term_end=end,
                document_no=f"济应急专〔{start.year}〕{rng.randint(1, 60)}号（合成）",
                status=TermStatus.SERVING if rng.random() > 0.03 else TermStatus.RESIGNED,
            )
        )
        # Most experts whose first term has ended were renewed; some were not (flagged).
        renew.append(end < today and rng.random() < 0.7)
    created = bulk_save(ExpertTerm, first_terms)
    if not all(t.pk for t in created):  # databases without RETURNING (not ours)
        created = list(ExpertTerm.objects.filter(expert__is_synthetic=True).order_by("pk"))
    renewals = [
        ExpertTerm(
            expert_id=term.expert_id,
            term_start=term.term_end + timedelta(days=1),
            term_end=date(term.term_end.year + 3, term.term_end.month, term.term_end.day),
            document_no=f"济应急专〔{term.term_end.year + 1}〕{rng.randint(1, 60)}号（合成）",
            status=TermStatus.SERVING,
            renews_id=term.pk,
        )
        for term, again in zip(created, renew, strict=True)
        if again and term.status == TermStatus.SERVING
    ]
    bulk_save(ExpertTerm, renewals)
    return {"experts": len(experts), "terms": len(created) + len(renewals)}
