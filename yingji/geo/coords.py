"""Conversion between WGS84, GCJ-02 and BD-09 (DESIGN D3: convert at import, store WGS84).

- WGS84 / CGCS2000: GPS, Tianditu, OpenStreetMap, CAP. What the database stores.
- GCJ-02 ("火星坐标"): WGS84 with the obfuscation required for public maps in China
  (AMap/高德, Tencent, Google China). WGS84 → GCJ-02 is a closed formula and exact;
  GCJ-02 → WGS84 has no closed form and is solved here by fixed-point iteration to
  better than 1e-9 degrees (≈ 0.1 mm) of the forward formula's inverse.
- BD-09: Baidu's second offset applied on top of GCJ-02 (the 0.0065 / 0.006 shifts).
  BD-09 → GCJ-02 uses the usual closed approximation, refined by iteration so that a
  round trip returns the input to within 1e-9 degrees.

The forward formula is defined only "inside China"; outside the rough rectangle used by
every implementation (lon 72.004–137.8347, lat 0.8293–55.8271) coordinates are returned
unchanged, as AMap and Baidu do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .choices import CoordinateSystem

# Krasovsky 1940 ellipsoid, as the GCJ-02 formula uses it.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_ITERATION_TOLERANCE_DEG = 1e-10
_MAX_ITERATIONS = 30

Converter = Callable[[float, float], tuple[float, float]]


def out_of_china(lon: float, lat: float) -> bool:
    """Whether the GCJ-02 offset is not applied at this point (outside its rectangle)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 → GCJ-02 (exact: this formula defines GCJ-02)."""
    if out_of_china(lon, lat):
        return lon, lat
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = math.sin(radlat)
    magic = 1 - _EE * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def _invert(forward: Converter, lon: float, lat: float) -> tuple[float, float]:
    """Solve ``forward(x) == (lon, lat)`` by fixed-point iteration (the offset is smooth)."""
    x, y = lon, lat
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(x, y)
        dx, dy = fx - lon, fy - lat
        x, y = x - dx, y - dy
        if abs(dx) < _ITERATION_TOLERANCE_DEG and abs(dy) < _ITERATION_TOLERANCE_DEG:
            break
    return x, y


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → WGS84, iterated until the forward formula reproduces the input (≈ 0.1 mm)."""
    if out_of_china(lon, lat):
        return lon, lat
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → BD-09 (Baidu's published formula)."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 → GCJ-02: the usual closed approximation, refined so the round trip is exact."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    gx, gy = z * math.cos(theta), z * math.sin(theta)
    for _ in range(_MAX_ITERATIONS):
        bx, by = gcj02_to_bd09(gx, gy)
        dx, dy = bx - lon, by - lat
        gx, gy = gx - dx, gy - dy
        if abs(dx) < _ITERATION_TOLERANCE_DEG and abs(dy) < _ITERATION_TOLERANCE_DEG:
            break
    return gx, gy


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon: float, lat: float) -> tuple[float, float]:
    return lon, lat


_WGS, _GCJ, _BD = (
    CoordinateSystem.WGS84.value,
    CoordinateSystem.GCJ02.value,
    CoordinateSystem.BD09.value,
)

_CONVERTERS: dict[tuple[str, str], Converter] = {
    (_WGS, _WGS): _identity,
    (_GCJ, _GCJ): _identity,
    (_BD, _BD): _identity,
    (_WGS, _GCJ): wgs84_to_gcj02,
    (_GCJ, _WGS): gcj02_to_wgs84,
    (_GCJ, _BD): gcj02_to_bd09,
    (_BD, _GCJ): bd09_to_gcj02,
    (_WGS, _BD): wgs84_to_bd09,
    (_BD, _WGS): bd09_to_wgs84,
}


def converter(source: str, target: str) -> Converter:
    """The function converting ``(lon, lat)`` from ``source`` to ``target`` (CoordinateSystem)."""
    try:
        return _CONVERTERS[(str(source), str(target))]
    except KeyError:
        known = ", ".join(sorted({s for s, _ in _CONVERTERS}))
        raise ValueError(
            f"unknown coordinate system {source!r} or {target!r} (known: {known})"
        ) from None


def convert(lon: float, lat: float, source: str, target: str) -> tuple[float, float]:
    """Convert one point, e.g. ``convert(117.0764, 36.6665, "gcj02", "wgs84")``."""
    return converter(source, target)(lon, lat)


def convert_geometry(geometry: dict[str, Any], source: str, target: str) -> dict[str, Any]:
    """A copy of a GeoJSON geometry (or Feature/FeatureCollection) with every position converted.

    Altitudes (a third ordinate) are kept unchanged.
    """
    fn = converter(source, target)

    def positions(value: Any) -> Any:
        if value and isinstance(value[0], int | float):
            lon, lat = fn(float(value[0]), float(value[1]))
            return [lon, lat, *value[2:]]
        return [positions(item) for item in value]

    kind = geometry.get("type")
    if kind == "FeatureCollection":
        return {
            **geometry,
            "features": [convert_geometry(f, source, target) for f in geometry["features"]],
        }
    if kind == "Feature":
        inner = geometry.get("geometry")
        return {**geometry, "geometry": convert_geometry(inner, source, target) if inner else None}
    if kind == "GeometryCollection":
        return {
            **geometry,
            "geometries": [convert_geometry(g, source, target) for g in geometry["geometries"]],
        }
    return {**geometry, "coordinates": positions(geometry["coordinates"])}
