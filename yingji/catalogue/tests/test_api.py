"""The catalogue API: templates, imports (201/202/400/403), job status, fault reports,
exports in the template layout, the catalogue rows; ImportJob through the generic base."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from yingji.accounts.choices import Role
from yingji.catalogue.models import ImportJob, ImportStatus
from yingji.core.testing.api import APIViewTestCases
from yingji.core.testing.world import World, build_world
from yingji.geo.models import Region
from yingji.teams.models import Team

from .helpers import A_LAT, A_LON, B_LAT, B_LON, filled, sheet_rows


class TestImportJobAPI(APIViewTestCases.ReadOnlyViewTestCase):
    model = ImportJob
    basename = "api:importjob"

    @classmethod
    def make_object(cls, world: World, region: Region, n: int) -> ImportJob:
        user = world.user(Role.COUNTY_OFFICER, "a" if region == world.county_a else "b")
        job = ImportJob(
            registry="teams.team",
            created_by=user,
            region=region,
            owner_unit=user.unit,
            original_name=f"job-{region.code}-{n}.xlsx",
            mode="all_or_nothing",
        )
        job.file.save(f"job-{n}.xlsx", ContentFile(b"x"), save=False)
        job.save()
        return job


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def upload(
    user: Any, content: bytes, name: str = "teams.xlsx", key: str = "teams.team", **data: Any
) -> Any:
    url = reverse("api:census-imports", args=[key])
    return client(user).post(url, {"file": _file(content, name), **data}, format="multipart")


def _file(content: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def test_template_download(world: World) -> None:
    response = client(world.user(Role.VIEWER, "a")).get(
        reverse("api:census-template", args=["teams.team"])
    )
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.worksheets[0]["A1"].value == "队伍名称*"
    assert (
        client(world.user(Role.VIEWER, "a"))
        .get(reverse("api:census-template", args=["nope.nope"]))
        .status_code
        == 404
    )
    assert APIClient().get(reverse("api:census-template", args=["teams.team"])).status_code in {
        401,
        403,
    }


def test_upload_reports_faults_and_serves_the_report(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    content = filled(
        "teams.team",
        user,
        [
            {
                "队伍名称": "好队",
                "队伍类型": "专业救援队伍",
                "队伍人数": 3,
                "经度": A_LON,
                "纬度": A_LAT,
            },
            {
                "队伍名称": "坏队",
                "队伍类型": "专业救援队伍",
                "队伍人数": "三",
                "经度": A_LON,
                "纬度": A_LAT,
            },
        ],
    )
    response = upload(user, content, mode="good_rows")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == ImportStatus.PARTIAL
    assert body["created_count"] == 1 and body["fault_rows"] == 1
    assert body["faults"] == [{"row": 3, "column": "队伍人数", "value": "三", "reason": "应为整数"}]
    assert body["progress"]["progress"] == 1.0
    detail = client(user).get(reverse("api:importjob-detail", args=[body["id"]]))
    assert detail.status_code == 200 and detail.json()["faults"] == body["faults"]
    report = client(user).get(body["report_url"])
    assert report.status_code == 200
    rows = sheet_rows(report.content)
    assert rows[0][-1] == "错误说明" and rows[1][-2] == 3 and "应为整数" in rows[1][-1]
    # County B sees neither the job nor its report.
    other = client(world.user(Role.COUNTY_OFFICER, "b"))
    assert other.get(reverse("api:importjob-detail", args=[body["id"]])).status_code == 404
    assert other.get(body["report_url"]).status_code == 404


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"", "empty.xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls"),
        (b"PK\x03\x04not really", "corrupt.xlsx"),
        (b"a,b\n1,2\n", "wrong.csv"),
        (bytes(range(256)) * 10, "noise.bin"),
    ],
)
def test_bad_files_get_a_clear_400(world: World, content: bytes, name: str) -> None:
    response = upload(world.user(Role.COUNTY_OFFICER, "a"), content, name=name)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["fields"]["file"][0]
    assert not ImportJob.objects.exists()


def test_upload_without_file_or_with_bad_mode(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    url = reverse("api:census-imports", args=["teams.team"])
    assert client(user).post(url, {}, format="multipart").status_code == 400
    response = upload(user, filled("teams.team", user, []), mode="sometimes")
    assert response.status_code == 400
    assert client(user).post(url, b"{}", content_type="application/json").status_code in {400, 415}


def test_reader_cannot_import(world: World) -> None:
    viewer = world.user(Role.VIEWER, "a")
    response = upload(
        viewer,
        filled(
            "teams.team", viewer, [{"队伍名称": "x", "队伍类型": "专业救援队伍", "队伍人数": 1}]
        ),
    )
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "fields"}


def test_large_files_are_queued_with_progress(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from yingji.catalogue.tasks import census_import

    settings.YINGJI_CENSUS_INLINE_ROWS = 0
    user = world.user(Role.COUNTY_OFFICER, "a")
    content = filled(
        "teams.team",
        user,
        [
            {
                "队伍名称": f"队{i}",
                "队伍类型": "专业救援队伍",
                "队伍人数": 1,
                "经度": A_LON,
                "纬度": A_LAT,
            }
            for i in range(3)
        ],
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(user, content)
    assert response.status_code == 202
    assert len(callbacks) == 1
    body = response.json()
    assert body["status"] == ImportStatus.QUEUED and body["finished"] is False
    assert body["progress"]["total"] == 3
    assert census_import.call(body["id"]) == ImportStatus.DONE
    assert census_import.call(body["id"]) == ImportStatus.DONE  # twice: nothing more happens
    assert Team.objects.count() == 3
    job = client(user).get(reverse("api:importjob-detail", args=[body["id"]])).json()
    assert job["finished"] and job["created_count"] == 3


def test_export_in_template_layout_is_filtered_and_scoped(world: World) -> None:
    city = world.user(Role.CITY_ADMIN)
    rows = [
        {
            "队伍名称": "A专业",
            "队伍类型": "专业救援队伍",
            "队伍人数": 1,
            "经度": A_LON,
            "纬度": A_LAT,
        },
        {
            "队伍名称": "A志愿",
            "队伍类型": "志愿者队伍",
            "队伍人数": 1,
            "经度": A_LON,
            "纬度": A_LAT,
        },
        {
            "队伍名称": "B专业",
            "队伍类型": "专业救援队伍",
            "队伍人数": 1,
            "经度": B_LON,
            "纬度": B_LAT,
        },
    ]
    assert upload(city, filled("teams.team", city, rows)).status_code == 201
    url = reverse("api:census-export", args=["teams.team"])
    names = lambda resp: {r[0] for r in sheet_rows(resp.content)[1:]}  # noqa: E731
    assert names(client(city).get(url)) == {"A专业", "A志愿", "B专业"}
    assert names(client(city).get(url, {"kind": "professional"})) == {"A专业", "B专业"}
    assert names(client(world.user(Role.VIEWER, "a")).get(url)) == {"A专业", "A志愿"}
    assert names(client(world.user(Role.VIEWER, "b")).get(url, {"kind": "nonsense"})) <= {"B专业"}
    header = sheet_rows(client(city).get(url).content)[0]
    assert header[0] == "队伍名称*"


def test_catalogue_layers_are_scoped(world: World) -> None:
    city = world.user(Role.CITY_ADMIN)
    rows = [
        {
            "队伍名称": "A队",
            "队伍类型": "专业救援队伍",
            "队伍人数": 1,
            "经度": A_LON,
            "纬度": A_LAT,
        },
        {
            "队伍名称": "B队",
            "队伍类型": "专业救援队伍",
            "队伍人数": 1,
            "经度": B_LON,
            "纬度": B_LAT,
        },
        {"队伍名称": "无坐标", "队伍类型": "专业救援队伍", "队伍人数": 1, "行政区划代码": "370102"},
    ]
    assert upload(city, filled("teams.team", city, rows)).status_code == 201
    url = reverse("api:catalogue-layers")
    by_key = {r["key"]: r for r in client(city).get(url).json()}
    teams = by_key["teams.team"]
    assert teams["count"] == 3
    assert teams["complete_share"] == 1.0
    assert teams["located_share"] == pytest.approx(2 / 3, abs=1e-3)
    assert teams["overdue"] == 0
    assert teams["stewards"] == ["济南市应急管理局"]
    assert teams["standard"][0]["header"] == "队伍名称"
    assert {"experts.expert", "supplies.stocklot", "supplies.supplyitem"} <= set(by_key)
    county = {r["key"]: r for r in client(world.user(Role.VIEWER, "b")).get(url).json()}
    assert county["teams.team"]["count"] == 1
    assert APIClient().get(url).status_code in {401, 403}
