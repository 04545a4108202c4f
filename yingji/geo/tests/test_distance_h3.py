from __future__ import annotations

import h3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.geo.distance import distance_m, haversine_m, offset_point
from yingji.geo.h3index import H3_RESOLUTION, cell_center, cell_of, cells_within


def test_geodesic_known_values() -> None:
    # WGS84: 1° of longitude on the equator is a·π/180; meridian arcs from Karney/GeographicLib.
    assert distance_m(0, 0, 1, 0) == pytest.approx(111_319.4908, abs=0.001)
    assert distance_m(0, 0, 0, 1) == pytest.approx(110_574.3886, abs=0.001)
    assert distance_m(0, 0, 0, 90) == pytest.approx(10_001_965.7293, abs=0.001)


def test_haversine_is_within_half_a_percent_in_jinan() -> None:
    pairs = [
        (117.07, 36.66, 117.82, 36.06),
        (116.45, 36.29, 117.15, 37.31),
        (117.0, 36.6, 117.0, 36.7),
    ]
    for pair in pairs:
        exact, fast = distance_m(*pair), haversine_m(*pair)
        assert abs(fast - exact) / exact < 0.005


def test_offset_point_goes_the_distance() -> None:
    lon, lat = offset_point(117.07, 36.66, 90.0, 50.0)
    assert distance_m(117.07, 36.66, lon, lat) == pytest.approx(50.0, abs=1e-6)
    assert lon > 117.07


def test_cell_of_uses_lon_lat_order() -> None:
    cell = cell_of(117.07035, 36.66603)
    assert h3.get_resolution(cell) == H3_RESOLUTION == 9
    assert h3.is_valid_cell(cell)
    # The centre is within a cell's reach of the point (swapping lon/lat would land in Africa).
    assert distance_m(*cell_center(cell), 117.07035, 36.66603) < 250
    assert cell == h3.latlng_to_cell(36.66603, 117.07035, 9)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=116.2, max_value=117.9),
    st.floats(min_value=36.0, max_value=37.5),
    st.floats(min_value=0, max_value=3000),
    st.floats(min_value=0, max_value=360),
    st.floats(min_value=0, max_value=1),
)
def test_cells_within_cover_the_circle(
    lon: float, lat: float, radius: float, azimuth: float, share: float
) -> None:
    inside = offset_point(lon, lat, azimuth, radius * share)
    assert cell_of(*inside) in cells_within(lon, lat, radius)
