"""GeoJSON validation, bounding boxes and conversion to shapely (DESIGN D3).

Every geometry the platform stores is GeoJSON in WGS84 ``[lon, lat]`` order. The
validator here is the one gate: it names the fault in Chinese and says where it is
(``coordinates[0][5]``: ring 0, position 5), and raises
:class:`django.core.exceptions.ValidationError` with a ``code`` per fault, so that model
``clean()`` methods, forms and DRF serializers (see ``yingji.geo.api.fields``) all report
it the same way.

Faults detected, each with its own code:

- ``not_object`` / ``bad_type`` / ``type_not_allowed``: not a GeoJSON object, unknown type,
  or a type this field does not accept;
- ``bad_coordinates``: missing or wrongly nested ``coordinates``;
- ``not_number`` / ``not_finite``: a position holds a non-number, NaN or infinity;
- ``swapped``: a position looks like ``[lat, lon]`` (lat first) inside China;
- ``outside_china``: a position outside lon 73–136, lat 3–54;
- ``too_few_positions`` / ``ring_not_closed``: a line with < 2 or a ring with < 4 positions,
  or a ring whose first and last positions differ;
- ``ring_self_intersection`` / ``invalid_polygon``: shapely's ``is_valid_reason`` finds a
  self-intersecting ring, holes outside the shell, overlapping parts of a MultiPolygon …
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

# China's rough extent (incl. the South China Sea islands' latitude down to 3°N).
CHINA_MIN_LON, CHINA_MAX_LON = 73.0, 136.0
CHINA_MIN_LAT, CHINA_MAX_LAT = 3.0, 54.0
# Coordinates are stored with 6 decimals: ≈ 0.1 m, far below any source's accuracy.
COORDINATE_DECIMALS = 6

GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPolygon")
POLYGONAL_TYPES = ("Polygon", "MultiPolygon")

BBox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat

_GEOS_REASONS = {
    "Self-intersection": "自相交",
    "Ring Self-intersection": "环自相交",
    "Hole lies outside shell": "内环（洞）位于外环之外",
    "Holes are nested": "内环相互嵌套",
    "Interior is disconnected": "内部被内环分割成不连通的部分",
    "Nested shells": "多个外环相互嵌套",
    "Duplicate Rings": "存在重复的环",
    "Too few points": "点数太少",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合",
}


def _fail(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _in_china(lon: float, lat: float) -> bool:
    return CHINA_MIN_LON <= lon <= CHINA_MAX_LON and CHINA_MIN_LAT <= lat <= CHINA_MAX_LAT


def _path(prefix: str, indexes: Sequence[int]) -> str:
    return prefix + "".join(f"[{i}]" for i in indexes)


def check_position(value: Any, where: str) -> tuple[float, float]:
    """Validate one ``[lon, lat]`` (or ``[lon, lat, alt]``) position and return ``(lon, lat)``."""
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise _fail(
            _("%(where)s 不是坐标：应为 [经度, 纬度]（可选第三个值为高程）。"),
            "bad_coordinates",
            where=where,
        )
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise _fail(
                _("%(where)s 含有非数字的值 %(value)r。"),
                "not_number",
                where=where,
                value=item,
            )
        if not math.isfinite(item):
            raise _fail(_("%(where)s 含有 NaN 或无穷大，不是有效坐标。"), "not_finite", where=where)
    lon, lat = float(value[0]), float(value[1])
    if not _in_china(lon, lat):
        if _in_china(lat, lon):
            raise _fail(
                _(
                    "%(where)s 的经纬度顺序可能写反了：GeoJSON 要求 [经度, 纬度]，"
                    "[%(lon)s, %(lat)s] 看起来是 [纬度, 经度]。"
                ),
                "swapped",
                where=where,
                lon=value[0],
                lat=value[1],
            )
        raise _fail(
            _(
                "%(where)s 的坐标 [%(lon)s, %(lat)s] 超出中国范围"
                "（经度 73–136，纬度 3–54，WGS84）。"
            ),
            "outside_china",
            where=where,
            lon=value[0],
            lat=value[1],
        )
    return lon, lat


def _check_positions(value: Any, where: str, minimum: int) -> list[tuple[float, float]]:
    if not isinstance(value, list | tuple):
        raise _fail(_("%(where)s 应为坐标数组。"), "bad_coordinates", where=where)
    points = [check_position(p, f"{where}[{i}]") for i, p in enumerate(value)]
    if len(points) < minimum:
        raise _fail(
            _("%(where)s 只有 %(count)d 个点，至少需要 %(minimum)d 个。"),
            "too_few_positions",
            where=where,
            count=len(points),
            minimum=minimum,
        )
    return points


def _check_ring(value: Any, where: str) -> None:
    points = _check_positions(value, where, 4)
    if points[0] != points[-1]:
        raise _fail(
            _("%(where)s 的环未闭合：首点 %(first)s 与末点 %(last)s 不同。"),
            "ring_not_closed",
            where=where,
            first=list(points[0]),
            last=list(points[-1]),
        )
    if not shapely.LinearRing(points).is_simple:
        reason = shapely.is_valid_reason(shapely.Polygon(points))
        raise _fail(
            _("%(where)s 的环自相交（%(detail)s）。"),
            "ring_self_intersection",
            where=where,
            detail=_translate_reason(reason),
        )


def _check_rings(value: Any, where: str) -> None:
    if not isinstance(value, list | tuple) or not value:
        raise _fail(
            _("%(where)s 应为环的数组（第一个是外环，其余是内环）。"),
            "bad_coordinates",
            where=where,
        )
    for i, ring in enumerate(value):
        _check_ring(ring, f"{where}[{i}]")


def _translate_reason(reason: str) -> str:
    """GEOS's English reason ("Self-intersection[117.1 36.6]") in Chinese with its location."""
    match = re.match(r"^([^\[]+)(?:\[([-\d.e]+) ([-\d.e]+)\])?", reason)
    if not match:
        return reason
    label = _GEOS_REASONS.get(match.group(1).strip(), match.group(1).strip())
    if match.group(2):
        return _("%(label)s，位置约 [%(lon)s, %(lat)s]") % {
            "label": label,
            "lon": match.group(2),
            "lat": match.group(3),
        }
    return label


