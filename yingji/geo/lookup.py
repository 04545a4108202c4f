"""Point → region: which district, township and functional zones contain a point.

The index is built from the ``Region`` rows that have a boundary (districts, townships,
zones) and kept process-wide. A regular lon/lat grid covers their extent; every grid
cell is classified once, with exact shapely predicates on the cell's box:

- a cell that lies strictly inside one polygon of a layer and touches no other answers
  for that layer without any geometry test;
- a cell that some polygons cross keeps those polygons (prepared) as candidates, and a
  point there is tested exactly with ``shapely.intersects_xy``;
- a cell that no polygon touches answers "none".

When every layer of a cell is settled, the cell holds a ready :class:`Location`, so most
lookups are two multiplications and a list index (≈ 1 µs). A grid of ~0.005° (≈ 500 m)
leaves > 90 % of Jinan's cells settled.

**Boundary rule.** Polygons are closed: a point on a region's edge belongs to it. A point
on the edge shared by two districts (or two townships) goes to the one with the smaller
code, the same rule that settles overlaps in imperfect data. Zones may overlap each other
and districts; a point gets every zone whose closed polygon contains it, by code.

**Freshness.** The loaders call :func:`invalidate`; saving or deleting a ``Region`` in
this process does too (a cache signal, nothing else). Other processes notice a change
within ``YINGJI_REGION_INDEX_TTL`` seconds (default 5): the index is keyed on the count
and latest ``updated_at`` of the indexed regions.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from shapely.geometry.base import BaseGeometry

from .choices import RegionLevel
from .geometry import to_shape
from .models import Region

INDEXED_LEVELS = (RegionLevel.DISTRICT, RegionLevel.TOWNSHIP, RegionLevel.ZONE)
# Grid cell size (degrees) and the most cells a grid may have; a province-sized extent
# gets coarser cells rather than unbounded memory.
GRID_STEP_DEG = 0.005
MAX_GRID_CELLS = 250_000
# Cell boxes are grown by this much before classification, so float rounding in the
# cell arithmetic can never put a point outside the box that was classified.
_BOX_MARGIN_DEG = 1e-9


@dataclass(frozen=True, slots=True)
class RegionRef:
    """A region as the index reports it (no database access needed)."""

    id: int
    code: str
    name: str
    level: str


@dataclass(frozen=True, slots=True)
class Location:
    """The regions containing a point; any of them may be missing."""

    district: RegionRef | None
    township: RegionRef | None
    zones: tuple[RegionRef, ...] = ()

    @property
    def deepest(self) -> RegionRef | None:
        """The township if there is one, else the district."""
        return self.township or self.district


NOWHERE = Location(None, None, ())

_Candidates = tuple[tuple[RegionRef, BaseGeometry], ...]


@dataclass(frozen=True, slots=True)
class _Pending:
    """A grid cell where at least one layer needs an exact test."""

    district: RegionRef | _Candidates | None
    township: RegionRef | _Candidates | None
    zones_sure: tuple[RegionRef, ...]
    zones_maybe: _Candidates


def _first_hit(value: RegionRef | _Candidates | None, lon: float, lat: float) -> RegionRef | None:
    if value is None or isinstance(value, RegionRef):
        return value
    for ref, geom in value:
        if shapely.intersects_xy(geom, lon, lat):
            return ref
    return None


class RegionIndex:
    """An immutable point → region index over ``(RegionRef, geometry)`` pairs."""

    def __init__(
        self,
        regions: Iterable[tuple[RegionRef, BaseGeometry]],
        *,
        step_deg: float = GRID_STEP_DEG,
        max_cells: int = MAX_GRID_CELLS,
    ) -> None:
        by_level: dict[str, list[tuple[RegionRef, BaseGeometry]]] = {
            str(level): [] for level in INDEXED_LEVELS
        }
        for ref, geom in regions:
            if geom.is_empty or ref.level not in by_level:
                continue
            shapely.prepare(geom)
            by_level[ref.level].append((ref, geom))
        for items in by_level.values():
            items.sort(key=lambda item: item[0].code)
        self.size = sum(len(v) for v in by_level.values())
        self._cells: list[Location | _Pending] = []
        self.x0 = self.y0 = self.x1 = self.y1 = 0.0
        self.nx = self.ny = 0
        self.step = step_deg
        self.settled_share = 0.0
        if self.size:
            self._build(by_level, step_deg, max_cells)

    def _build(
        self,
        by_level: dict[str, list[tuple[RegionRef, BaseGeometry]]],
        step_deg: float,
        max_cells: int,
    ) -> None:
        all_geoms = [g for items in by_level.values() for _, g in items]
        x0, y0, x1, y1 = shapely.total_bounds(np.array(all_geoms, dtype=object))
        width, height = max(x1 - x0, step_deg), max(y1 - y0, step_deg)
        step = max(step_deg, math.sqrt(width * height / max_cells))
        nx, ny = math.ceil(width / step) + 1, math.ceil(height / step) + 1
        self.x0, self.y0, self.step, self.nx, self.ny = x0, y0, step, nx, ny
        self.x1, self.y1 = x0 + nx * step, y0 + ny * step
        self._inv_step = 1.0 / step

        ix = np.tile(np.arange(nx), ny)
        iy = np.repeat(np.arange(ny), nx)
        boxes = shapely.box(
            x0 + ix * step - _BOX_MARGIN_DEG,
            y0 + iy * step - _BOX_MARGIN_DEG,
            x0 + (ix + 1) * step + _BOX_MARGIN_DEG,
            y0 + (iy + 1) * step + _BOX_MARGIN_DEG,
        )
        shapely.prepare(boxes)
        n_cells = nx * ny
        # Per layer: the (cell, region) pairs that touch, and whether the cell is strictly
        # inside the region.
        pairs: dict[str, tuple[Any, Any, Any]] = {}
        for level, items in by_level.items():
            if not items:
                empty = np.zeros(0, dtype=np.int64)
                pairs[level] = (empty, empty, np.zeros(0, dtype=bool))
                continue
            geoms = np.array([g for _, g in items], dtype=object)
            # Envelope candidates first, then exact tests against the prepared polygons
            # (much faster than the tree's own predicate, which prepares the boxes).
            box_idx, geom_idx = shapely.STRtree(geoms).query(boxes)
            touching = shapely.intersects(geoms[geom_idx], boxes[box_idx])
            box_idx, geom_idx = box_idx[touching], geom_idx[touching]
            inside = shapely.contains_properly(geoms[geom_idx], boxes[box_idx])
            pairs[level] = (box_idx, geom_idx, inside)

        def state(level: str) -> Any:
            """Per cell: -1 no region, -2 needs exact tests, else the one region's index."""
            box_idx, geom_idx, inside = pairs[level]
            count = np.bincount(box_idx, minlength=n_cells)
            out = np.full(n_cells, -1, dtype=np.int64)
            out[count > 0] = -2
            single = (count[box_idx] == 1) & inside
            out[box_idx[single]] = geom_idx[single]
            return out

        district_level, township_level = str(RegionLevel.DISTRICT), str(RegionLevel.TOWNSHIP)
        zone_level = str(RegionLevel.ZONE)
        districts, townships = by_level[district_level], by_level[township_level]
        zone_items = by_level[zone_level]
        d_state, t_state = state(district_level), state(township_level)
        zone_touched = np.zeros(n_cells, dtype=bool)
        zone_touched[pairs[zone_level][0]] = True
        simple = (d_state != -2) & (t_state != -2) & ~zone_touched

        def ref(items: list[tuple[RegionRef, BaseGeometry]], i: int) -> RegionRef | None:
            return items[i][0] if i >= 0 else None

        # Cells settled in every layer and touching no zone: one shared Location per
        # (district, township) combination, assigned in bulk.
        cells = np.empty(n_cells, dtype=object)
        simple_idx = np.nonzero(simple)[0]
        stride = len(townships) + 1
        keys = (d_state[simple_idx] + 1) * stride + (t_state[simple_idx] + 1)
        unique_keys, inverse = np.unique(keys, return_inverse=True)
        shared = np.empty(len(unique_keys), dtype=object)
        for i, key in enumerate(unique_keys.tolist()):
            di, ti = divmod(key, stride)
            shared[i] = Location(ref(districts, di - 1), ref(townships, ti - 1), ())
        cells[simple_idx] = shared[inverse]

        # The other cells, one by one.
        complex_cells = set(np.nonzero(~simple)[0].tolist())
        hits: dict[str, dict[int, list[tuple[int, bool]]]] = {}
        for level, (box_idx, geom_idx, inside) in pairs.items():
            per_cell: dict[int, list[tuple[int, bool]]] = defaultdict(list)
            keep = ~simple[box_idx]
            for b, g, ins in zip(
                box_idx[keep].tolist(), geom_idx[keep].tolist(), inside[keep].tolist(), strict=True
            ):
                per_cell[b].append((g, ins))
            hits[level] = per_cell

        def exclusive(level: str, cell: int) -> RegionRef | _Candidates | None:
            found = hits[level].get(cell)
            items = by_level[level]
            if not found:
                return None
            if len(found) == 1 and found[0][1]:
                return items[found[0][0]][0]
            return tuple(items[g] for g, _ in sorted(found))

        settled: dict[tuple[Any, ...], Location] = {}
        n_settled = len(simple_idx)
        for cell in complex_cells:
            district = exclusive(district_level, cell)
            township = exclusive(township_level, cell)
            zone_hits = sorted(hits[zone_level].get(cell, ()))
            zones_sure = tuple(zone_items[g][0] for g, ins in zone_hits if ins)
            zones_maybe = tuple(zone_items[g] for g, ins in zone_hits if not ins)
            if (
                not isinstance(district, tuple)
                and not isinstance(township, tuple)
                and not zones_maybe
            ):
                key = (district, township, zones_sure)
                location = settled.get(key)
                if location is None:
                    location = settled[key] = Location(district, township, zones_sure)
                cells[cell] = location
                n_settled += 1
            else:
                cells[cell] = _Pending(district, township, zones_sure, zones_maybe)
        self._cells = cells.tolist()
        self.settled_share = n_settled / n_cells

    def locate(self, lon: float, lat: float) -> Location:
        """The district, township and zones containing ``(lon, lat)`` (WGS84)."""
        if not (self.x0 <= lon < self.x1 and self.y0 <= lat < self.y1):
            return NOWHERE  # also NaN: every comparison with NaN is false
        entry = self._cells[
            int((lat - self.y0) * self._inv_step) * self.nx + int((lon - self.x0) * self._inv_step)
        ]
        if entry.__class__ is Location:
            return entry  # type: ignore[return-value]
        assert isinstance(entry, _Pending)
        zones = entry.zones_sure
        if entry.zones_maybe:
            extra = [
                ref for ref, geom in entry.zones_maybe if shapely.intersects_xy(geom, lon, lat)
            ]
            if extra:
                zones = tuple(sorted((*zones, *extra), key=lambda ref: ref.code))
        return Location(
            _first_hit(entry.district, lon, lat), _first_hit(entry.township, lon, lat), zones
        )

    def locate_many(self, points: Sequence[tuple[float, float]]) -> list[Location]:
        locate = self.locate
        return [locate(lon, lat) for lon, lat in points]


