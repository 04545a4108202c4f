"""Import rules beyond the acceptance: coordinates, jurisdiction, re-import, odd files."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.catalogue import services
from yingji.catalogue.census import get_spec
from yingji.catalogue.models import ImportStatus
from yingji.catalogue.workbook import build_workbook, rows_for_export
from yingji.core.testing.world import build_world
from yingji.geo.coords import wgs84_to_bd09, wgs84_to_gcj02
from yingji.teams.models import Team

from .helpers import A_LAT, A_LON, B_LAT, B_LON, filled

pytestmark = pytest.mark.django_db


def team(name: str, **extra: Any) -> dict[str, Any]:
    return {"队伍名称": name, "队伍类型": "专业救援队伍", "队伍人数": 20, **extra}


def run(user: Any, content: bytes, mode: str = "all_or_nothing", **kwargs: Any) -> Any:
    return services.import_job_create(
        actor=user,
        spec=get_spec(kwargs.pop("key", "teams.team")),
        upload=SimpleUploadedFile(kwargs.pop("name", "teams.xlsx"), content),
        mode=mode,
        run_now=True,
        **kwargs,
    )


@pytest.fixture
def world() -> Any:
    return build_world()


def test_gcj02_and_bd09_points_land_converted(world: Any) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    g_lon, g_lat = wgs84_to_gcj02(A_LON, A_LAT)
    b_lon, b_lat = wgs84_to_bd09(A_LON + 0.01, A_LAT)
    content = filled(
        "teams.team",
        user,
        [
            team("高德坐标队", 经度=g_lon, 纬度=g_lat, 坐标系="GCJ-02"),
            team("百度坐标队", 经度=b_lon, 纬度=b_lat),  # blank column: the file's default
        ],
    )
    job = run(user, content, crs="bd09")
    assert job.status == ImportStatus.DONE, job.faults
    amap = Team.objects.get(name="高德坐标队")
    assert amap.source_crs == "gcj02"
    assert abs(amap.lon - A_LON) < 1e-6 and abs(amap.lat - A_LAT) < 1e-6
    baidu = Team.objects.get(name="百度坐标队")
    assert baidu.source_crs == "bd09"
    assert abs(baidu.lon - (A_LON + 0.01)) < 1e-6 and abs(baidu.lat - A_LAT) < 1e-6
    assert amap.region.code.startswith("370102") and amap.h3_cell


def test_a_county_cannot_import_into_another_county(world: Any) -> None:
    user_b = world.user(Role.COUNTY_OFFICER, "b")
    content = filled(
        "teams.team",
        user_b,
        [
            team("B 区自己的队", 经度=B_LON, 纬度=B_LAT),
            team("A 区的队（代码）", 行政区划代码="370102"),
            team("A 区的队（坐标）", 经度=A_LON, 纬度=A_LAT),
        ],
    )
    job = run(user_b, content, mode="good_rows")
    assert job.status == ImportStatus.PARTIAL
    assert set(Team.objects.values_list("name", flat=True)) == {"B 区自己的队"}
    assert {f["row"] for f in job.faults} == {3, 4}
    assert all("管辖" in f["reason"] for f in job.faults)


def test_row_without_region_or_point_is_a_fault(world: Any) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    job = run(user, filled("teams.team", user, [team("无处安放")]))
    assert job.status == ImportStatus.REJECTED
    assert job.faults[0]["column"] == "行政区划代码"


def test_point_in_another_region_than_the_code_says(world: Any) -> None:
    user = world.user(Role.CITY_ADMIN)
    job = run(
        user,
        filled("teams.team", user, [team("错位", 行政区划代码="370102", 经度=B_LON, 纬度=B_LAT)]),
    )
    assert job.faults[0]["column"] == "经度"
    assert "不一致" in job.faults[0]["reason"]


def test_every_fault_of_a_row_is_reported(world: Any) -> None:
    user = world.user(Role.CITY_ADMIN)
    row = {
        "队伍名称": None,
        "队伍类型": "飞行队",
        "队伍人数": -3,
        "经度": 117,
        "纬度": None,
        "坐标系": "火星",
    }
    job = run(user, filled("teams.team", user, [row]))
    columns = [f["column"] for f in job.faults]
    assert columns == ["队伍名称", "队伍类型", "队伍人数", "坐标系", "纬度"] or set(columns) == {
        "队伍名称",
        "队伍类型",
        "队伍人数",
        "坐标系",
        "纬度",
    }


def test_export_edit_reimport_round_trips(world: Any) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    first = filled(
        "teams.team",
        user,
        [
            team(f"队{i}", 经度=A_LON, 纬度=A_LAT, 可处置事件类型="", 战备状态="部分可调")
            for i in range(5)
        ],
    )
    assert run(user, first).created_count == 5
    spec = get_spec("teams.team")
    exported = build_workbook(spec, user, rows_for_export(spec, spec.queryset(user)))
    # The same file again: duplicates, unless the user asks to update.
    again = run(user, exported)
    assert again.status == ImportStatus.REJECTED
    assert all("已存在" in f["reason"] for f in again.faults)
    wb = load_workbook(io.BytesIO(exported))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    ws.cell(row=2, column=headers.index("队伍人数*") + 1, value=99)
    buffer = io.BytesIO()
    wb.save(buffer)
    updated = run(user, buffer.getvalue(), update_existing=True)
    assert updated.status == ImportStatus.DONE, updated.faults
    assert updated.updated_count == 5 and updated.created_count == 0
    assert Team.objects.count() == 5
    changed = Team.objects.get(head_count=99)
    assert changed.history.first().history_user == user
    assert changed.readiness == "partly"


def test_check_only_writes_nothing(world: Any) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    job = run(
        user, filled("teams.team", user, [team("只检查", 经度=A_LON, 纬度=A_LAT)]), mode="validate"
    )
    assert job.status == ImportStatus.CHECKED and not job.faults
    assert not Team.objects.exists()


def test_formula_without_value_and_merged_cells_are_faults(world: Any) -> None:
    user = world.user(Role.CITY_ADMIN)
    wb = load_workbook(
        io.BytesIO(
            filled("teams.team", user, [team("甲", 经度=A_LON, 纬度=A_LAT), team("乙"), team("丙")])
        )
    )
    ws = wb.worksheets[0]
    ws["E2"] = "=10+10"  # 队伍人数: a formula that no spreadsheet has computed
    ws.merge_cells("L3:L4")  # 行政区划代码 merged across two rows
    ws["L3"] = "370102"
    buffer = io.BytesIO()
    wb.save(buffer)
    job = run(user, buffer.getvalue())
    reasons = {(f["row"], f["column"]): f["reason"] for f in job.faults}
    assert "公式" in reasons[(2, "队伍人数")]
    assert (
        "合并单元格" in reasons[(3, "行政区划代码")]
        and "合并单元格" in reasons[(4, "行政区划代码")]
    )


def test_csv_in_gbk_imports(world: Any) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    text = f"队伍名称,队伍类型,队伍人数,经度,纬度\nCSV队,专业救援队伍,12,{A_LON},{A_LAT}\n"
    job = run(user, text.encode("gbk"), name="teams.csv")
    assert job.status == ImportStatus.DONE, job.faults
    assert Team.objects.get(name="CSV队").head_count == 12


def test_m2m_capabilities_are_set(world: Any) -> None:
    from yingji.incidents.models import IncidentType

    IncidentType.objects.get_or_create(code="11A02", defaults={"name": "内涝", "depth": 3})
    IncidentType.objects.get_or_create(code="11B03", defaults={"name": "暴雨", "depth": 3})
    rain = IncidentType.objects.get(code="11B03").name  # found by its name too
    user = world.user(Role.COUNTY_OFFICER, "a")
    content = filled(
        "teams.team",
        user,
        [
            team("排涝队", 经度=A_LON, 纬度=A_LAT, 可处置事件类型=f"11A02、{rain}"),
            team("坏能力", 经度=A_LON, 纬度=A_LAT, 可处置事件类型="99X99"),
        ],
    )
    job = run(user, content, mode="good_rows")
    assert job.created_count == 1, job.faults
    codes = set(Team.objects.get(name="排涝队").capabilities.values_list("code", flat=True))
    assert codes == {"11A02", "11B03"}
    assert job.faults[0]["row"] == 3 and job.faults[0]["column"] == "可处置事件类型"


def test_model_rules_become_faults(world: Any) -> None:
    user = world.user(Role.CITY_ADMIN)
    content = filled(
        "supplies.warehouse",
        user,
        [{"仓库名称": "协议库", "仓库类型": "企业协议储备", "经度": A_LON, "纬度": A_LAT}],
    )
    job = run(user, content, key="supplies.warehouse")
    assert job.status == ImportStatus.REJECTED
    assert job.faults[0]["column"] == "协议到期日"


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"", "a.xlsx", "空"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls", ".xls"),
        (b"PK\x03\x04garbage-not-a-zip", "broken.xlsx", "损坏"),
        (b"\x89PNG\r\n\x1a\n\0\0\0", "photo.xlsx", "损坏"),
        ("名字,电话\n张三,1\n".encode(), "other.csv", "表头不对"),
        ("队伍名称,队伍类型,队伍人数\n".encode(), "empty.csv", "没有数据"),
    ],
)
def test_bad_files_are_refused_with_a_reason(
    world: Any, content: bytes, name: str, words: str
) -> None:
    user = world.user(Role.CITY_ADMIN)
    with pytest.raises(ValidationError) as caught:
        run(user, content, name=name)
    assert words in " ".join(caught.value.message_dict["file"])


def test_too_many_rows_and_wrong_sheet_shapes(world: Any, settings: Any) -> None:
    from openpyxl import Workbook

    user = world.user(Role.CITY_ADMIN)
    settings.YINGJI_CENSUS_MAX_ROWS = 3
    content = filled("teams.team", user, [team(f"队{i}") for i in range(4)])
    with pytest.raises(ValidationError) as caught:
        run(user, content)
    assert "超过 3 行" in caught.value.message_dict["file"][0]
    settings.YINGJI_CENSUS_MAX_ROWS = 50_000
    for shape in ("empty", "title_row", "merged_header"):
        wb = Workbook()
        ws = wb.active
        if shape == "title_row":
            ws.append(["应急队伍普查表"])
            ws.append(["队伍名称", "队伍类型", "队伍人数"])
        elif shape == "merged_header":
            ws.append(["队伍名称", "队伍类型", "队伍人数"])
            ws.merge_cells("A1:B1")
            ws.append(["x", "y", 1])
        buffer = io.BytesIO()
        wb.save(buffer)
        with pytest.raises(ValidationError) as caught:
            run(user, buffer.getvalue())
        assert caught.value.message_dict["file"][0], shape


def test_county_officer_cannot_import_the_city_catalogue(world: Any) -> None:
    from django.core.exceptions import PermissionDenied

    user = world.user(Role.COUNTY_OFFICER, "a")
    content = filled("supplies.supplyitem", user, [])
    with pytest.raises(PermissionDenied):
        run(user, content, key="supplies.supplyitem")
