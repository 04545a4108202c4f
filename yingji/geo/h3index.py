"""H3 cell ids of points (DESIGN D3: points store lon, lat and an indexed H3 cell).

Resolution :data:`H3_RESOLUTION` = 9: hexagons of about 0.105 km² with ~201 m edges
(``h3.average_hexagon_area(9)`` / ``average_hexagon_edge_length(9)``). One cell is a
city block: small enough that "points within 2 km" is a disk of a few hundred cells,
large enough that an index column stays compact.
Cells are stored as the 15-character hex string H3 uses (``"8930e1d8a9bffff"``).

Note the argument order: this module takes ``(lon, lat)`` like the rest of the platform;
the h3 library itself takes ``(lat, lng)``.
"""

from __future__ import annotations

import math

import h3

H3_RESOLUTION = 9
# Average edge length at resolution 9 (h3.average_hexagon_edge_length(9, "m")).
H3_EDGE_M = h3.average_hexagon_edge_length(H3_RESOLUTION, "m")


def cell_of(lon: float, lat: float, resolution: int = H3_RESOLUTION) -> str:
    """The H3 cell containing ``(lon, lat)``."""
    return str(h3.latlng_to_cell(lat, lon, resolution))


def cell_center(cell: str) -> tuple[float, float]:
    """``(lon, lat)`` of a cell's centre."""
    lat, lng = h3.cell_to_latlng(cell)
    return float(lng), float(lat)


def cells_within(
    lon: float, lat: float, radius_m: float, resolution: int = H3_RESOLUTION
) -> set[str]:
    """Cells that together cover every point within ``radius_m`` of ``(lon, lat)``.

    A superset: callers filter candidates with an exact distance afterwards. Cells vary in
    size (at resolution 9 in Shandong, edges are 155–185 m against a 201 m global
    average), so the ring count uses the shortest edge of the point's own cell. The ring
    ``k`` centres are at least ``1.5 * k * edge`` from the centre cell's centre, which is
    itself within one edge of the point; ``k = ceil((radius + 2 edge) / (1.5 edge)) + 1``
    leaves a margin for neighbours smaller than the centre cell.
    """
    if radius_m < 0:
        raise ValueError("radius must not be negative")
    origin = cell_of(lon, lat, resolution)
    edge = min(h3.edge_length(e, "m") for e in h3.origin_to_directed_edges(origin))
    k = math.ceil((radius_m + 2 * edge) / (1.5 * edge)) + 1
    return {str(c) for c in h3.grid_disk(origin, k)}
