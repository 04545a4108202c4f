"""Regenerate the Jinan reference files shipped in this folder (see SOURCES.md).

    python -m yingji.geo.data.build_jinan [--source PATH]

Reads the decoded ECharts district polygons (GCJ-02, assumed) from the shared reference
folder, converts every vertex to WGS84, repairs invalid rings with shapely ``make_valid``
(keeping only polygonal parts), rounds to 6 decimals and writes
``jinan_districts_wgs84.geojson``. It also writes ``jinan_zones_approx_wgs84.geojson``:
hand-drawn approximate outlines of the three functional zones, clipped to the city.

No simplification is applied: the source is already quantised to 1/1024° (~100 m), and
simplifying each district on its own would open gaps along shared edges.
Only this script reads the shared folder; the app reads the files written here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from yingji.geo.coords import convert_geometry
from yingji.geo.geometry import COORDINATE_DECIMALS, from_shape, polygonal_part, repair

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = Path("/work/shared/reference/jinan/districts-echarts2018-gcj02.geojson")
DISTRICTS_FILE = HERE / "jinan_districts_wgs84.geojson"
ZONES_FILE = HERE / "jinan_zones_approx_wgs84.geojson"

# Seats of government (政府驻地), WGS84, from standards.md §9.2 (GCJ-02 points converted
# with the iterative inverse; 莱芜区/钢城区 use their post-2019 seats).
SEATS_WGS84: dict[str, tuple[float, float]] = {
    "370102": (117.07035, 36.66603),
    "370103": (116.99204, 36.65111),
    "370104": (116.89567, 36.65137),
    "370105": (116.98139, 36.67838),
    "370112": (117.05916, 36.67984),
    "370113": (116.74615, 36.55352),
    "370114": (117.52025, 36.68104),
    "370115": (117.16742, 36.97795),
    "370116": (117.66994, 36.21441),
    "370117": (117.81449, 36.05806),
    "370124": (116.45025, 36.28904),
    "370126": (117.15106, 37.30822),
}

# Functional zones (功能区): no GB/T 2260 code and no published boundary. Internal codes
# "<city code>Z<nn>". The outlines are rough sketches (WGS84) made for the demo from the
# zones' known extent (towns and streets they administer); they are NOT official.
ZONES: list[dict[str, Any]] = [
    {
        "code": "370100Z01",
        "name": "高新区",
        "full_name": "济南高新技术产业开发区",
        "note": "统计用代码 370171（非 GB/T 2260）；轮廓为东部城区的近似示意。",
        "outline": [
            (117.100, 36.665),
            (117.170, 36.720),
            (117.300, 36.715),
            (117.380, 36.700),
            (117.370, 36.650),
            (117.250, 36.640),
            (117.130, 36.640),
        ],
    },
    {
        "code": "370100Z02",
        "name": "南部山区",
        "full_name": "济南市南部山区",
        "note": "仲宫、柳埠、西营等镇一带的近似示意轮廓。",
        "outline": [
            (116.980, 36.550),
            (117.100, 36.560),
            (117.220, 36.530),
            (117.300, 36.450),
            (117.280, 36.360),
            (117.150, 36.330),
            (117.020, 36.360),
            (116.960, 36.450),
        ],
    },
    {
        "code": "370100Z03",
        "name": "起步区",
        "full_name": "济南新旧动能转换起步区",
        "note": "黄河以北太平、大桥、崔寨、孙耿一带的近似示意轮廓（约 800 km²）。",
        "outline": [
            (116.930, 36.760),
            (117.000, 36.730),
            (117.120, 36.740),
            (117.260, 36.780),
            (117.270, 36.880),
            (117.170, 36.950),
            (117.050, 36.960),
            (116.950, 36.900),
        ],
    },
]


def snap(geom: Any) -> Any:
    """Snap to the 6-decimal grid the file stores, keeping the result valid."""
    return polygonal_part(shapely.set_precision(geom, 10**-COORDINATE_DECIMALS))


def build_districts(source: Path) -> dict[str, Any]:
    data = json.loads(source.read_text(encoding="utf-8"))
    features: list[dict[str, Any]] = []
    for feature in data["features"]:
        props = feature["properties"]
        code = props["adcode"]
        wgs = convert_geometry(feature["geometry"], "gcj02", "wgs84")
        geom = snap(repair(shape(wgs)))
        if geom.is_empty or not geom.is_valid:
            raise SystemExit(f"{code}: no valid polygon after repair")
        seat = SEATS_WGS84[code]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": props["name"],
                    "code_2018": props["adcode_2018"],
                    "name_2018": props["name_2018"],
                    "seat": list(seat),
                },
                "geometry": from_shape(geom),
            }
        )
    features.sort(key=lambda f: f["properties"]["code"])
    return {
        "type": "FeatureCollection",
        "name": "jinan_districts_wgs84",
        "note": (
            "Jinan's 12 districts/counties (2019 codes), from echarts-china-cities-pypkg 0.0.9 "
            "(MIT), assumed GCJ-02 and converted to WGS84; repaired with make_valid. "
            "Unofficial, ~100 m resolution. See SOURCES.md."
        ),
        "features": features,
    }


def build_zones(districts: dict[str, Any]) -> dict[str, Any]:
    city = shapely.union_all([shape(f["geometry"]) for f in districts["features"]])
    features = []
    for zone in ZONES:
        outline = shapely.Polygon(zone["outline"])
        geom = snap(repair(outline.intersection(city)))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": zone["code"],
                    "name": zone["name"],
                    "full_name": zone["full_name"],
                    "note": zone["note"],
                },
                "geometry": from_shape(geom),
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "jinan_zones_approx_wgs84",
        "note": "Approximate, hand-drawn functional-zone outlines (synthetic, not official).",
        "features": features,
    }


def write(path: Path, data: dict[str, Any]) -> None:
    # One feature per line keeps diffs readable and the file compact.
    head = {k: v for k, v in data.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in data["features"]]
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n'
    text += ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    districts = build_districts(args.source)
    write(DISTRICTS_FILE, districts)
    write(ZONES_FILE, build_zones(districts))
    print(
        f"wrote {DISTRICTS_FILE.name} ({len(districts['features'])} districts), {ZONES_FILE.name}"
    )


if __name__ == "__main__":
    main()
