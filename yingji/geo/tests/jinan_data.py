"""Jinan's shipped geometry as plain shapely objects, and a brute-force point → region."""

from __future__ import annotations

from functools import cache

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from yingji.geo.loaders import district_features, synthetic_township_cells, zone_features
from yingji.geo.lookup import Location, RegionIndex, RegionRef

Layer = list[tuple[RegionRef, BaseGeometry]]


@cache
def layers() -> dict[str, Layer]:
    """district/township/zone → [(ref, geometry)] sorted by code, ids made up."""
    districts: Layer = []
    townships: Layer = []
    zones: Layer = []
    next_id = 1
    for feature in district_features():
        props = feature["properties"]
        geom = shape(feature["geometry"])
        districts.append((RegionRef(next_id, props["code"], props["name"], "district"), geom))
        next_id += 1
        for n, cell in enumerate(synthetic_township_cells(props["code"], geom), start=1):
            code = f"{props['code']}9{n:02d}"
            townships.append((RegionRef(next_id, code, code, "township"), cell))
            next_id += 1
    for feature in zone_features():
        props = feature["properties"]
        zones.append(
            (RegionRef(next_id, props["code"], props["name"], "zone"), shape(feature["geometry"]))
        )
        next_id += 1
    return {"district": districts, "township": townships, "zone": zones}


@cache
def index() -> RegionIndex:
    return RegionIndex([item for layer in layers().values() for item in layer])


def brute_force(lon: float, lat: float) -> Location:
    """The boundary rule spelt out: closed polygons, smallest code first, every zone."""
    point = shapely.Point(lon, lat)

    def first(layer: Layer) -> RegionRef | None:
        for ref, geom in sorted(layer, key=lambda item: item[0].code):
            if geom.covers(point):
                return ref
        return None

    data = layers()
    zones = tuple(ref for ref, geom in data["zone"] if geom.covers(point))
    return Location(first(data["district"]), first(data["township"]), zones)
