from __future__ import annotations

import math
from typing import Any

import pytest
import shapely
from django.core.exceptions import ValidationError
from rest_framework import serializers

from yingji.geo.api.fields import GeoJSONGeometryField
from yingji.geo.coords import wgs84_to_gcj02
from yingji.geo.geometry import (
    bbox,
    from_shape,
    label_point,
    repair,
    validate_feature_collection,
    validate_geometry,
)

SQUARE = [[117.0, 36.6], [117.1, 36.6], [117.1, 36.7], [117.0, 36.7], [117.0, 36.6]]


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def fault(value: Any, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_geometry(value, **kwargs)
    return info.value


def test_valid_geometries_pass_and_features_are_unwrapped() -> None:
    assert validate_geometry(polygon(SQUARE)) == polygon(SQUARE)
    point = {"type": "Point", "coordinates": [117.0, 36.6]}
    assert validate_geometry({"type": "Feature", "properties": {}, "geometry": point}) == point
    line = {"type": "LineString", "coordinates": [[117.0, 36.6], [117.1, 36.7]]}
    assert validate_geometry(line) == line
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE]]}
    assert validate_geometry(multi) == multi


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ([117.0, 36.6], "not_object", "对象"),
        ({"type": "Circle", "coordinates": [117.0, 36.6]}, "bad_type", "Circle"),
        ({"type": "Point"}, "bad_coordinates", "缺少 coordinates"),
        ({"type": "Point", "coordinates": [117.0]}, "bad_coordinates", "[经度, 纬度]"),
        ({"type": "Point", "coordinates": ["117", 36.6]}, "not_number", "非数字"),
        ({"type": "Point", "coordinates": [True, 36.6]}, "not_number", "非数字"),
        ({"type": "Point", "coordinates": [math.nan, 36.6]}, "not_finite", "NaN"),
        ({"type": "Point", "coordinates": [117.0, math.inf]}, "not_finite", "无穷大"),
        ({"type": "Point", "coordinates": [36.6, 117.0]}, "swapped", "写反"),
        ({"type": "Point", "coordinates": [2.35, 48.85]}, "outside_china", "超出中国范围"),
        ({"type": "LineString", "coordinates": [[117.0, 36.6]]}, "too_few_positions", "至少需要 2"),
    ],
)
def test_each_fault_has_its_own_code_and_message(value: Any, code: str, words: str) -> None:
    error = fault(value)
    assert error.error_list[0].code == code
    assert words in error.messages[0]


def test_position_faults_say_where() -> None:
    ring = [*SQUARE[:2], [36.7, 117.1], *SQUARE[3:]]
    error = fault(polygon(ring))
    assert error.error_list[0].code == "swapped"
    assert "coordinates[0][2]" in error.messages[0]


def test_ring_with_too_few_positions() -> None:
    error = fault(polygon([[117.0, 36.6], [117.1, 36.6], [117.0, 36.6]]))
    assert error.error_list[0].code == "too_few_positions"
    assert "coordinates[0]" in error.messages[0]
    assert "至少需要 4" in error.messages[0]


def test_unclosed_ring_names_the_ring() -> None:
    hole = [[117.02, 36.62], [117.04, 36.62], [117.04, 36.64], [117.02, 36.64]]
    error = fault(polygon(SQUARE, hole))
    assert error.error_list[0].code == "ring_not_closed"
    assert "coordinates[1]" in error.messages[0]
    assert "未闭合" in error.messages[0]


def test_self_intersecting_ring_names_ring_and_place() -> None:
    bowtie = [[117.0, 36.6], [117.1, 36.7], [117.1, 36.6], [117.0, 36.7], [117.0, 36.6]]
    error = fault({"type": "MultiPolygon", "coordinates": [[SQUARE], [bowtie]]})
    assert error.error_list[0].code == "ring_self_intersection"
    assert "coordinates[1][0]" in error.messages[0]
    assert "自相交" in error.messages[0]
    assert "117.05" in error.messages[0]  # where the edges cross


