"""Load the reference regions: 山东省 → 济南市 → 12 districts, functional zones, demo townships.

Pure functions that the ``load_regions`` command, the demo and the tests call. Loading
is idempotent: rows are matched by code and updated in place; a row whose fields did not
change is not saved again (no history row, ``updated_at`` kept, so map-layer ETags and
the lookup index stay valid). Every write goes through ``save_with_history`` with
``actor=None`` and a reason.

The data files are in ``yingji/geo/data`` (see ``SOURCES.md`` there).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from yingji.core.services import save_with_history

from . import lookup
from .choices import RegionLevel
from .geometry import COORDINATE_DECIMALS, bbox, from_shape, label_point, polygonal_part
from .models import Region

DATA_DIR = Path(__file__).resolve().parent / "data"
DISTRICTS_FILE = DATA_DIR / "jinan_districts_wgs84.geojson"
ZONES_FILE = DATA_DIR / "jinan_zones_approx_wgs84.geojson"

PROVINCE_CODE, PROVINCE_NAME = "370000", "山东省"
CITY_CODE, CITY_NAME = "370100", "济南市"

SOURCE_PROVINCE = "GB/T 2260 行政区划代码（无边界）"
SOURCE_CITY = "由 12 个区县边界合并（见区县来源）"
SOURCE_DISTRICT = (
    "echarts-china-cities-pypkg 0.0.9（MIT，2018 年数据），假定为 GCJ-02 并转换为 WGS84；"
    "非官方边界，精度约 100 米。政府驻地见 standards.md §9.2。"
)
SOURCE_ZONE = "合成数据：手绘近似轮廓，非官方边界，仅供演示。内部代码，非 GB/T 2260。{note}"
SOURCE_TOWNSHIP = "合成数据：区县内 Voronoi 划分（随机种子 = 区县代码），仅供演示，非真实镇街。"

REASON = "载入济南行政区划参考数据"
REASON_TOWNSHIPS = "生成演示用合成镇街"

# Synthetic township codes: district code + "9" + two digits (real ones use 001–199).
SYNTHETIC_TOWNSHIP_PREFIX = "9"
MIN_TOWNSHIPS, MAX_TOWNSHIPS = 6, 12


@dataclass
class LoadReport:
    """What a load did, by count, and the codes it touched."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"新建 {len(self.created)}，更新 {len(self.updated)}，未变 {len(self.unchanged)}"


@cache
def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def district_features() -> list[dict[str, Any]]:
    """The shipped district features (WGS84), sorted by code."""
    return list(_read(DISTRICTS_FILE)["features"])


def zone_features() -> list[dict[str, Any]]:
    return list(_read(ZONES_FILE)["features"])


def _geometry_fields(geometry: dict[str, Any] | None) -> dict[str, Any]:
    if geometry is None:
        return dict.fromkeys(
            ("boundary", "min_lon", "min_lat", "max_lon", "max_lat", "label_lon", "label_lat")
        )
    min_lon, min_lat, max_lon, max_lat = bbox(geometry)
    label_lon, label_lat = label_point(geometry)
    return {
        "boundary": geometry,
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "label_lon": label_lon,
        "label_lat": label_lat,
    }


def upsert_region(
    *, code: str, parent: Region | None, fields: dict[str, Any], reason: str, report: LoadReport
) -> Region:
    """Create or update the region ``code`` so it has ``fields``; save only on a change."""
    region: Region | None = Region.objects.filter(code=code).first()
    values = {"parent": parent, **fields}
    if region is None:
        region = Region(code=code, **values)
        save_with_history(region, actor=None, reason=reason)
        report.created.append(code)
        return region
    expected_path = f"{parent.path if parent else '/'}{code}/"
    changed = region.path != expected_path or any(
        getattr(region, name) != value for name, value in values.items()
    )
    if not changed:
        report.unchanged.append(code)
        return region
    for name, value in values.items():
        setattr(region, name, value)
    save_with_history(region, actor=None, reason=reason)
    report.updated.append(code)
    return region


def synthetic_township_cells(code: str, district: BaseGeometry) -> list[BaseGeometry]:
    """6–12 Voronoi cells covering ``district``, the same every time for the same code.

    Seeds are drawn inside the district by a generator seeded with the district code;
    cells are clipped to the district and ordered north to south, then west to east.
    """
    rng = np.random.default_rng(int(code))
    count = int(rng.integers(MIN_TOWNSHIPS, MAX_TOWNSHIPS + 1))
    min_x, min_y, max_x, max_y = district.bounds
    shapely.prepare(district)
    seeds: list[tuple[float, float]] = []
    while len(seeds) < count:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if shapely.contains_xy(district, x, y):
            seeds.append((float(x), float(y)))
    regions = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=district.envelope)
    cells = []
    for cell in regions.geoms:
        part = polygonal_part(
            shapely.set_precision(cell.intersection(district), 10**-COORDINATE_DECIMALS)
        )
        if not part.is_empty:
            cells.append(part)
    cells.sort(key=lambda c: (-round(c.centroid.y, 4), round(c.centroid.x, 4)))
    return cells


