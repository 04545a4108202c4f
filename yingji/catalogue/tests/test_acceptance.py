"""Issue 4 acceptance: a 10,000-row census file with 50 bad rows of different kinds.

Every bad row is reported with its line (as Excel shows it), its column and the reason;
all-or-nothing imports nothing; after the 50 rows are fixed all 10,000 import; the
good-rows mode imports 9,950 and reports 50. Run on the hazard sources registry, whose
template has every kind of column (code list, choice, date, integer, region, point).
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yingji.accounts.choices import Role
from yingji.catalogue import services
from yingji.catalogue.census import get_spec
from yingji.catalogue.models import ImportStatus
from yingji.core.testing.world import build_world
from yingji.hazards.models import HazardSource

from .helpers import B_LAT, B_LON, filled, sheet_rows

pytestmark = pytest.mark.django_db

N = 10_000
BAD_EVERY = 200
KINDS = ("missing", "bad_code", "coordinate", "wrong_type", "date", "other_county", "duplicate")
EXPECTED_COLUMN = {
    "missing": "名称",
    "bad_code": "危险源代码",
    "coordinate": "经度",
    "wrong_type": "核查周期（天）",
    "date": "最近检查日期",
    "other_county": "行政区划代码",
    "duplicate": "名称",
}


def good_row(i: int) -> dict[str, Any]:
    return {
        "危险源代码": "21A02",
        "名称": f"危险源{i:05d}",
        "风险等级": "一般",
        "所属企业或单位": "某企业",
        "联系电话": 13800000000 + i,
        "最近检查日期": "2025-05-20",
        "经度": round(116.81 + (i % 170) * 0.001, 6),
        "纬度": round(36.51 + (i // 170 % 170) * 0.001, 6),
        "坐标系": "WGS84",
        "核查周期（天）": 180,
    }


def bad_rows() -> dict[int, str]:
    """Index in the file (0-based data row) → the kind of fault planted there."""
    return {100 + BAD_EVERY * k: KINDS[k % len(KINDS)] for k in range(50)}


def spoil(i: int, row: dict[str, Any], kind: str) -> dict[str, Any]:
    row = dict(row)
    if kind == "missing":
        row["名称"] = None
    elif kind == "bad_code":
        row["危险源代码"] = "99Z99"
    elif kind == "coordinate":
        row["经度"] = 200.5
    elif kind == "wrong_type":
        row["核查周期（天）"] = "半年"
    elif kind == "date":
        row["最近检查日期"] = "2025-02-30"
    elif kind == "other_county":
        row["行政区划代码"] = "370103"
        row["经度"], row["纬度"] = B_LON, B_LAT
    elif kind == "duplicate":
        row["名称"] = f"危险源{i - 1:05d}"
        row["经度"], row["纬度"] = good_row(i - 1)["经度"], good_row(i - 1)["纬度"]
    return row


@cache
def files(user_pk: int) -> tuple[bytes, bytes]:
    """(the file with 50 bad rows, the same file fixed)."""
    from yingji.accounts.models import User

    user = User.objects.get(pk=user_pk)
    bad = bad_rows()
    spoilt = [spoil(i, good_row(i), bad[i]) if i in bad else good_row(i) for i in range(N)]
    fixed = [good_row(i) for i in range(N)]
    return filled("hazards.hazardsource", user, spoilt), filled("hazards.hazardsource", user, fixed)


def run(user: Any, content: bytes, mode: str) -> Any:
    started = time.perf_counter()
    job = services.import_job_create(
        actor=user,
        spec=get_spec("hazards.hazardsource"),
        upload=SimpleUploadedFile("hazards.xlsx", content),
        mode=mode,
        run_now=True,
    )
    print(f"\n{mode}: {time.perf_counter() - started:.1f}s (engine {job.seconds}s) {job.message}")
    return job


@pytest.fixture
def county_user() -> Any:
    return build_world().user(Role.COUNTY_OFFICER, "a")


def test_all_or_nothing_reports_every_bad_row_then_imports_the_fixed_file(county_user: Any) -> None:
    spoilt, fixed = files(county_user.pk)
    job = run(county_user, spoilt, "all_or_nothing")
    assert job.status == ImportStatus.REJECTED
    assert HazardSource.objects.count() == 0
    assert job.created_count == 0
    bad = bad_rows()
    expected_rows = {i + 2 for i in bad}  # Excel row: header is row 1, data from row 2
    by_row: dict[int, list[dict[str, Any]]] = {}
    for fault in job.faults:
        by_row.setdefault(fault["row"], []).append(fault)
    assert set(by_row) == expected_rows
    assert job.fault_rows == 50
    for i, kind in bad.items():
        faults = by_row[i + 2]
        assert [f["column"] for f in faults] == [EXPECTED_COLUMN[kind]], (kind, faults)
        assert all(f["reason"] for f in faults)
    duplicate = next(f for i, k in bad.items() if k == "duplicate" for f in by_row[i + 2])
    assert "重复" in duplicate["reason"]
    other = next(f for i, k in bad.items() if k == "other_county" for f in by_row[i + 2])
    assert "管辖" in other["reason"]
    report = sheet_rows(job.report.read())
    assert report[0][-1] == "错误说明" and report[0][-2] == "原行号"
    assert {row[-2] for row in report[1:]} == expected_rows

    job = run(county_user, fixed, "all_or_nothing")
    assert job.status == ImportStatus.DONE, job.message
    assert job.created_count == N
    assert HazardSource.objects.filter(region__code__startswith="370102").count() == N
    sample = HazardSource.objects.get(name="危险源00123")
    assert sample.history.first().history_user == county_user
    assert sample.owner_unit == county_user.unit
    assert sample.h3_cell


def test_good_rows_imports_9950_and_reports_50(county_user: Any) -> None:
    spoilt, _fixed = files(county_user.pk)
    job = run(county_user, spoilt, "good_rows")
    assert job.status == ImportStatus.PARTIAL
    assert job.created_count == N - 50
    assert HazardSource.objects.count() == N - 50
    assert job.fault_rows == 50
    assert len(sheet_rows(job.report.read())) == 51
