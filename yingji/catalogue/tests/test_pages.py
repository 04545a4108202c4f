"""The catalogue page (with Word and Excel exports), the import page and the job page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from yingji.accounts.choices import Role
from yingji.catalogue.models import ImportJob, ImportStatus
from yingji.catalogue.services import steward_set
from yingji.core.testing.world import World, build_world

from .helpers import A_LAT, A_LON, filled

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_catalogue_page_and_documents(world: World) -> None:
    admin = world.user(Role.CITY_ADMIN)
    steward_set(actor=admin, layer="teams.team", unit=world.city_unit, update_cycle="每半年")
    c = login(world.user(Role.VIEWER, "a"))
    page = c.get(reverse("catalogue:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-layer="teams.team"' in html and "济南市应急管理局" in html and "每半年" in html
    docx = c.get(reverse("catalogue:index"), {"export": "docx"})
    assert docx.status_code == 200 and "wordprocessingml" in docx["Content-Type"]
    document = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "应急资源目录及数据标准" in text and "数据标准" in text
    assert len(document.tables) >= 2
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "队伍名称" in cells and "应急队伍" in cells
    xlsx = c.get(reverse("catalogue:index"), {"export": "xlsx"})
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["资源目录", "数据标准"]


def test_steward_is_set_by_the_city_only(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        steward_set(
            actor=world.user(Role.COUNTY_OFFICER, "a"), layer="teams.team", unit=world.unit_a
        )


def test_import_page_upload_and_job_page(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    c = login(user)
    url = reverse("catalogue:census_import", args=["teams.team"])
    page = c.get(url)
    assert page.status_code == 200 and "下载模板" in page.content.decode()
    content = filled(
        "teams.team",
        user,
        [
            {
                "队伍名称": "页面队",
                "队伍类型": "专业救援队伍",
                "队伍人数": 5,
                "经度": A_LON,
                "纬度": A_LAT,
            },
            {
                "队伍名称": None,
                "队伍类型": "专业救援队伍",
                "队伍人数": 5,
                "经度": A_LON,
                "纬度": A_LAT,
            },
        ],
    )
    response = c.post(
        url,
        {"file": SimpleUploadedFile("t.xlsx", content), "mode": "all_or_nothing", "crs": "wgs84"},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "catalogue:import_detail", args=[job.pk]
    )
    assert job.status == ImportStatus.REJECTED
    detail = c.get(response["Location"]).content.decode()
    assert "必填项为空" in detail and "下载错误报告" in detail and 'data-list="faults"' in detail
    bad = c.post(
        url,
        {
            "file": SimpleUploadedFile("t.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
            "mode": "good_rows",
            "crs": "wgs84",
        },
    )
    assert bad.status_code == 400 and ".xls" in bad.content.decode()
    assert login(world.user(Role.COUNTY_OFFICER, "b")).get(response["Location"]).status_code == 404


def test_running_job_page_polls(world: World) -> None:
    user = world.user(Role.COUNTY_OFFICER, "a")
    job = ImportJob(
        registry="teams.team",
        created_by=user,
        region=world.county_a,
        original_name="big.xlsx",
        mode="good_rows",
        total_rows=10000,
    )
    job.file.save("big.xlsx", SimpleUploadedFile("big.xlsx", b"x"), save=False)
    job.save()
    html = login(user).get(reverse("catalogue:import_detail", args=[job.pk])).content.decode()
    assert "<progress" in html and "data-poll" in html and "0 / 10000" in html


def test_viewer_sees_the_import_page_without_the_form(world: World) -> None:
    c = login(world.user(Role.VIEWER, "a"))
    html = c.get(reverse("catalogue:census_import", args=["teams.team"])).content.decode()
    assert "data-import-form" not in html
    assert c.post(reverse("catalogue:census_import", args=["teams.team"]), {}).status_code == 403
    assert c.get(reverse("catalogue:census_import", args=["nope"])).status_code == 404
