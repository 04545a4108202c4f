"""Census of water depth records (积水记录): a record names its road section by road name,
start (起点) and region code."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.accounts.choices import Role
from yingji.catalogue.models import ImportStatus
from yingji.catalogue.tests.helpers import faults_by_row, import_rows, template_dropdowns
from yingji.core.testing.world import World, build_world
from yingji.hazards.models import WaterDepthRecord
from yingji.hazards.services import road_create

pytestmark = pytest.mark.django_db

KEY = "hazards.waterdepthrecord"


@pytest.fixture
def world() -> World:
    world = build_world()
    for region, road, start in (
        (world.county_a, "经十路", "舜耕路"),
        (world.county_a, "经十路", "历山路"),  # the same road, another low section
        (world.county_a, "泉城路", ""),
        (world.county_b, "英雄山路", ""),
    ):
        road_create(actor=None, road_name=road, section_from=start, region=region)
    return world


def depth(road: str, day: str = "2025-07-12", cm: Any = 30, **extra: Any) -> dict[str, Any]:
    return {"道路名称": road, "日期": day, "积水深度（厘米）": cm, **extra}


def test_template_has_dropdowns(world: World) -> None:
    dropdowns = template_dropdowns(KEY, world.user(Role.COUNTY_OFFICER, "a"))
    assert "人工观测" in dropdowns["来源"] and "积水监测设备" in dropdowns["来源"]
    assert "经十路" in dropdowns["道路名称"] and "英雄山路" not in dropdowns["道路名称"]
    assert any(v.startswith("370102 ") for v in dropdowns["路段所在行政区划代码"])


def test_good_rows_are_imported(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    job = import_rows(
        user,
        KEY,
        [
            depth("泉城路", cm=45, **{"降雨量（毫米）": 86.5, "来源": "积水监测设备"}),
            depth("经十路", 路段起点="舜耕路", cm=60),
            depth("经十路", 路段起点="历山路", day="2025年7月13日", cm=20),
        ],
    )
    assert job.status == ImportStatus.DONE, job.faults
    assert job.created_count == 3
    record = WaterDepthRecord.objects.get(road__road_name="泉城路")
    assert record.depth_cm == 45 and record.source == "sensor" and record.rainfall_mm == 86.5
    assert WaterDepthRecord.objects.get(road__section_from="历山路").observed_on.day == 13


def test_each_kind_of_bad_row_is_reported(world: World) -> None:
    user = world.user(Role.CITY_ADMIN)
    job = import_rows(
        user,
        KEY,
        [
            depth("泉城路"),  # 2: fine
            depth("无名路"),  # 3: unknown road
            depth("经十路"),  # 4: two sections, no start given
            depth("经十路", 路段起点="不存在的起点"),  # 5: no such section
            depth("泉城路", day="2025-02-30"),  # 6: no such date
            depth("泉城路", day="2025-07-14", cm=3000),  # 7: deeper than allowed
            depth("泉城路", day="2025-07-15", cm="很深"),  # 8: not a number
            depth("泉城路", day=None),  # 9: date missing
            depth("泉城路", day="2025-07-12"),  # 10: same road and day as row 2
            depth("泉城路", day="2025-07-16", 来源="卫星"),  # 11: not in the code list
        ],
    )
    assert job.status == ImportStatus.REJECTED
    assert not WaterDepthRecord.objects.exists()
    faults = faults_by_row(job)
    assert set(faults) == set(range(3, 12))
    assert faults[3] == [("道路名称", "找不到低洼路段“无名路”")]
    assert "路段起点" in faults[4][0][1] and faults[4][0][0] == "道路名称"
    assert faults[5][0][0] == "道路名称" and "相符" in faults[5][0][1]
    assert faults[6] == [("日期", "日期不存在（如 2 月 30 日）")]
    assert faults[7] == [("积水深度（厘米）", "不能大于 2000")]
    assert faults[8] == [("积水深度（厘米）", "应为整数")]
    assert faults[9] == [("日期", "必填项为空")]
    assert "与第 2 行重复" in faults[10][0][1]
    assert faults[11][0][0] == "来源"


def test_another_regions_road_is_refused_for_a_county_user(world: World) -> None:
    user_b = world.user(Role.COUNTY_OFFICER, "b")
    job = import_rows(
        user_b,
        KEY,
        [depth("英雄山路"), depth("泉城路"), depth("经十路", 路段起点="舜耕路")],
        mode="good_rows",
    )
    assert job.status == ImportStatus.PARTIAL
    assert list(WaterDepthRecord.objects.values_list("road__road_name", flat=True)) == ["英雄山路"]
    assert set(faults_by_row(job)) == {3, 4}


def test_all_or_nothing_with_update_existing(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    assert import_rows(user, KEY, [depth("泉城路", cm=10)]).created_count == 1
    again = import_rows(user, KEY, [depth("泉城路", cm=25)])
    assert again.status == ImportStatus.REJECTED  # exists already, update not chosen
    updated = import_rows(user, KEY, [depth("泉城路", cm=25)], update_existing=True)
    assert updated.status == ImportStatus.DONE and updated.updated_count == 1
    assert WaterDepthRecord.objects.get().depth_cm == 25