def validate_geometry(
    value: Any,
    *,
    allowed_types: Iterable[str] = GEOMETRY_TYPES,
    allow_feature: bool = True,
) -> dict[str, Any]:
    """Check a GeoJSON geometry (or a Feature wrapping one) and return the bare geometry.

    Raises ``ValidationError`` naming the first fault and where it is.
    """
    allowed = tuple(allowed_types)
    if not isinstance(value, dict):
        raise _fail(_("GeoJSON 必须是一个对象（{...}）。"), "not_object")
    kind = value.get("type")
    if kind == "Feature" and allow_feature:
        geometry = value.get("geometry")
        if geometry is None:
            raise _fail(_("Feature 没有 geometry。"), "bad_coordinates", where="geometry")
        return validate_geometry(geometry, allowed_types=allowed, allow_feature=False)
    if kind not in GEOMETRY_TYPES:
        raise _fail(
            _("不支持的 GeoJSON 类型 %(type)r；支持：%(allowed)s。"),
            "bad_type",
            type=kind,
            allowed="、".join(allowed),
        )
    if kind not in allowed:
        raise _fail(
            _("此处不接受 %(type)s；允许的类型：%(allowed)s。"),
            "type_not_allowed",
            type=kind,
            allowed="、".join(allowed),
        )
    if "coordinates" not in value:
        raise _fail(
            _("%(type)s 缺少 coordinates。"), "bad_coordinates", type=kind, where="coordinates"
        )
    coords = value["coordinates"]
    if kind == "Point":
        check_position(coords, "coordinates")
    elif kind == "LineString":
        _check_positions(coords, "coordinates", 2)
    elif kind == "Polygon":
        _check_rings(coords, "coordinates")
    else:  # MultiPolygon
        if not isinstance(coords, list | tuple) or not coords:
            raise _fail(_("coordinates 应为多边形的数组。"), "bad_coordinates", where="coordinates")
        for i, polygon in enumerate(coords):
            _check_rings(polygon, f"coordinates[{i}]")
    if kind in POLYGONAL_TYPES:
        geom = shape({"type": kind, "coordinates": coords})
        reason = shapely.is_valid_reason(geom)
        if reason != "Valid Geometry":
            raise _fail(
                _("%(type)s 不是有效的多边形：%(detail)s。"),
                "invalid_polygon",
                type=kind,
                detail=_translate_reason(reason),
            )
    return {"type": kind, "coordinates": coords}


