"""Census of team members (队员名册): a member names its team by name (+ region code)."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.accounts.choices import Role
from yingji.catalogue.census import get_spec
from yingji.catalogue.models import ImportStatus
from yingji.catalogue.tests.helpers import faults_by_row, import_rows, template_dropdowns
from yingji.catalogue.workbook import build_workbook, rows_for_export
from yingji.core.testing.world import World, build_world
from yingji.teams.choices import TeamKind
from yingji.teams.models import Team, TeamMember
from yingji.teams.services import team_create

pytestmark = pytest.mark.django_db

KEY = "teams.teammember"


@pytest.fixture
def world() -> World:
    world = build_world()
    for region, name in (
        (world.county_a, "防汛抢险队"),
        (world.county_b, "防汛抢险队"),  # the same name in county B
        (world.county_a, "历下区蓝天救援队"),
        (world.county_b, "市中区消防队"),
    ):
        team_create(actor=None, name=name, kind=TeamKind.PROFESSIONAL, head_count=10, region=region)
    return world


def member(team: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"所属队伍": team, "姓名": name, **extra}


def test_template_has_chinese_headers_and_dropdowns(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    dropdowns = template_dropdowns(KEY, user)
    assert dropdowns["在队"] == ["是", "否"]
    assert any(v.startswith("370102 ") for v in dropdowns["队伍所在行政区划代码"])
    assert not any(v.startswith("370103 ") for v in dropdowns["队伍所在行政区划代码"])
    assert "历下区蓝天救援队" in dropdowns["所属队伍"]
    assert "市中区消防队" not in dropdowns["所属队伍"]  # another county's team


def test_good_rows_are_imported(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    job = import_rows(
        user,
        KEY,
        [
            member("历下区蓝天救援队", "张三", 职务="队长", 电话="13800000000", 在队="是"),
            member("防汛抢险队", "李四", 队伍所在行政区划代码="370102"),
            member("防汛抢险队", "王五", 队伍所在行政区划代码="370102001"),  # a township of A
        ],
    )
    assert job.status == ImportStatus.DONE, job.faults
    assert job.created_count == 3
    li = TeamMember.objects.get(name="李四")
    assert li.team.region == world.county_a
    assert TeamMember.objects.get(name="张三").role == "队长"
    assert TeamMember.history.filter(name="张三").first().history_user == user


def test_each_kind_of_bad_row_is_reported(world: World) -> None:
    user = world.user(Role.CITY_ADMIN)
    job = import_rows(
        user,
        KEY,
        [
            member("历下区蓝天救援队", "好人"),  # row 2: fine
            member("不存在的队", "甲"),  # 3: unknown team
            member("防汛抢险队", "乙"),  # 4: two teams of that name, no region given
            member("防汛抢险队", "丙", 队伍所在行政区划代码="370100999"),  # 5: unknown region
            member("历下区蓝天救援队", None),  # 6: name missing
            member("历下区蓝天救援队", "丁", 在队="也许"),  # 7: not a yes/no
            member("历下区蓝天救援队", "好人"),  # 8: same member twice in the file
            member("市中区消防队", "戊", 队伍所在行政区划代码="370102"),  # 9: not in that region
        ],
    )
    assert job.status == ImportStatus.REJECTED
    assert job.created_count == 0 and not TeamMember.objects.exists()
    faults = faults_by_row(job)
    assert set(faults) == {3, 4, 5, 6, 7, 8, 9}
    assert faults[3] == [("所属队伍", "找不到应急队伍“不存在的队”")]
    assert faults[4][0][0] == "所属队伍" and "对应多个应急队伍" in faults[4][0][1]
    assert "队伍所在行政区划代码" in faults[4][0][1]
    assert faults[5][0][0] == "队伍所在行政区划代码"
    assert faults[6] == [("姓名", "必填项为空")]
    assert faults[7][0][0] == "在队"
    assert "与第 2 行重复" in faults[8][0][1]
    assert faults[9][0][0] == "所属队伍" and "相符" in faults[9][0][1]


def test_good_rows_mode_keeps_the_good_ones(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    job = import_rows(
        user, KEY, [member("历下区蓝天救援队", "张三"), member("无此队", "李四")], mode="good_rows"
    )
    assert job.status == ImportStatus.PARTIAL
    assert list(TeamMember.objects.values_list("name", flat=True)) == ["张三"]


def test_another_regions_team_is_refused_for_a_county_user(world: World) -> None:
    user_a = world.user(Role.COUNTY_OFFICER, "a")
    job = import_rows(
        user_a,
        KEY,
        [
            member("市中区消防队", "越界"),
            member("防汛抢险队", "越界2", 队伍所在行政区划代码="370103"),
        ],
        mode="good_rows",
    )
    assert job.created_count == 0 and not TeamMember.objects.exists()
    faults = faults_by_row(job)
    assert set(faults) == {2, 3}
    # County A cannot see county B's teams: not found, never written.
    assert all(column == "所属队伍" for row in faults.values() for column, _r in row)


def test_a_visible_team_outside_the_users_region_is_a_jurisdiction_fault(world: World) -> None:
    # A city-level team: a county user sees the city's registry? If it does, the row is
    # refused as outside the jurisdiction; if not, it is not found. Either way: refused.
    team_create(
        actor=None,
        name="市级救援总队",
        kind=TeamKind.PROFESSIONAL,
        head_count=10,
        region=world.city,
    )
    user_a = world.user(Role.COUNTY_OFFICER, "a")
    job = import_rows(user_a, KEY, [member("市级救援总队", "越权")])
    assert job.status == ImportStatus.REJECTED
    assert job.faults[0]["column"] == "所属队伍"


def test_export_then_reimport_updates(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    import_rows(user, KEY, [member("防汛抢险队", "张三", 队伍所在行政区划代码="370102")])
    spec = get_spec(KEY)
    exported = build_workbook(spec, user, rows_for_export(spec, spec.queryset(user)))
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(exported)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:3] == ("防汛抢险队", "370102", "张三")
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yingji.catalogue import services

    again = services.import_job_create(
        actor=user,
        spec=spec,
        upload=SimpleUploadedFile("m.xlsx", exported),
        mode="all_or_nothing",
        run_now=True,
        update_existing=True,
    )
    assert again.status == ImportStatus.DONE, again.faults
    assert again.updated_count == 1
    assert TeamMember.objects.count() == 1
    assert Team.objects.get(pk=TeamMember.objects.get().team_id).region == world.county_a


def test_export_of_members_is_filtered_and_scoped(world: World) -> None:
    from django.urls import reverse
    from rest_framework.test import APIClient

    from yingji.catalogue.tests.helpers import sheet_rows

    city = world.user(Role.CITY_ADMIN)
    import_rows(
        city,
        KEY,
        [
            member("防汛抢险队", "甲", 队伍所在行政区划代码="370102"),
            member("防汛抢险队", "乙", 队伍所在行政区划代码="370103"),
            member("历下区蓝天救援队", "丙"),
        ],
    )
    url = reverse("api:census-export", args=[KEY])

    def names(user: Any, **params: Any) -> set[str]:
        client = APIClient()
        client.force_login(user)
        response = client.get(url, params)
        assert response.status_code == 200
        return {row[2] for row in sheet_rows(response.content)[1:]}

    assert names(city) == {"甲", "乙", "丙"}
    assert names(city, region_code="370103") == {"乙"}
    assert names(city, q="蓝天") == {"丙"}
    blue = Team.objects.get(name="历下区蓝天救援队")
    assert names(city, team=str(blue.pk)) == {"丙"}
    assert names(world.user(Role.VIEWER, "b")) == {"乙"}
    assert names(world.user(Role.COUNTY_OFFICER, "a")) == {"甲", "丙"}