# --- The process-wide index -----------------------------------------------------------------

_lock = threading.Lock()
_index: RegionIndex | None = None
_version: tuple[Any, ...] | None = None
_fresh_until = -math.inf


def _ttl() -> float:
    return float(getattr(settings, "YINGJI_REGION_INDEX_TTL", 5.0))


def _indexed_regions() -> Any:
    return Region.objects.filter(level__in=INDEXED_LEVELS, boundary__isnull=False)


def _current_version() -> tuple[Any, ...]:
    agg = _indexed_regions().aggregate(n=Count("id"), latest=Max("updated_at"), top=Max("id"))
    return (agg["n"], agg["latest"], agg["top"])


def build_index() -> RegionIndex:
    """A fresh index from the database (does not replace the process-wide one)."""
    rows = _indexed_regions().values_list("id", "code", "name", "level", "boundary")
    return RegionIndex(
        (RegionRef(pk, code, name, level), to_shape(boundary))
        for pk, code, name, level, boundary in rows.iterator()
    )


def get_index() -> RegionIndex:
    """The process-wide index, rebuilt if regions changed since it was built."""
    global _index, _version, _fresh_until
    index = _index
    if index is not None and time.monotonic() < _fresh_until:
        return index
    with _lock:
        version = _current_version()
        if _index is None or version != _version:
            _index = build_index()
            _version = version
        _fresh_until = time.monotonic() + _ttl()
        return _index


def invalidate() -> None:
    """Forget the process-wide index; the next lookup rebuilds it."""
    global _index, _version, _fresh_until
    with _lock:
        _index = None
        _version = None
        _fresh_until = -math.inf


def locate(lon: float, lat: float) -> Location:
    """The district, township and zones containing the WGS84 point ``(lon, lat)``."""
    return get_index().locate(lon, lat)


def region_for_point(lon: float, lat: float) -> Region | None:
    """The deepest ``Region`` (township, else district) containing the point, or None."""
    ref = locate(lon, lat).deepest
    if ref is None:
        return None
    region: Region | None = Region.objects.filter(pk=ref.id).first()
    return region


def _on_region_change(sender: Any, **kwargs: Any) -> None:
    # Cache invalidation only (infrastructure): the next lookup in this process rebuilds.
    invalidate()


post_save.connect(_on_region_change, sender=Region, dispatch_uid="geo.lookup.invalidate.save")
post_delete.connect(_on_region_change, sender=Region, dispatch_uid="geo.lookup.invalidate.delete")
