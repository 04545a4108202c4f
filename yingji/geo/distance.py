"""Distances on the Earth between WGS84 points.

- :func:`distance_m` is geodesic on the WGS84 ellipsoid (pyproj ``Geod``, Karney's
  algorithm): accurate to about 15 nanometres, ~3 µs a call. Use it for anything that
  is shown to a user or decides a rule (within 5 km of a reservoir …).
- :func:`haversine_m` is the spherical great-circle distance on a sphere of the mean
  Earth radius (6 371 008.8 m). Its error against the ellipsoid is up to about 0.5 %
  (typically 0.1–0.3 % at Jinan's latitude); use it only to pre-filter candidates.
"""

from __future__ import annotations

import math

from pyproj import Geod

WGS84_GEOD = Geod(ellps="WGS84")
MEAN_EARTH_RADIUS_M = 6_371_008.8


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in metres on the WGS84 ellipsoid."""
    _, _, meters = WGS84_GEOD.inv(lon1, lat1, lon2, lat2)
    return float(meters)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres on a sphere (fast; ≤ 0.5 % error)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * MEAN_EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def offset_point(lon: float, lat: float, azimuth_deg: float, meters: float) -> tuple[float, float]:
    """The point ``meters`` away from ``(lon, lat)`` along ``azimuth_deg`` (0 = north)."""
    lon2, lat2, _ = WGS84_GEOD.fwd(lon, lat, azimuth_deg, meters)
    return float(lon2), float(lat2)
