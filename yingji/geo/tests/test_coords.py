from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingji.geo.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert,
    convert_geometry,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from yingji.geo.distance import distance_m

# Published vectors (WGS84 → GCJ-02), googollee/eviltransform python/test.py: (lon, lat) pairs.
EVILTRANSFORM = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]

# standards.md §9.2: seats of Jinan's district governments, GCJ-02 and WGS84 (computed,
# 5 decimals ≈ ±0.5 m).
JINAN_SEATS = [
    ((117.076441, 36.666465), (117.07035, 36.66603)),
    ((116.997845, 36.651335), (116.99204, 36.65111)),
    ((116.901224, 36.651441), (116.89567, 36.65137)),
    ((116.987153, 36.678589), (116.98139, 36.67838)),
    ((117.065230, 36.680259), (117.05916, 36.67984)),
    ((116.751843, 36.553710), (116.74615, 36.55352)),
    ((117.526228, 36.681258), (117.52025, 36.68104)),
    ((117.173524, 36.978537), (117.16742, 36.97795)),
    ((117.675808, 36.214395), (117.66994, 36.21441)),
    ((117.820330, 36.058038), (117.81449, 36.05806)),
    ((116.456006, 36.289251), (116.45025, 36.28904)),
    ((117.157232, 37.309041), (117.15106, 37.30822)),
]

china_lon = st.floats(min_value=73.0, max_value=136.0)
china_lat = st.floats(min_value=3.0, max_value=54.0)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_wgs84_to_gcj02_matches_published_vectors(wgs: tuple, gcj: tuple) -> None:
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_gcj02_to_wgs84_recovers_published_vectors(wgs: tuple, gcj: tuple) -> None:
    assert distance_m(*gcj02_to_wgs84(*gcj), *wgs) < 0.01


@pytest.mark.parametrize(("gcj", "wgs"), JINAN_SEATS)
def test_jinan_seats_convert_within_a_metre(gcj: tuple, wgs: tuple) -> None:
    assert distance_m(*gcj02_to_wgs84(*gcj), *wgs) < 1.0
    # And the offset is the ~500 m the reference describes.
    assert 450 < distance_m(*gcj, *wgs) < 650


def test_bd09_against_published_values() -> None:
    # wandergis/coordtransform README (the Tiananmen example), GCJ-02 → BD-09 is exact.
    assert gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-12
    )
    # Their BD-09 → GCJ-02 is the closed approximation; ours iterates, so within ~5 cm.
    got = bd09_to_gcj02(116.404, 39.915)
    assert distance_m(*got, 116.39762729119315, 39.90865673957631) < 0.1
    assert convert(116.404, 39.915, "wgs84", "gcj02") == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12
    )


def test_outside_china_is_unchanged() -> None:
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(-74.0, 40.7) == (-74.0, 40.7)


@given(china_lon, china_lat)
def test_gcj02_round_trip(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert back == pytest.approx((lon, lat), abs=1e-8)


@given(china_lon, china_lat)
def test_bd09_round_trips(lon: float, lat: float) -> None:
    assert bd09_to_gcj02(*gcj02_to_bd09(lon, lat)) == pytest.approx((lon, lat), abs=1e-8)
    assert bd09_to_wgs84(*wgs84_to_bd09(lon, lat)) == pytest.approx((lon, lat), abs=1e-8)


def test_convert_dispatch_and_geometry() -> None:
    assert convert(117.0, 36.6, "wgs84", "wgs84") == (117.0, 36.6)
    assert convert(117.0, 36.6, "wgs84", "bd09") == wgs84_to_bd09(117.0, 36.6)
    with pytest.raises(ValueError, match="unknown coordinate system"):
        convert(117.0, 36.6, "wgs84", "epsg3857")
    feature = {
        "type": "Feature",
        "properties": {"name": "x"},
        "geometry": {"type": "LineString", "coordinates": [[117.0, 36.6, 50.0], [117.1, 36.7]]},
    }
    out = convert_geometry(feature, "wgs84", "gcj02")
    assert out["properties"] == {"name": "x"}
    first, second = out["geometry"]["coordinates"]
    assert first == [*wgs84_to_gcj02(117.0, 36.6), 50.0]
    assert second == list(wgs84_to_gcj02(117.1, 36.7))
    assert feature["geometry"]["coordinates"][0] == [117.0, 36.6, 50.0]  # input untouched
