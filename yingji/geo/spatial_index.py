"""An in-process point index per map layer: a uniform lon/lat grid over numpy arrays (D3).

The spatial search service (:mod:`yingji.geo.search`) asks this index for *candidates*:
the points whose position may satisfy a query (near a point, within a radius, inside a
polygon). The index knows only ``(id, lon, lat, region id)`` and the values of the
layer's plain filter columns; it never decides what a user may see. Every candidate is
confirmed through ``layer.model.objects.restrict(user, "view")`` plus the layer's
filters by the search service (one query by primary key), which also supplies the
names and the current coordinates. See ``docs/spatial-search.md`` and
``docs/decisions/0007-spatial-index.md`` for why a grid of our own and not SQL ``IN``
lists of H3 cells.

Structure: the points are sorted by grid cell (row-major), and ``starts[c]`` is the
offset of cell ``c``'s first point, so a rectangle of cells is one contiguous slice per
row. Cells are square in metres (``dx = dy / cos(mid latitude)``) and sized for about
:data:`POINTS_PER_CELL` points each, capped at :data:`MAX_CELLS` cells.

Freshness: the index of a layer is rebuilt when the model's version key changes (on
PostgreSQL the table's write counters, elsewhere the highest id and latest
``updated_at``; see :func:`yingji.geo.model_cache.version_of`). The key is checked at
most every ``YINGJI_SPATIAL_INDEX_TTL`` seconds (default 5); saving or deleting a row of
the layer's model in this process drops the index at once (a cache signal). Since the
search service confirms candidates with the database, a stale index can only *miss* a
point created or moved in another process during that window, never show a deleted one
or one outside the user's scope.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.db import connections

from yingji.geo.model_cache import ModelCache, ttl

POINTS_PER_CELL = 8
MAX_CELLS = 4_000_000
# Smallest cell side (degrees of latitude, ≈ 55 m): tiny layers get a coarse grid.
MIN_STEP_DEG = 0.0005
# Rows read per round trip while building.
FETCH_CHUNK = 200_000
# Half-width of a polygon's bbox in cells above which the cells are classified as
# inside/crossing before points are tested.
SPLIT_MIN_POINTS = 50_000
SPLIT_TARGET_BLOCKS = 2_500


def _ranges(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(a[i], b[i])`` for all i, vectorised."""
    lengths = b - a
    keep = lengths > 0
    a, lengths = a[keep], lengths[keep]
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(a - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return offsets + np.arange(total, dtype=np.int64)


@dataclass
class GridIndex:
    """Points sorted by grid cell. Arrays are read-only once built."""

    ids: np.ndarray  # int64
    lon: np.ndarray  # float64
    lat: np.ndarray  # float64
    region: np.ndarray  # int64, -1 when unknown
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # int32 codes
    vocab: dict[str, dict[str, int]] = field(default_factory=dict)
    x0: float = 0.0
    y0: float = 0.0
    dx: float = 1.0
    dy: float = 1.0
    nx: int = 1
    ny: int = 1
    starts: np.ndarray = field(default_factory=lambda: np.zeros(2, dtype=np.int64))
    _top: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.ids)

    def top(self, name: str) -> int:
        """The highest value of ``region`` or of a column (-1 when empty); cached, the
        arrays being read-only."""
        if name not in self._top:
            values = self.region if name == "region" else self.columns[name]
            self._top[name] = int(values.max()) if len(values) else -1
        return self._top[name]

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        region: np.ndarray | None = None,
        columns: dict[str, np.ndarray] | None = None,
        vocab: dict[str, dict[str, int]] | None = None,
        *,
        points_per_cell: int = POINTS_PER_CELL,
        max_cells: int = MAX_CELLS,
    ) -> GridIndex:
        ids = np.asarray(ids, dtype=np.int64)
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        region = (
            np.full(len(ids), -1, dtype=np.int64)
            if region is None
            else np.asarray(region, dtype=np.int64)
        )
        columns = dict(columns or {})
        n = len(ids)
        if n == 0:
            return cls(ids, lon, lat, region, columns, dict(vocab or {}))
        x0, x1 = float(lon.min()), float(lon.max())
        y0, y1 = float(lat.min()), float(lat.max())
        cos0 = max(math.cos(math.radians((y0 + y1) / 2)), 0.01)
        area = max(x1 - x0, MIN_STEP_DEG) * cos0 * max(y1 - y0, MIN_STEP_DEG)
        cells = min(max_cells, max(1, n // points_per_cell))
        dy = max(MIN_STEP_DEG, math.sqrt(area / cells))
        dx = dy / cos0
        nx = int((x1 - x0) / dx) + 1
        ny = int((y1 - y0) / dy) + 1
        ix = np.minimum(((lon - x0) / dx).astype(np.int64), nx - 1)
        iy = np.minimum(((lat - y0) / dy).astype(np.int64), ny - 1)
        key = iy * nx + ix
        order = np.argsort(key, kind="stable")
        counts = np.bincount(key, minlength=nx * ny)
        starts = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        return cls(
            ids=ids[order],
            lon=lon[order],
            lat=lat[order],
            region=region[order],
            columns={name: col[order] for name, col in columns.items()},
            vocab=dict(vocab or {}),
            x0=x0,
            y0=y0,
            dx=dx,
            dy=dy,
            nx=nx,
            ny=ny,
            starts=starts,
        )

    # --- cells ----------------------------------------------------------------------------

    def cell_range(
        self, min_lon: float, min_lat: float, max_lon: float, max_lat: float
    ) -> tuple[int, int, int, int] | None:
        """Inclusive cell bounds ``(ix0, iy0, ix1, iy1)`` of a lon/lat box, clipped."""
        if self.size == 0:
            return None
        ix0 = math.floor((min_lon - self.x0) / self.dx)
        ix1 = math.floor((max_lon - self.x0) / self.dx)
        iy0 = math.floor((min_lat - self.y0) / self.dy)
        iy1 = math.floor((max_lat - self.y0) / self.dy)
        if ix1 < 0 or iy1 < 0 or ix0 >= self.nx or iy0 >= self.ny:
            return None
        return max(ix0, 0), max(iy0, 0), min(ix1, self.nx - 1), min(iy1, self.ny - 1)

    def rect_positions(self, ix0: int, iy0: int, ix1: int, iy1: int) -> np.ndarray:
        """Positions (into the sorted arrays) of the points in a rectangle of cells."""
        rows = np.arange(iy0, iy1 + 1, dtype=np.int64) * self.nx
        return _ranges(self.starts[rows + ix0], self.starts[rows + ix1 + 1])

    def rect_count(self, ix0: int, iy0: int, ix1: int, iy1: int) -> int:
        """How many points a rectangle of cells holds (without listing them)."""
        rows = np.arange(iy0, iy1 + 1, dtype=np.int64) * self.nx
        return int((self.starts[rows + ix1 + 1] - self.starts[rows + ix0]).sum())

    def blocks_positions(
        self, bx0: np.ndarray, by0: np.ndarray, b: int, cr: tuple[int, int, int, int]
    ) -> np.ndarray:
        """Positions of the points in square blocks of ``b``×``b`` cells (clipped to ``cr``)."""
        _, _, ix1, iy1 = cr
        if len(bx0) == 0:
            return np.zeros(0, dtype=np.int64)
        rows = by0[:, None] + np.arange(b)[None, :]
        cols0 = np.broadcast_to(bx0[:, None], rows.shape)
        valid = rows <= iy1
        rows, cols0 = rows[valid], cols0[valid]
        cols1 = np.minimum(cols0 + b - 1, ix1)
        base = rows * self.nx
        return _ranges(self.starts[base + cols0], self.starts[base + cols1 + 1])

    def box_positions(
        self, min_lon: float, min_lat: float, max_lon: float, max_lat: float
    ) -> np.ndarray:
        """Positions of the points whose cell meets the box (a superset of the box)."""
        cr = self.cell_range(min_lon, min_lat, max_lon, max_lat)
        if cr is None:
            return np.zeros(0, dtype=np.int64)
        return self.rect_positions(*cr)

    def polygon_positions(self, polygon: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(sure, maybe)`` positions for a shapely polygon.

        ``sure`` points lie in blocks of cells strictly inside the polygon (no test
        needed); ``maybe`` points lie in blocks that cross its boundary and must be tested
        exactly. Blocks outside the polygon are skipped.
        """
        empty = np.zeros(0, dtype=np.int64)
        min_lon, min_lat, max_lon, max_lat = polygon.bounds
        cr = self.cell_range(min_lon, min_lat, max_lon, max_lat)
        if cr is None:
            return empty, empty
        ix0, iy0, ix1, iy1 = cr
        rows = np.arange(iy0, iy1 + 1, dtype=np.int64) * self.nx
        n_box = int((self.starts[rows + ix1 + 1] - self.starts[rows + ix0]).sum())
        if n_box < SPLIT_MIN_POINTS:
            return empty, self.rect_positions(*cr)
        w, h = ix1 - ix0 + 1, iy1 - iy0 + 1
        b = max(1, math.ceil(math.sqrt(w * h / SPLIT_TARGET_BLOCKS)))
        gx, gy = np.meshgrid(np.arange(ix0, ix1 + 1, b), np.arange(iy0, iy1 + 1, b))
        bx0, by0 = gx.ravel().astype(np.int64), gy.ravel().astype(np.int64)
        eps = 1e-9
        boxes = shapely.box(
            self.x0 + bx0 * self.dx - eps,
            self.y0 + by0 * self.dy - eps,
            self.x0 + np.minimum(bx0 + b, ix1 + 1) * self.dx + eps,
            self.y0 + np.minimum(by0 + b, iy1 + 1) * self.dy + eps,
        )
        shapely.prepare(polygon)
        touches = shapely.intersects(polygon, boxes)
        inside = touches & shapely.contains_properly(polygon, boxes)
        crossing = touches & ~inside
        # Points beyond the grid's last row/column sit in the edge cells (clipped), so an
        # edge block is never "inside" unless its box really is.
        sure = self.blocks_positions(bx0[inside], by0[inside], b, cr)
        maybe = self.blocks_positions(bx0[crossing], by0[crossing], b, cr)
        return sure, maybe

    def outside_distance_lower_bound(
        self, lon: float, lat: float, ix0: int, iy0: int, ix1: int, iy1: int
    ) -> float:
        """A lower bound (metres) on the distance from a point to any point of the index
        outside the rectangle of cells; ``inf`` when the rectangle covers the whole grid."""
        bounds = []
        if ix0 > 0:
            bounds.append(_meridian_gap(lon, lat, self.x0 + ix0 * self.dx))
        if ix1 < self.nx - 1:
            bounds.append(_meridian_gap(lon, lat, self.x0 + (ix1 + 1) * self.dx))
        if iy0 > 0:
            bounds.append(_parallel_gap(lat, self.y0 + iy0 * self.dy))
        if iy1 < self.ny - 1:
            bounds.append(_parallel_gap(lat, self.y0 + (iy1 + 1) * self.dy))
        return max(0.0, min(bounds)) if bounds else math.inf


# Shortest radius of curvature of the WGS84 ellipsoid (meridional, at the equator):
# a sphere of this radius underestimates every geodesic distance, and the 0.99 factor
# absorbs the rest (distances here are city-scale).
_R_MIN = 6_335_439.0
_SAFETY = 0.99


def _parallel_gap(lat: float, lat_line: float) -> float:
    """Lower bound on the distance from latitude ``lat`` to the parallel ``lat_line``."""
    return _SAFETY * _R_MIN * abs(math.radians(lat_line - lat))


def _meridian_gap(lon: float, lat: float, lon_line: float) -> float:
    """Lower bound on the distance from ``(lon, lat)`` to the meridian ``lon_line``."""
    dl = abs(math.radians(lon_line - lon))
    if dl >= math.pi / 2:
        return _SAFETY * _R_MIN * math.pi / 2
    # Spherical cross-track distance to a meridian: asin(cos φ · sin Δλ).
    return _SAFETY * _R_MIN * math.asin(min(1.0, math.cos(math.radians(lat)) * math.sin(dl)))


# --- building from a layer's model -----------------------------------------------------------


def indexable_filters(model: Any, filters: dict[str, str]) -> dict[str, str]:
    """The layer filters (param → column) that are plain local columns of ``model``."""
    out: dict[str, str] = {}
    for param, lookup in filters.items():
        name = lookup.removesuffix("_id")
        if "__" in name:
            continue
        try:
            f = model._meta.get_field(name)
        except Exception:
            continue
        if not getattr(f, "concrete", False) or f.many_to_many or f.one_to_many:
            continue
        out[param] = f.attname
    return out


def _has_region(model: Any) -> bool:
    try:
        f = model._meta.get_field("region")
    except Exception:
        return False
    return bool(getattr(f, "is_relation", False) and getattr(f, "concrete", False))


_INT_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
}
_TEXT_TYPES = {"CharField", "TextField", "SlugField", "EmailField"}
# Bytes of COPY output parsed at a time while building (bounded memory for 10 M rows).
_COPY_BUFFER = 32 << 20


def _column_type(model: Any, attname: str) -> str:
    """``"int"``, ``"text"`` or ``""`` (not indexed) for a filter column."""
    f = next(f for f in model._meta.concrete_fields if f.attname == attname)
    target = f.target_field if f.is_relation else f
    kind = target.get_internal_type()
    return "int" if kind in _INT_TYPES else "text" if kind in _TEXT_TYPES else ""


def _is_bool(model: Any, attname: str) -> bool:
    f = next(f for f in model._meta.concrete_fields if f.attname == attname)
    target = f.target_field if f.is_relation else f
    return bool(target.get_internal_type() == "BooleanField")


def _codes(values: list[Any]) -> tuple[np.ndarray, dict[str, int]]:
    """Dense int32 codes of a column's values and the vocabulary ``str(value) → code``."""
    words = np.array(["" if v is None else str(v) for v in values], dtype=object)
    if len(words):
        uniq, inverse = np.unique(words.astype(str), return_inverse=True)
    else:
        uniq, inverse = np.zeros(0, dtype=str), np.zeros(0, dtype=np.int64)
    return inverse.astype(np.int32), {str(w): i for i, w in enumerate(uniq.tolist())}


def _read_cursor(
    model: Any, cols: dict[str, str], region_col: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, dict[str, Any]]:
    """Any database: the rows through Django's cursor (about 7 µs a row)."""
    fields = ["pk", "lon", "lat", *([region_col] if region_col else []), *cols.values()]
    qs = model._base_manager.filter(lon__isnull=False, lat__isnull=False).order_by()
    sql, params = qs.values_list(*fields).query.sql_with_params()
    ids_parts, lon_parts, lat_parts, reg_parts = [], [], [], []
    raw_cols: dict[str, list[Any]] = {p: [] for p in cols}
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(FETCH_CHUNK)
            if not rows:
                break
            columns = list(zip(*rows, strict=True))
            ids_parts.append(np.fromiter(columns[0], dtype=np.int64, count=len(rows)))
            lon_parts.append(np.fromiter(columns[1], dtype=np.float64, count=len(rows)))
            lat_parts.append(np.fromiter(columns[2], dtype=np.float64, count=len(rows)))
            k = 3
            if region_col:
                reg_parts.append(
                    np.fromiter(
                        (-1 if r is None else r for r in columns[3]),
                        dtype=np.int64,
                        count=len(rows),
                    )
                )
                k = 4
            for j, param in enumerate(cols):
                raw_cols[param].extend(columns[k + j])
    return (
        _cat(ids_parts, np.int64),
        _cat(lon_parts, np.float64),
        _cat(lat_parts, np.float64),
        _cat(reg_parts, np.int64) if region_col else None,
        raw_cols,
    )


def _cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


_NULL_INT = -(2**63)


def _read_postgresql(
    model: Any, cols: dict[str, str], region_col: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, dict[str, Any]]:
    """PostgreSQL: one binary ``COPY`` of fixed-width 8-byte columns parsed by numpy.

    About 1 s a million rows instead of 7 (no Python object per value). Integer and
    boolean filter columns travel as their value, text ones as their position in the
    column's distinct values (read first); ``NULL`` as the smallest int8.
    """
    connection = connections[model._base_manager.db]
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    exprs = [
        f"{q(model._meta.pk.column)}::int8",
        f"{q('lon')}::float8",
        f"{q('lat')}::float8",
    ]
    if region_col:
        exprs.append(f"COALESCE({q(region_col)}::int8, -1)")
    words: dict[str, list[str]] = {}
    params: list[Any] = []
    with connection.cursor() as cursor:
        for param, attname in cols.items():
            if _column_type(model, attname) == "int":
                # boolean has no cast to int8, only to int4.
                cast = "::int4::int8" if _is_bool(model, attname) else "::int8"
                exprs.append(f"COALESCE({q(attname)}{cast}, {_NULL_INT})")
            else:
                cursor.execute(
                    f"SELECT DISTINCT {q(attname)}::text FROM {table} "
                    f"WHERE {q(attname)} IS NOT NULL"
                )
                words[param] = sorted(str(r[0]) for r in cursor.fetchall())
                exprs.append(f"COALESCE(array_position(%s::text[], {q(attname)}::text), 0)::int8")
                params.append(words[param])
        sql = (
            f"COPY (SELECT {', '.join(exprs)} FROM {table} "
            f"WHERE {q('lon')} IS NOT NULL AND {q('lat')} IS NOT NULL) TO STDOUT (FORMAT BINARY)"
        )
        types = [">i8", ">f8", ">f8"] + [">i8"] * (len(exprs) - 3)
        row = np.dtype(
            [("n", ">i2")]
            + [item for i, t in enumerate(types) for item in ((f"l{i}", ">i4"), (f"v{i}", t))]
        )
        parsed: list[np.ndarray] = []
        buf = bytearray()
        skip: int | None = None  # header bytes still to skip; None until known
        raw = cursor.cursor  # psycopg's cursor under Django's wrapper
        with raw.copy(sql, params or None) as copy:
            for data in copy:
                buf += data
                if len(buf) >= _COPY_BUFFER:
                    if skip is None:
                        skip = _copy_header(buf)
                    take = (len(buf) - skip) // row.itemsize * row.itemsize
                    parsed.append(np.frombuffer(bytes(buf[skip : skip + take]), row))
                    del buf[: skip + take]
                    skip = 0
        if skip is None:
            skip = _copy_header(buf)
        body = max(0, len(buf) - skip - 2)  # the trailer: int16 -1
        parsed.append(np.frombuffer(bytes(buf[skip : skip + body]), row))
    table_rows = np.concatenate(parsed)
    values = [table_rows[f"v{i}"] for i in range(len(types))]
    ids = values[0].astype(np.int64)
    lon = values[1].astype(np.float64)
    lat = values[2].astype(np.float64)
    region = values[3].astype(np.int64) if region_col else None
    raw_cols: dict[str, Any] = {}
    for j, param in enumerate(cols):
        col = values[(4 if region_col else 3) + j].astype(np.int64)
        if param in words:
            raw_cols[param] = (col, ["", *words[param]])
        else:
            raw_cols[param] = (col, None)
    return ids, lon, lat, region, raw_cols


def _copy_header(buf: bytearray) -> int:
    """Length of a binary COPY header: signature, flags, extension area."""
    if len(buf) < 19:
        return 0
    return 19 + int.from_bytes(buf[15:19], "big")


def _int_codes(model: Any, attname: str, col: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Dense codes of an integer (or boolean) column read as int8; the vocabulary is
    spelled as Python would print the value (``str(True)``, ``str(3)``, ``""``)."""
    uniq, inverse = np.unique(col, return_inverse=True)
    is_bool = _is_bool(model, attname)
    vocab = {
        "" if v == _NULL_INT else str(bool(v)) if is_bool else str(v): i
        for i, v in enumerate(uniq.tolist())
    }
    return inverse.astype(np.int32), vocab


def build_for_model(model: Any, filters: dict[str, str] | None = None) -> GridIndex:
    """Read every row of ``model`` with a point (unrestricted) into a :class:`GridIndex`."""
    cols = indexable_filters(model, filters or {})
    region_col = "region_id" if _has_region(model) else None
    vocab: dict[str, dict[str, int]] = {}
    codes: dict[str, np.ndarray] = {}
    pk_type = model._meta.pk.get_internal_type()
    vendor = connections[model._base_manager.db].vendor
    if vendor == "postgresql" and pk_type in _INT_TYPES:
        cols = {p: a for p, a in cols.items() if _column_type(model, a)}
        ids, lon, lat, region, raw = _read_postgresql(model, cols, region_col)
        for param, (col, words) in raw.items():
            if words is None:
                codes[param], vocab[param] = _int_codes(model, cols[param], col)
            else:
                codes[param] = col.astype(np.int32)
                vocab[param] = {w: i for i, w in enumerate(words)}
    else:
        ids, lon, lat, region, raw = _read_cursor(model, cols, region_col)
        for param, values in raw.items():
            codes[param], vocab[param] = _codes(values)
    return GridIndex.build(ids, lon, lat, region, codes, vocab)


# --- the process-wide cache ------------------------------------------------------------------

_CACHE: ModelCache[GridIndex] = ModelCache("geo.spatial_index")


def _ttl() -> float:
    return ttl()


def get_index(key: str, model: Any, filters: dict[str, str] | None = None) -> GridIndex:
    """The process-wide index of a layer, rebuilt when its model's rows changed."""
    return _CACHE.get(model, key, lambda: build_for_model(model, filters))


def invalidate(model: Any | None = None) -> None:
    """Drop the cached index of ``model``'s layers (all layers when None)."""
    _CACHE.invalidate(model)