def test_hole_outside_shell_is_explained_in_chinese() -> None:
    hole = [[117.2, 36.6], [117.3, 36.6], [117.3, 36.7], [117.2, 36.6]]
    error = fault(polygon(SQUARE, hole))
    assert error.error_list[0].code == "invalid_polygon"
    assert "内环（洞）位于外环之外" in error.messages[0]


def test_overlapping_parts_of_a_multipolygon_are_refused() -> None:
    shifted = [[x + 0.05, y] for x, y in SQUARE]
    error = fault({"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted]]})
    assert error.error_list[0].code == "invalid_polygon"


def test_type_not_allowed() -> None:
    error = fault({"type": "Point", "coordinates": [117.0, 36.6]}, allowed_types=["Polygon"])
    assert error.error_list[0].code == "type_not_allowed"
    assert "Polygon" in error.messages[0]


def test_feature_collection_errors_name_the_feature() -> None:
    good = {"type": "Feature", "properties": {}, "geometry": polygon(SQUARE)}
    bad = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [1, 2]},
    }
    assert len(validate_feature_collection({"type": "FeatureCollection", "features": [good]})) == 1
    with pytest.raises(ValidationError) as info:
        validate_feature_collection({"type": "FeatureCollection", "features": [good, bad]})
    assert info.value.messages[0].startswith("features[1]:")


def test_bbox_and_label_point() -> None:
    assert bbox(polygon(SQUARE)) == (117.0, 36.6, 117.1, 36.7)
    # A U shape: its centroid lies in the notch, outside; the label must be inside.
    u_ring = [
        [117.0, 36.0],
        [117.3, 36.0],
        [117.3, 36.3],
        [117.2, 36.3],
        [117.2, 36.1],
        [117.1, 36.1],
        [117.1, 36.3],
        [117.0, 36.3],
        [117.0, 36.0],
    ]
    u_shape = polygon(u_ring)
    assert not shapely.Polygon(u_ring).contains(shapely.Polygon(u_ring).centroid)
    lon, lat = label_point(u_shape)
    assert shapely.Polygon(u_ring).contains(shapely.Point(lon, lat))
    # A convex polygon's label is its centroid.
    assert label_point(polygon(SQUARE)) == pytest.approx((117.05, 36.65))


def test_from_shape_rounds_and_repair_keeps_only_polygons() -> None:
    geom = from_shape(shapely.Point(117.12345678, 36.1))
    assert geom == {"type": "Point", "coordinates": [117.123457, 36.1]}
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    repaired = repair(shapely.GeometryCollection([bowtie, shapely.LineString([(5, 5), (6, 6)])]))
    assert repaired.geom_type == "MultiPolygon"
    assert repaired.is_valid
    assert repaired.area == pytest.approx(2.0)


class PlaceSerializer(serializers.Serializer):
    location = GeoJSONGeometryField(allowed_types=["Point", "Polygon"])
    amap_location = GeoJSONGeometryField(source_crs="gcj02", required=False)


def test_drf_field_reports_the_field_name() -> None:
    s = PlaceSerializer(data={"location": {"type": "Point", "coordinates": [36.6, 117.0]}})
    assert not s.is_valid()
    assert "写反" in str(s.errors["location"][0])
    s = PlaceSerializer(data={"location": "{not json"})
    assert not s.is_valid()
    assert "JSON" in str(s.errors["location"][0])
    s = PlaceSerializer(data={"location": {"type": "LineString", "coordinates": SQUARE}})
    assert not s.is_valid()
    assert s.errors["location"][0].code == "type_not_allowed"


def test_drf_field_accepts_json_text_and_converts_gcj02() -> None:
    wgs = (117.0, 36.6)
    gcj = wgs84_to_gcj02(*wgs)
    s = PlaceSerializer(
        data={
            "location": '{"type": "Point", "coordinates": [117.0, 36.6]}',
            "amap_location": {"type": "Point", "coordinates": list(gcj)},
        }
    )
    assert s.is_valid(), s.errors
    assert s.validated_data["location"]["coordinates"] == [117.0, 36.6]
    assert s.validated_data["amap_location"]["coordinates"] == pytest.approx(list(wgs), abs=1e-9)
