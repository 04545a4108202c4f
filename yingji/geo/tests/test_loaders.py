from __future__ import annotations

from typing import Any

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from yingji.geo.choices import RegionLevel
from yingji.geo.loaders import load_demo_townships, load_jinan, synthetic_township_cells
from yingji.geo.models import Region

DISTRICT_CODES = {
    "370102": "历下区",
    "370103": "市中区",
    "370104": "槐荫区",
    "370105": "天桥区",
    "370112": "历城区",
    "370113": "长清区",
    "370114": "章丘区",
    "370115": "济阳区",
    "370116": "莱芜区",
    "370117": "钢城区",
    "370124": "平阴县",
    "370126": "商河县",
}


def test_jinan_chain_districts_and_zones(db: Any) -> None:
    report = load_jinan()
    assert len(report.created) == 1 + 1 + 12 + 3
    province = Region.objects.get(code="370000")
    city = Region.objects.get(code="370100")
    assert (province.level, province.boundary, province.parent) == (
        RegionLevel.PROVINCE,
        None,
        None,
    )
    assert city.parent == province and city.path == "/370000/370100/"
    districts = Region.objects.filter(level=RegionLevel.DISTRICT)
    assert {d.code: d.name for d in districts} == DISTRICT_CODES
    union = shapely.union_all([shape(d.boundary) for d in districts])
    assert shape(city.boundary).area == pytest.approx(union.area, rel=1e-4)
    for district in districts:
        geom = shape(district.boundary)
        assert geom.is_valid and not district.is_synthetic
        assert district.parent == city
        assert district.path == f"/370000/370100/{district.code}/"
        assert geom.contains(shapely.Point(district.seat_lon, district.seat_lat))
        assert geom.contains(shapely.Point(district.label_lon, district.label_lat))
        assert (district.min_lon, district.min_lat, district.max_lon, district.max_lat) == (
            pytest.approx(geom.bounds)
        )
        assert "GCJ-02" in district.source
    zones = Region.objects.filter(level=RegionLevel.ZONE).order_by("code")
    assert [(z.code, z.name) for z in zones] == [
        ("370100Z01", "高新区"),
        ("370100Z02", "南部山区"),
        ("370100Z03", "起步区"),
    ]
    for zone in zones:
        assert zone.is_synthetic and "合成" in zone.source and zone.parent == city
        assert shape(city.boundary).buffer(1e-6).covers(shape(zone.boundary))


def test_history_is_written_and_reload_is_idempotent(db: Any) -> None:
    load_jinan()
    lixia = Region.objects.get(code="370102")
    assert lixia.history.count() == 1
    assert lixia.history.first().history_change_reason == "载入济南行政区划参考数据"
    assert lixia.history.first().history_user is None
    stamp = lixia.updated_at

    again = load_jinan()
    assert again.created == [] and again.updated == []
    assert len(again.unchanged) == 17
    lixia.refresh_from_db()
    assert lixia.history.count() == 1 and lixia.updated_at == stamp

    Region.objects.filter(code="370102").update(name="旧名")
    fixed = load_jinan()
    assert fixed.updated == ["370102"]
    lixia.refresh_from_db()
    assert lixia.name == "历下区" and lixia.history.count() == 2


def test_synthetic_townships(db: Any) -> None:
    report = load_jinan(with_townships=True)
    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP)
    assert len(report.created) == 17 + townships.count()
    for district in Region.objects.filter(level=RegionLevel.DISTRICT):
        children = townships.filter(parent=district).order_by("code")
        assert 6 <= children.count() <= 12
        cover = shapely.union_all([shape(t.boundary) for t in children])
        assert cover.area == pytest.approx(shape(district.boundary).area, rel=1e-5)
        for n, township in enumerate(children, start=1):
            assert township.code == f"{district.code}9{n:02d}"
            assert township.name == f"{district.name}合成街道{n:02d}"
            assert township.is_synthetic and "合成" in township.source
            assert township.path == f"{district.path}{township.code}/"
            assert shape(township.boundary).is_valid
    # Same cells again: nothing changes on a second run, from either entry point.
    assert load_jinan(with_townships=True).updated == []
    assert load_demo_townships().updated == []


def test_township_cells_are_deterministic() -> None:
    geom = shapely.box(117.0, 36.5, 117.2, 36.7)
    first = synthetic_township_cells("370102", geom)
    second = synthetic_township_cells("370102", geom)
    assert [c.wkb for c in first] == [c.wkb for c in second]
    assert [c.wkb for c in first] != [c.wkb for c in synthetic_township_cells("370103", geom)]


def test_commands(db: Any, capsys: Any) -> None:
    with pytest.raises(CommandError, match="load_regions"):
        call_command("load_demo_townships")
    call_command("load_regions")
    assert "新建 17" in capsys.readouterr().out
    call_command("load_demo_townships")
    assert Region.objects.filter(level=RegionLevel.TOWNSHIP).count() >= 72
    call_command("load_regions", "--demo-townships")
    assert "新建 0，更新 0" in capsys.readouterr().out.splitlines()[-1]
