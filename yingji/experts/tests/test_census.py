"""Census of experts' terms of office (专家聘期): appointments and renewals, never edits."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.accounts.choices import Role
from yingji.catalogue.models import ImportStatus
from yingji.catalogue.tests.helpers import faults_by_row, import_rows, template_dropdowns
from yingji.core.testing.world import World, build_world
from yingji.experts.models import Expert, ExpertTerm
from yingji.experts.services import expert_create

pytestmark = pytest.mark.django_db

KEY = "experts.expertterm"


@pytest.fixture
def world() -> World:
    world = build_world()
    for region, name, phone in (
        (world.county_a, "孙七", "13700000001"),
        (world.county_a, "王明", "13700000002"),
        (world.county_b, "王明", "13700000003"),  # namesakes in two counties
        (world.county_b, "周八", "13700000004"),
    ):
        expert_create(actor=None, name=name, phone=phone, region=region)
    return world


def term(name: str, start: Any = "2024-01-01", end: Any = "2026-12-31", **extra: Any) -> dict:
    return {"专家姓名": name, "聘期开始": start, "聘期结束": end, **extra}


def test_template_has_dropdowns(world: World) -> None:
    dropdowns = template_dropdowns(KEY, world.user(Role.COUNTY_OFFICER, "a"))
    assert dropdowns["续聘"] == ["是", "否"]
    assert "孙七" in dropdowns["专家姓名"] and "周八" not in dropdowns["专家姓名"]


def test_appointments_and_renewals_are_imported(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    job = import_rows(
        user,
        KEY,
        [
            term("孙七", "2021-01-01", "2023-12-31", 聘任文号="济应急字〔2021〕1号"),
            term("孙七", "2024-01-01", "2026-12-31", 续聘="是", 聘任文号="济应急字〔2024〕1号"),
            term("王明", 专家手机="13700000002"),
        ],
    )
    assert job.status == ImportStatus.DONE, job.faults
    sun = Expert.objects.get(name="孙七")
    first, renewal = sun.terms.order_by("term_start")
    assert renewal.renews == first and first.document_no == "济应急字〔2021〕1号"
    assert ExpertTerm.objects.get(expert__phone="13700000002").renews is None


def test_each_kind_of_bad_row_is_reported(world: World) -> None:
    user = world.user(Role.CITY_ADMIN)
    job = import_rows(
        user,
        KEY,
        [
            term("孙七"),  # 2: fine
            term("王明"),  # 3: two experts of that name
            term("无名氏"),  # 4: unknown
            term("孙七", "2024-05-01", "2023-01-01"),  # 5: ends before it starts
            term("周八", "2024-01-01", "2026-12-31", 续聘="是"),  # 6: nothing to renew
            term("孙七", "2024-01-01", "2027-12-31"),  # 7: same expert and start as row 2
            term("王明", 专家手机="13700000009"),  # 8: no 王明 with that phone
            term("孙七", None, "2026-12-31"),  # 9: start missing
        ],
    )
    assert job.status == ImportStatus.REJECTED
    assert not ExpertTerm.objects.exists()
    faults = faults_by_row(job)
    assert set(faults) == set(range(3, 10))
    assert faults[3][0][0] == "专家姓名" and "专家手机" in faults[3][0][1]
    assert faults[4] == [("专家姓名", "找不到应急专家“无名氏”")]
    assert faults[5][0][0] == "聘期结束"
    assert faults[6][0][0] == "聘期结束" and "没有可续聘的聘期" in faults[6][0][1]
    assert "与第 2 行重复" in faults[7][0][1]
    assert faults[8][0][0] == "专家姓名" and "相符" in faults[8][0][1]
    assert faults[9] == [("聘期开始", "必填项为空")]


def test_another_regions_expert_is_refused(world: World) -> None:
    user_a = world.user(Role.COUNTY_OFFICER, "a")
    job = import_rows(
        user_a,
        KEY,
        [term("孙七"), term("周八"), term("王明", 专家所在行政区划代码="370103")],
        mode="good_rows",
    )
    assert job.status == ImportStatus.PARTIAL
    assert list(ExpertTerm.objects.values_list("expert__name", flat=True)) == ["孙七"]
    assert set(faults_by_row(job)) == {3, 4}


def test_a_recorded_term_is_not_edited_by_a_census(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    import_rows(user, KEY, [term("孙七")])
    same = import_rows(user, KEY, [term("孙七")], update_existing=True)
    assert same.status == ImportStatus.DONE
    changed = import_rows(user, KEY, [term("孙七", end="2030-12-31")], update_existing=True)
    assert changed.status == ImportStatus.REJECTED
    assert "续聘" in changed.faults[0]["reason"]
    assert str(ExpertTerm.objects.get().term_end) == "2026-12-31"