def validate_feature_collection(
    value: Any, *, allowed_types: Iterable[str] = GEOMETRY_TYPES
) -> list[dict[str, Any]]:
    """Check every Feature of a FeatureCollection; errors name the feature (``features[3]``)."""
    if not isinstance(value, dict) or value.get("type") != "FeatureCollection":
        raise _fail(_("应为 GeoJSON FeatureCollection。"), "bad_type", type=_type_of(value))
    features = value.get("features")
    if not isinstance(features, list):
        raise _fail(_("FeatureCollection 缺少 features 数组。"), "bad_coordinates")
    out = []
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise _fail(_("features[%(index)d] 不是 Feature。"), "bad_type", index=i)
        try:
            out.append(validate_geometry(feature, allowed_types=allowed_types))
        except ValidationError as exc:
            raise ValidationError(
                [f"features[{i}]: {m}" for m in exc.messages], code=exc.error_list[0].code
            ) from exc
    return out


def _type_of(value: Any) -> str:
    return str(value.get("type")) if isinstance(value, dict) else type(value).__name__


class GeoJSONValidator:
    """A Django validator (for model and form fields): ``validators=[GeoJSONValidator(...)]``."""

    def __init__(self, allowed_types: Iterable[str] = GEOMETRY_TYPES) -> None:
        self.allowed_types = tuple(allowed_types)

    def __call__(self, value: Any) -> None:
        validate_geometry(value, allowed_types=self.allowed_types, allow_feature=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GeoJSONValidator) and other.allowed_types == self.allowed_types

    def __hash__(self) -> int:
        return hash(self.allowed_types)

    def deconstruct(self) -> tuple[str, tuple[()], dict[str, Any]]:
        return (
            "yingji.geo.geometry.GeoJSONValidator",
            (),
            {"allowed_types": list(self.allowed_types)},
        )


def to_shape(geometry: dict[str, Any]) -> BaseGeometry:
    """A shapely geometry from a (trusted, already validated) GeoJSON geometry."""
    return shape(geometry)


def from_shape(geom: BaseGeometry, decimals: int = COORDINATE_DECIMALS) -> dict[str, Any]:
    """GeoJSON for a shapely geometry, coordinates rounded to ``decimals`` (lists, not tuples)."""
    mapping = shapely.geometry.mapping(geom)
    return {
        "type": mapping["type"],
        "coordinates": round_coordinates(mapping["coordinates"], decimals),
    }


def round_coordinates(value: Any, decimals: int = COORDINATE_DECIMALS) -> Any:
    """Round every number of a (nested) coordinates array; tuples become lists."""
    if isinstance(value, int | float):
        return round(float(value), decimals)
    return [round_coordinates(item, decimals) for item in value]


def polygonal_part(geom: BaseGeometry) -> BaseGeometry:
    """The Polygon/MultiPolygon part of ``geom`` (drops lines and points ``make_valid`` leaves)."""
    if geom.geom_type in POLYGONAL_TYPES:
        return geom
    parts: list[shapely.Polygon] = []
    for part in getattr(geom, "geoms", []):
        part = polygonal_part(part)
        if part.geom_type == "Polygon":
            parts.append(part)
        elif part.geom_type == "MultiPolygon":
            parts.extend(part.geoms)
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def repair(geom: BaseGeometry) -> BaseGeometry:
    """A valid polygonal geometry from a possibly invalid one (shapely ``make_valid``)."""
    return polygonal_part(shapely.make_valid(geom))


def bbox(geometry: dict[str, Any]) -> BBox:
    """``(min_lon, min_lat, max_lon, max_lat)`` of any GeoJSON geometry."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(value: Any) -> None:
        if value and isinstance(value[0], int | float):
            lons.append(float(value[0]))
            lats.append(float(value[1]))
        else:
            for item in value:
                walk(item)

    walk(geometry["coordinates"])
    if not lons:
        raise ValueError("empty geometry has no bounding box")
    return min(lons), min(lats), max(lons), max(lats)


def label_point(geometry: dict[str, Any]) -> tuple[float, float]:
    """A point for a map label: the centroid if it lies inside, else a point surely inside."""
    geom = to_shape(geometry)
    centroid = geom.centroid
    point = centroid if geom.contains(centroid) else geom.representative_point()
    return round(point.x, COORDINATE_DECIMALS), round(point.y, COORDINATE_DECIMALS)