@transaction.atomic
def load_jinan(*, with_townships: bool = False) -> LoadReport:
    """Load 山东省, 济南市, its 12 districts and 3 functional zones (and demo townships)."""
    report = LoadReport()
    province = upsert_region(
        code=PROVINCE_CODE,
        parent=None,
        fields={
            "name": PROVINCE_NAME,
            "level": RegionLevel.PROVINCE,
            "is_synthetic": False,
            "source": SOURCE_PROVINCE,
            "sort_order": 0,
            **_geometry_fields(None),
        },
        reason=REASON,
        report=report,
    )
    features = district_features()
    shapes = [shape(f["geometry"]) for f in features]
    city_shape = polygonal_part(
        shapely.set_precision(shapely.union_all(shapes), 10**-COORDINATE_DECIMALS)
    )
    city = upsert_region(
        code=CITY_CODE,
        parent=province,
        fields={
            "name": CITY_NAME,
            "level": RegionLevel.CITY,
            "is_synthetic": False,
            "source": SOURCE_CITY,
            "sort_order": 0,
            **_geometry_fields(from_shape(city_shape)),
        },
        reason=REASON,
        report=report,
    )
    districts: list[tuple[Region, BaseGeometry]] = []
    for order, (feature, geom) in enumerate(zip(features, shapes, strict=True), start=1):
        props = feature["properties"]
        seat_lon, seat_lat = props["seat"]
        region = upsert_region(
            code=props["code"],
            parent=city,
            fields={
                "name": props["name"],
                "level": RegionLevel.DISTRICT,
                "is_synthetic": False,
                "source": SOURCE_DISTRICT,
                "sort_order": order,
                "seat_lon": seat_lon,
                "seat_lat": seat_lat,
                **_geometry_fields(feature["geometry"]),
            },
            reason=REASON,
            report=report,
        )
        districts.append((region, geom))
    for order, feature in enumerate(zone_features(), start=1):
        props = feature["properties"]
        upsert_region(
            code=props["code"],
            parent=city,
            fields={
                "name": props["name"],
                "level": RegionLevel.ZONE,
                "is_synthetic": True,
                "source": SOURCE_ZONE.format(note=props.get("note", ""))[:255],
                "sort_order": 100 + order,
                **_geometry_fields(feature["geometry"]),
            },
            reason=REASON,
            report=report,
        )
    if with_townships:
        for district, geom in districts:
            load_synthetic_townships(district=district, geometry=geom, report=report)
    _invalidate_index()
    return report


def _invalidate_index() -> None:
    lookup.invalidate()
    transaction.on_commit(lookup.invalidate)


class RegionsMissing(Exception):
    """Demo townships were asked for before the districts were loaded."""


@transaction.atomic
def load_demo_townships(*, city_code: str = CITY_CODE) -> LoadReport:
    """Generate the synthetic townships of every district (with a boundary) of the city."""
    report = LoadReport()
    districts = Region.objects.filter(
        parent__code=city_code, level=RegionLevel.DISTRICT, boundary__isnull=False
    ).order_by("code")
    if not districts:
        raise RegionsMissing(city_code)
    for district in districts:
        load_synthetic_townships(
            district=district, geometry=shape(district.boundary), report=report
        )
    _invalidate_index()
    return report


def load_synthetic_townships(
    *, district: Region, geometry: BaseGeometry, report: LoadReport
) -> list[Region]:
    """Generate and upsert the demo townships of one district (codes ``<district>9NN``)."""
    out = []
    for number, cell in enumerate(synthetic_township_cells(district.code, geometry), start=1):
        code = f"{district.code}{SYNTHETIC_TOWNSHIP_PREFIX}{number:02d}"
        out.append(
            upsert_region(
                code=code,
                parent=district,
                fields={
                    "name": f"{district.name}合成街道{number:02d}",
                    "level": RegionLevel.TOWNSHIP,
                    "is_synthetic": True,
                    "source": SOURCE_TOWNSHIP,
                    "sort_order": number,
                    **_geometry_fields(from_shape(cell)),
                },
                reason=REASON_TOWNSHIPS,
                report=report,
            )
        )
    return out
