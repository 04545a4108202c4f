"""Spatial search over any registered map layer: nearest N, within a radius, in a polygon.

Used by the map (``/api/v1/geo/search/…``) and later by command decision support::

    from yingji.geo import search
    from yingji.geo.layers import get_layer

    layer = get_layer("supplies.warehouse")
    search.nearest(layer=layer, user=user, lon=117.02, lat=36.67, n=5, filters={"kind": "gov"})
    search.within_radius(layer=layer, user=user, lon=117.02, lat=36.67, radius_m=5000)
    search.within_polygon(layer=layer, user=user, polygon={"type": "Polygon", ...})

How (DESIGN D3, ``docs/decisions/0007-spatial-index.md``):

1. **Candidates** come from the layer's in-process grid index
   (:mod:`yingji.geo.spatial_index`), narrowed by the user's region (when the model is
   scoped on ``region__path``) and by the layer filters that are plain columns — both
   only ever *supersets* of what the user may see.
2. **Exact geometry** in Python: geodesic distance on the WGS84 ellipsoid (pyproj, as
   :func:`yingji.geo.distance.distance_m`), point-in-polygon with shapely (closed
   polygons: a point on the edge is inside).
3. **Confirmation** through the database: the candidates' ids go through
   ``layer.model.objects.restrict(user, "view")`` plus the layer's filters, special
   filters and text search — the one authority on what a user sees — which also gives
   each hit its name and current coordinates.

Orders: nearest and radius by ``(distance_m, id)``; polygon by id. Ties in distance
are broken by the smaller id, so results are deterministic.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import psycopg
import shapely
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from . import spatial_index
from .distance import WGS84_GEOD
from .geometry import validate_geometry
from .layers import Layer
from .models import Region

MAX_NEAREST = 1000
MAX_RADIUS_M = 100_000.0
POLYGON_TYPES = ("Polygon", "MultiPolygon")
MEAN_EARTH_RADIUS_M = 6_371_008.8
# Spherical (haversine) distances differ from the ellipsoid's by well under 1 %.
_SPHERE_SLACK = 1.01

FilterValues = Mapping[str, str | Sequence[str]]


class Hit(NamedTuple):
    """One record found: its id, display name, WGS84 point and distance (point queries).

    A named tuple: a radius or polygon answer builds tens of thousands of them.
    """

    id: int
    name: str
    lon: float
    lat: float
    distance_m: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "lon": round(self.lon, 6),
            "lat": round(self.lat, 6),
            "distance_m": None if self.distance_m is None else round(self.distance_m, 1),
        }


@dataclass
class SearchResult:
    """Hits of one layer (sorted, at most ``limit``) and how many matched in all."""

    layer: Layer
    hits: list[Hit] = field(default_factory=list)
    count: int = 0

    @property
    def truncated(self) -> bool:
        return self.count > len(self.hits)


# --- the layer's queryset ---------------------------------------------------------------------


def name_field(layer: Layer) -> str:
    """The column shown as a record's name: the layer's first search field, else ``pk``."""
    for name in layer.search_fields:
        try:
            f = layer.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if getattr(f, "concrete", False) and not f.is_relation:
            return str(name)
    return "pk"


def _values(value: str | Sequence[str]) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def filtered_queryset(
    layer: Layer,
    user: Any,
    filters: FilterValues | None = None,
    q: str | None = None,
) -> Any:
    """``restrict(user, "view")`` of the layer's model, with its filters and text search.

    ``filters`` maps a layer filter (or special filter) name to a value or a list of
    values (a comma-separated string counts as a list: any of them matches). Unknown
    names and values the column cannot hold raise ``ValidationError`` naming the filter.
    """
    qs = layer.model.objects.restrict(user, "view")
    for param, raw in (filters or {}).items():
        values = _values(raw)
        if not values:
            continue
        try:
            if param in layer.filters:
                lookup = layer.filters[param]
                qs = (
                    qs.filter(**{lookup: values[0]})
                    if len(values) == 1
                    else qs.filter(**{f"{lookup}__in": values})
                )
            elif param in layer.special_filters:
                for value in values:
                    qs = layer.special_filters[param](qs, value)
            else:
                raise DjangoValidationError(
                    {param: [_("图层 %(layer)s 没有这个筛选条件。") % {"layer": layer.key}]}
                )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise DjangoValidationError({param: exc.messages}) from exc
        except (ValueError, TypeError) as exc:
            raise DjangoValidationError(
                {param: [_("筛选值 %(value)s 无效。") % {"value": ",".join(values)}]}
            ) from exc
    if q:
        text = Q()
        for name in layer.search_fields:
            text |= Q(**{f"{name}__icontains": q})
        qs = qs.filter(text)
    return qs


# --- the plan of one query: queryset, index and pre-masks ---------------------------------------


@dataclass
class _Plan:
    layer: Layer
    qs: Any
    index: spatial_index.GridIndex
    regions: np.ndarray | None  # allowed region ids (sorted), None = no region pre-mask
    column_masks: list[tuple[str, np.ndarray]]  # (column, allowed codes)
    exact: bool  # whether the pre-masks are the whole rule (confirmation only drops stale rows)
    name: str
    compiled: tuple[str, list[Any], int] | None = None  # see _confirm_query
    tables: list[tuple[np.ndarray, np.ndarray]] | None = None  # see _tables
    entry: list[Any] | None = None  # the cache entry of qs (see _filtered)

    def premask(self, pos: np.ndarray) -> np.ndarray:
        if len(pos) == 0:
            return pos
        if self.tables is None:
            self.tables = self._tables()
        keep = np.ones(len(pos), dtype=bool)
        for values, table in self.tables:
            keep &= table[values[pos] + 1]
        return pos[keep]

    def _tables(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each pre-mask as (the index's values, a boolean table by value + 1): one
        lookup per candidate instead of ``np.isin``'s sort (a nearest search masks a
        few hundred candidates several times; values are region ids and small codes)."""
        masks = [] if self.regions is None else [("region", self.index.region, self.regions)]
        masks += [(c, self.index.columns[c], codes) for c, codes in self.column_masks]
        tables = []
        for name, values, allowed in masks:
            table = np.zeros(self.index.top(name) + 2, dtype=bool)
            allowed = allowed[(allowed >= -1) & (allowed < len(table) - 1)]
            table[allowed + 1] = True
            tables.append((values, table))
        return tables


_region_cache: dict[str, tuple[float, np.ndarray]] = {}


def _allowed_regions(scope: str) -> np.ndarray:
    """Ids of the regions under ``scope`` (cached for the spatial index TTL)."""
    import time

    now = time.monotonic()
    cached = _region_cache.get(scope)
    if cached is not None and now < cached[0]:
        return cached[1]
    ids = np.array(
        sorted(Region.objects.filter(path__startswith=scope).values_list("id", flat=True)),
        dtype=np.int64,
    )
    _region_cache[scope] = (now + spatial_index._ttl(), ids)
    return ids


def _column_codes(
    layer: Layer, index: spatial_index.GridIndex, param: str, values: list[str]
) -> np.ndarray | None:
    """Codes of ``values`` in the index's column for ``param``; None if not comparable."""
    lookup = layer.filters[param]
    try:
        f = layer.model._meta.get_field(lookup.removesuffix("_id"))
        target = f.target_field if f.is_relation else f
        words = [str(target.to_python(v)) for v in values]
    except Exception:
        return None
    vocab = index.vocab.get(param, {})
    return np.array([vocab[w] for w in words if w in vocab], dtype=np.int32)


# Recent restricted, filtered querysets with their compiled confirmation (see _filtered).
_querysets: dict[Any, list[Any]] = {}
_QUERYSETS_MAX = 512


def _filtered(
    layer: Layer, user: Any, filters: FilterValues | None, q: str | None
) -> tuple[Any, list[Any] | None]:
    """``filtered_queryset`` and its cache entry ``[qs, compiled]`` — built once per user
    and question: building it (``restrict`` and the filters through the ORM) was a fifth
    of a nearest search. The key holds everything ``restrict`` reads (``restrict_key``),
    the filters and the text. Special filters may read the clock: never cached."""
    from yingji.core.models import restrict_key

    if any(param in layer.special_filters for param in filters or {}):
        return filtered_queryset(layer, user, filters, q), None
    key = (
        # What filtered_queryset reads of the layer (tests make layers under one key).
        layer.key,
        layer.model._meta.label,
        tuple(sorted(layer.filters.items())),
        tuple(layer.search_fields),
        restrict_key(user, layer.model),
        tuple(sorted((param, tuple(_values(raw))) for param, raw in (filters or {}).items())),
        q or "",
    )
    entry = _querysets.get(key)
    if entry is None:
        entry = [filtered_queryset(layer, user, filters, q), None]
        if len(_querysets) >= _QUERYSETS_MAX:
            _querysets.clear()
        _querysets[key] = entry
    return entry[0], entry


def _plan(layer: Layer, user: Any, filters: FilterValues | None, q: str | None) -> _Plan | None:
    qs, entry = _filtered(layer, user, filters, q)
    if qs.query.is_empty():
        return None
    index = spatial_index.get_index(layer.key, layer.model, layer.filters)
    exact = not q
    regions = None
    if not user.is_superuser:
        if getattr(layer.model, "region_scope", "") == "region__path" and not getattr(
            layer.model, "shared_down", False
        ):
            regions = _allowed_regions(user.scope_path or "\x00")
        else:
            # Scoped otherwise, or also readable from the regions above (shared_down):
            # no region pre-mask, restrict() alone decides.
            exact = False
        from yingji.core.models import is_own_records_only

        if getattr(layer.model, "own_records", None) and is_own_records_only(user):
            exact = False
    column_masks: list[tuple[str, np.ndarray]] = []
    for param, raw in (filters or {}).items():
        values = _values(raw)
        if not values:
            continue
        codes = _column_codes(layer, index, param, values) if param in index.columns else None
        if codes is None:
            exact = False
        else:
            column_masks.append((param, codes))
    plan = _Plan(layer, qs, index, regions, column_masks, exact, name_field(layer))
    plan.entry = entry
    if entry is not None:
        plan.compiled = entry[1]
    return plan


_IDS = "__yingji_confirm_ids__"


def _confirm_query(plan: _Plan) -> tuple[str, list[Any], int]:
    """The plan's queryset as SQL selecting ``(pk, name, lon, lat)`` of a set of ids.

    Compiled once per plan: the ids are one parameter (a ``bigint[]`` on PostgreSQL, a
    JSON array read with ``json_each`` on SQLite), so confirming 10 or 30,000 ids is the
    same statement — no ORM work per batch, no 999-parameter chunks. Returns
    ``(sql, params, slot)``, ``params[slot]`` being the ids' place.
    """
    if plan.compiled is not None:
        return plan.compiled
    compiled = _compile(plan)
    if plan.entry is not None:
        plan.entry[1] = compiled
    return compiled


def _compile(plan: _Plan) -> tuple[str, list[Any], int]:
    """The confirmation statement of ``plan.qs`` (see ``_confirm_query``)."""
    qs = plan.qs
    key = _compiled_key(plan)
    if key is not None and (hit := _compiled.get(key)) is not None:
        plan.compiled = hit
        return hit
    connection = connections[qs.db]
    model = qs.model
    column = (
        f"{connection.ops.quote_name(model._meta.db_table)}."
        f"{connection.ops.quote_name(model._meta.pk.column)}"
    )
    marker = [_IDS]
    if connection.vendor == "postgresql":
        condition = f"{column} = ANY(%s::bigint[])"
    else:
        condition = f"{column} IN (SELECT value FROM json_each(%s))"
    found = qs.order_by().filter(RawSQL(condition, (marker,), output_field=BooleanField()))
    sql, params = found.values_list("pk", plan.name, "lon", "lat").query.sql_with_params()
    args = list(params)
    slot = next(i for i, p in enumerate(args) if p is marker)
    plan.compiled = (sql, args, slot)
    if key is not None:
        if len(_compiled) >= _COMPILED_MAX:
            _compiled.clear()
        _compiled[key] = plan.compiled
    return plan.compiled


# Compiled confirmation statements by the structure of their queryset: compiling the
# restricted, filtered queryset costs ~0.6 ms, a third of a nearest search.
_compiled: dict[Any, tuple[str, list[Any], int]] = {}
_COMPILED_MAX = 512


def _compiled_key(plan: _Plan) -> Any:
    """What the confirmation SQL is a function of: the model, the name column and the
    queryset's WHERE tree and joins (lookups compare by value). None when the queryset
    carries anything else (annotations, extra, distinct…) or cannot be hashed."""
    query = plan.qs.query
    if query.annotations or query.extra or query.distinct or query.combinator:
        return None
    key = (
        plan.qs.db,
        query.model._meta.label if query.model else "",
        plan.name,
        query.where,
        tuple(query.alias_map.items()),
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _fetch(
    plan: _Plan, ids: np.ndarray, raw: Any = None
) -> tuple[np.ndarray, list[Any], np.ndarray, np.ndarray]:
    """``(pk, name, lon, lat)`` columns of the rows among ``ids`` that the plan's
    queryset lets through (in no particular order; a cleared point reads as nan).

    ``raw``: the psycopg connection to use (PostgreSQL, from another thread).
    """
    sql, params, slot = _confirm_query(plan)
    args = list(params)
    connection = None if raw is not None else connections[plan.qs.db]
    if connection is None or connection.vendor == "postgresql":
        if raw is None:
            assert connection is not None
            connection.ensure_connection()
            raw = connection.connection
        if len(ids) <= _SMALL:
            # A page or a nearest search: the plain statement, rows as they come — the
            # aggregated form below costs more than it saves on a few rows. Prepared
            # (per connection): parsing and planning were half of the query's time, and
            # on a few ids by primary key the generic plan is the custom one.
            args[slot] = ids.tolist()
            with psycopg.Cursor(raw) as cursor:
                cursor.execute(sql, args, prepare=True)
                return _columns(cursor.fetchall())
        # The ids as one binary int8[] built by numpy (psycopg spells a list of 30,000
        # ints out in Python, ~1 µs each); the answer as one row: each numeric column
        # aggregated into a bytea of big-endian values numpy reads as it is, the names
        # as an array.
        args[slot] = _int8_array(np.sort(ids))
        # A plain psycopg cursor on Django's connection (same transaction): server-side
        # binding and binary results. Not prepared: a generic plan cannot see the region
        # prefix nor the array's size and may pick a nested loop 100× slower on large
        # sets; planning costs ~0.2 ms.
        with psycopg.Cursor(raw) as cursor:
            # On the cursor: a connection made before this module was imported does not
            # see dumpers registered globally afterwards.
            cursor.adapters.register_dumper(_Int8Array, _Int8ArrayDumper)
            cursor.execute(
                "SELECT string_agg(int8send(s.pk), ''), array_agg(s.nm), "
                "string_agg(float8send(COALESCE(s.lon, 'NaN')), ''), "
                "string_agg(float8send(COALESCE(s.lat, 'NaN')), '') "
                f"FROM ({sql}) AS s(pk, nm, lon, lat)",
                args,
                prepare=False,
                binary=True,
            )
            row = cursor.fetchone()
        if row is None or row[0] is None:
            return _NO_ROWS
        return (
            np.frombuffer(row[0], dtype=">i8").astype(np.int64),
            list(row[1]),
            np.frombuffer(row[2], dtype=">f8").astype(np.float64),
            np.frombuffer(row[3], dtype=">f8").astype(np.float64),
        )
    args[slot] = json.dumps(ids.tolist())
    assert connection is not None
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return _columns(cursor.fetchall())


def _columns(rows: list[Any]) -> tuple[np.ndarray, list[Any], np.ndarray, np.ndarray]:
    """``(pk, name, lon, lat)`` rows as columns."""
    if not rows:
        return _NO_ROWS
    pks, names, lons, lats = zip(*rows, strict=True)
    return (
        np.array(pks, dtype=np.int64),
        list(names),
        np.array(lons, dtype=np.float64),  # None (point cleared) → nan
        np.array(lats, dtype=np.float64),
    )


# Confirmations of at most this many ids read plain rows (see _fetch).
_SMALL = 64


class _Int8Array(bytes):
    """A PostgreSQL ``int8[]`` in its binary wire format (see :func:`_int8_array`)."""


class _Int8ArrayDumper(psycopg.adapt.Dumper):
    format = psycopg.pq.Format.BINARY
    oid = 1016  # int8[]

    def dump(self, obj: Any) -> bytes:
        return bytes(obj)


def _int8_array(ids: np.ndarray) -> _Int8Array:
    """``ids`` as a binary ``int8[]``: header (1 dimension, no nulls, element type
    int8, length, lower bound 1), then each element as its length (8) and value."""
    if len(ids) == 0:
        return _Int8Array(np.array([0, 0, 20], dtype=">i4").tobytes())
    body = np.empty(len(ids), dtype=[("size", ">i4"), ("value", ">i8")])
    body["size"] = 8
    body["value"] = ids
    header = np.array([1, 0, 20, len(ids), 1], dtype=">i4").tobytes()
    return _Int8Array(header + body.tobytes())


_NO_ROWS: tuple[np.ndarray, list[Any], np.ndarray, np.ndarray] = (
    np.zeros(0, dtype=np.int64),
    [],
    np.zeros(0),
    np.zeros(0),
)


class _StaleIndex(Exception):
    """A confirmed row's coordinates differ from the index's: rebuild and retry once."""


@dataclass
class _Confirmed:
    """The database's answer for candidate positions, aligned with them."""

    ok: np.ndarray  # bool: the row exists and passes restrict() and the filters
    names: np.ndarray  # str objects
    lon: np.ndarray
    lat: np.ndarray


def _confirm(plan: _Plan, pos: np.ndarray, trust_db: bool = False, raw: Any = None) -> _Confirmed:
    """Ask the database which of the candidates at ``pos`` the user may see.

    Raises :class:`_StaleIndex` when a row's point differs from the index's (moved in
    another process since the build) unless ``trust_db``: then the database's point
    is returned as it is.
    """
    n = len(pos)
    ok = np.zeros(n, dtype=bool)
    names = np.full(n, "", dtype=object)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if n == 0:
        return _Confirmed(ok, names, lon, lat)
    ids = plan.index.ids[pos]
    got_ids, got_names, x, y = _fetch(plan, ids, raw)
    if len(got_ids) == 0:
        return _Confirmed(ok, names, lon, lat)
    order = np.argsort(ids, kind="stable")
    at = order[np.searchsorted(ids[order], got_ids)]
    if not trust_db:
        p = pos[at]
        if not (np.array_equal(x, plan.index.lon[p]) and np.array_equal(y, plan.index.lat[p])):
            raise _StaleIndex
    keep = ~(np.isnan(x) | np.isnan(y))
    ok[at[keep]] = True
    lon[at] = x
    lat[at] = y
    if not all(isinstance(name, str) for name in got_names):
        got_names = ["" if name is None else str(name) for name in got_names]
    values = np.empty(len(got_names), dtype=object)
    values[:] = got_names
    names[at] = values
    return _Confirmed(ok, names, lon, lat)


# Confirmations of at least this many candidates run in a thread on PostgreSQL.
_SOON_MIN = 2000
_pool: ThreadPoolExecutor | None = None


def _confirm_soon(plan: _Plan, pos: np.ndarray, trust_db: bool) -> Callable[[], _Confirmed]:
    """Start :func:`_confirm`; returns the function that waits for its answer.

    On PostgreSQL a large confirmation runs in a worker thread on this thread's
    connection (idle meanwhile), so the database reads the rows while Python computes
    the exact distances: the query's time and ours overlap instead of adding up.
    """
    global _pool
    connection = connections[plan.qs.db]
    if connection.vendor != "postgresql" or len(pos) < _SOON_MIN:
        return lambda: _confirm(plan, pos, trust_db)
    _confirm_query(plan)  # compiled here: the ORM belongs to this thread
    connection.ensure_connection()
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="geo-confirm")
    future = _pool.submit(_confirm, plan, pos, trust_db, connection.connection)
    return future.result


def _hits(
    plan: _Plan, pos: np.ndarray, found: _Confirmed, d: np.ndarray | None, sel: np.ndarray
) -> list[Hit]:
    """Hits for the candidates ``pos[sel]`` (``found`` aligned with ``pos``)."""
    dists: list[Any] = [None] * len(sel) if d is None else d[sel].tolist()
    return list(
        map(
            Hit,
            plan.index.ids[pos[sel]].tolist(),
            found.names[sel].tolist(),
            found.lon[sel].tolist(),
            found.lat[sel].tolist(),
            dists,
        )
    )


def _confirm_page(
    plan: _Plan, pos: np.ndarray, d: np.ndarray | None, limit: int, trust_db: bool
) -> tuple[list[Hit], int]:
    """The first ``limit`` confirmed hits of the sorted candidates ``pos`` (distances
    ``d`` aligned with them, or None) and the total count: the candidates less those the
    database turned down. Confirms in growing slices until the page is full, so rows
    deleted since the index was read never leave a page short.

    Only for exact pre-masks (decision 0014): the index already knows which rows the
    user may see, so the rows beyond the page are counted without the database."""
    hits: list[Hit] = []
    dropped = start = 0
    step = limit + 16
    while start < len(pos) and len(hits) < limit:
        part = pos[start : start + step]
        found = _confirm(plan, part, trust_db)
        sel = np.flatnonzero(found.ok)
        dropped += len(part) - len(sel)
        hits.extend(_hits(plan, part, found, None if d is None else d[start:], sel))
        start += len(part)
        step *= 2
    return hits[:limit], len(pos) - dropped


def _retrying(fn: Any) -> Any:
    def wrapper(*, layer: Layer, **kwargs: Any) -> Any:
        try:
            return fn(layer=layer, **kwargs)
        except _StaleIndex:
            spatial_index.invalidate(layer.model)
            try:
                return fn(layer=layer, **kwargs)
            except _StaleIndex:
                spatial_index.invalidate(layer.model)
                return fn(layer=layer, _trust_db=True, **kwargs)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


# --- exact geometry ---------------------------------------------------------------------------


def geodesic_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Geodesic distances (WGS84 ellipsoid, Karney) from one point to many, in metres."""
    if len(lons) == 0:
        return np.zeros(0, dtype=np.float64)
    _, _, d = WGS84_GEOD.inv(
        np.full(len(lons), lon, dtype=np.float64),
        np.full(len(lats), lat, dtype=np.float64),
        lons,
        lats,
    )
    return np.asarray(d, dtype=np.float64)


def haversine_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Spherical distances (fast, within 0.6 % of the ellipsoid's), in metres."""
    phi1 = math.radians(lat)
    phi2 = np.radians(lats)
    dphi = phi2 - phi1
    dlmb = np.radians(lons - lon)
    h = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    out: np.ndarray = 2 * MEAN_EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return out


def _check_point(lon: float, lat: float) -> None:
    errors = {}
    if not (isinstance(lon, int | float) and math.isfinite(lon) and -180 <= lon <= 180):
        errors["lon"] = [_("经度必须在 -180 到 180 之间。")]
    if not (isinstance(lat, int | float) and math.isfinite(lat) and -90 <= lat <= 90):
        errors["lat"] = [_("纬度必须在 -90 到 90 之间。")]
    if errors:
        raise DjangoValidationError(errors)


def _order(d: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return np.lexsort((ids, d))


# --- nearest N --------------------------------------------------------------------------------


@_retrying
def nearest(
    *,
    layer: Layer,
    user: Any,
    lon: float,
    lat: float,
    n: int = 10,
    filters: FilterValues | None = None,
    max_distance_m: float | None = None,
    q: str | None = None,
    _trust_db: bool = False,
) -> list[Hit]:
    """The ``n`` records of ``layer`` nearest to ``(lon, lat)`` that ``user`` may see.

    Sorted by geodesic distance, then id. ``max_distance_m`` drops farther records.
    """
    _check_point(lon, lat)
    if not 1 <= n <= MAX_NEAREST:
        raise DjangoValidationError(
            {"n": [_("n 必须在 1 到 %(max)s 之间。") % {"max": MAX_NEAREST}]}
        )
    if max_distance_m is not None and not max_distance_m > 0:
        raise DjangoValidationError({"max_distance_m": [_("距离必须大于 0。")]})
    plan = _plan(layer, user, filters, q)
    if plan is None or plan.index.size == 0:
        return []
    idx = plan.index
    limit = math.inf if max_distance_m is None else float(max_distance_m)
    ci = math.floor((lon - idx.x0) / idx.dx)
    cj = math.floor((lat - idx.y0) / idx.dy)
    ci = min(max(ci, 0), idx.nx - 1)
    cj = min(max(cj, 0), idx.ny - 1)
    k = _first_ring(idx, ci, cj, n)
    seen = np.zeros(0, dtype=np.int64)
    pend_pos = np.zeros(0, dtype=np.int64)
    pend_d = np.zeros(0, dtype=np.float64)
    # Candidates whose rank is settled (closer than anything not yet looked at), in
    # order, and how many of them have been confirmed.
    done_pos: list[np.ndarray] = []
    done_d: list[np.ndarray] = []
    settled = confirmed = 0
    hits: list[Hit] = []
    batch = n if plan.exact else 4 * n
    while True:
        rect = (
            max(ci - k, 0),
            max(cj - k, 0),
            min(ci + k, idx.nx - 1),
            min(cj + k, idx.ny - 1),
        )
        pos = plan.premask(idx.rect_positions(*rect))
        if len(seen):
            pos = pos[~np.isin(pos, seen, assume_unique=True)]
        seen = np.concatenate((seen, pos)) if len(seen) else pos
        d = geodesic_m(lon, lat, idx.lon[pos], idx.lat[pos])
        near = d <= limit
        pend_pos = np.concatenate((pend_pos, pos[near]))
        pend_d = np.concatenate((pend_d, d[near]))
        bound = idx.outside_distance_lower_bound(lon, lat, *rect)
        final = bound == math.inf or bound > limit
        ready = np.ones(len(pend_pos), dtype=bool) if final else pend_d < bound
        order = _order(pend_d[ready], idx.ids[pend_pos[ready]])
        done_pos.append(pend_pos[ready][order])
        done_d.append(pend_d[ready][order])
        settled += len(order)
        pend_pos, pend_d = pend_pos[~ready], pend_d[~ready]
        # With exact pre-masks every settled candidate is expected to pass: ask the
        # database once, when there are enough of them.
        if final or not plan.exact or settled - confirmed >= n - len(hits):
            all_pos = np.concatenate(done_pos)
            all_d = np.concatenate(done_d)
            while confirmed < settled and len(hits) < n:
                stop = min(settled, confirmed + batch)
                part = all_pos[confirmed:stop]
                found = _confirm(plan, part, _trust_db)
                for j in np.flatnonzero(found.ok).tolist():
                    hits.append(
                        Hit(
                            int(idx.ids[part[j]]),
                            found.names[j],
                            float(found.lon[j]),
                            float(found.lat[j]),
                            float(all_d[confirmed + j]),
                        )
                    )
                    if len(hits) == n:
                        break
                confirmed = stop
                batch *= 4
        if len(hits) >= n or final:
            return hits[:n]
        k *= 2


def _first_ring(idx: spatial_index.GridIndex, ci: int, cj: int, n: int) -> int:
    """Half-width in cells of the first rectangle a nearest search reads around its cell.

    Sized for the grid's mean density (about ``4 n`` points), or 1 (3×3 cells) where those
    cells alone already hold ``8 n``: the district seats hold ~10× the mean, and the
    geodesic distances to the whole of a 5×5 block there were a fifth of a search. Either
    way the search widens until the ``n`` nearest are settled, so this only sets its cost.
    """
    k = max(1, math.ceil(math.sqrt(4 * n / spatial_index.POINTS_PER_CELL) / 2))
    ring = (max(ci - 1, 0), max(cj - 1, 0), min(ci + 1, idx.nx - 1), min(cj + 1, idx.ny - 1))
    if k > 1 and idx.rect_count(*ring) >= 8 * n:
        return 1
    return k


# --- within a radius --------------------------------------------------------------------------


def _circle_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box certainly containing the geodesic circle (a superset)."""
    ang = radius_m / (spatial_index._R_MIN * spatial_index._SAFETY)
    dlat = math.degrees(ang)
    top = min(89.9, abs(lat) + dlat)
    s = math.sin(ang) / math.cos(math.radians(top))
    dlon = 180.0 if s >= 1 else math.degrees(math.asin(s)) * 1.001
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


@_retrying
def within_radius(
    *,
    layer: Layer,
    user: Any,
    lon: float,
    lat: float,
    radius_m: float,
    filters: FilterValues | None = None,
    limit: int | None = None,
    q: str | None = None,
    _trust_db: bool = False,
) -> SearchResult:
    """Records of ``layer`` within ``radius_m`` (geodesic, inclusive) of ``(lon, lat)``.

    ``hits`` are sorted by distance then id and cut at ``limit``; ``count`` is the total.
    """
    _check_point(lon, lat)
    if not (
        isinstance(radius_m, int | float)
        and math.isfinite(radius_m)
        and 0 < radius_m <= MAX_RADIUS_M
    ):
        raise DjangoValidationError(
            {"radius": [_("半径必须大于 0 且不超过 %(max)s 米。") % {"max": int(MAX_RADIUS_M)}]}
        )
    result = SearchResult(layer)
    plan = _plan(layer, user, filters, q)
    if plan is None or plan.index.size == 0:
        return result
    idx = plan.index
    pos = plan.premask(idx.box_positions(*_circle_box(lon, lat, radius_m)))
    near = haversine_m(lon, lat, idx.lon[pos], idx.lat[pos]) <= radius_m * _SPHERE_SLACK + 1.0
    pos = pos[near]
    if limit is not None and plan.exact:  # the page alone is confirmed (decision 0014)
        d = geodesic_m(lon, lat, idx.lon[pos], idx.lat[pos])
        inside = d <= radius_m
        pos, d = pos[inside], d[inside]
        order = _order(d, idx.ids[pos])
        result.hits, result.count = _confirm_page(plan, pos[order], d[order], limit, _trust_db)
        return result
    # The database confirms the haversine shortlist (~2 % more than the answer) while
    # the exact distances are computed.
    wait = _confirm_soon(plan, pos, _trust_db)
    try:
        d = geodesic_m(lon, lat, idx.lon[pos], idx.lat[pos])
    except BaseException:
        # Never leave the worker on this thread's connection after we return.
        with contextlib.suppress(Exception):
            wait()
        raise
    found = wait()
    sel = np.flatnonzero((d <= radius_m) & found.ok)
    sel = sel[_order(d[sel], idx.ids[pos[sel]])]
    result.hits = _hits(plan, pos, found, d, sel)
    result.count = len(result.hits)
    if limit is not None:
        result.hits = result.hits[:limit]
    return result


# --- within a polygon -------------------------------------------------------------------------


def polygon_shape(polygon: Any, field_name: str = "polygon") -> Any:
    """A validated GeoJSON Polygon/MultiPolygon (or Feature) as a prepared shapely shape."""
    try:
        geometry = validate_geometry(polygon, allowed_types=POLYGON_TYPES)
    except DjangoValidationError as exc:
        raise DjangoValidationError({field_name: exc.messages}) from exc
    shape = shapely.geometry.shape(geometry)
    shapely.prepare(shape)
    return shape


@_retrying
def within_polygon(
    *,
    layer: Layer,
    user: Any,
    polygon: Any,
    filters: FilterValues | None = None,
    limit: int | None = None,
    q: str | None = None,
    _trust_db: bool = False,
) -> SearchResult:
    """Records of ``layer`` inside ``polygon`` (GeoJSON Polygon or MultiPolygon, WGS84).

    The polygon is closed: a point on its edge is inside. ``hits`` are sorted by id and
    cut at ``limit``; ``count`` is the total. ``polygon`` may also be a shapely geometry
    already validated (e.g. by :func:`polygon_shape`).
    """
    shape = polygon if isinstance(polygon, shapely.Geometry) else polygon_shape(polygon)
    result = SearchResult(layer)
    plan = _plan(layer, user, filters, q)
    if plan is None or plan.index.size == 0:
        return result
    idx = plan.index
    sure, maybe = idx.polygon_positions(shape)
    sure, maybe = plan.premask(sure), plan.premask(maybe)
    if len(maybe):
        maybe = maybe[shapely.intersects_xy(shape, idx.lon[maybe], idx.lat[maybe])]
    pos = np.concatenate((sure, maybe))
    pos = pos[np.argsort(idx.ids[pos], kind="stable")]
    if limit is not None and plan.exact:  # the page alone is confirmed (decision 0014)
        result.hits, result.count = _confirm_page(plan, pos, None, limit, _trust_db)
        return result
    found = _confirm(plan, pos, _trust_db)
    result.hits = _hits(plan, pos, found, None, np.flatnonzero(found.ok))
    result.count = len(result.hits)
    if limit is not None:
        result.hits = result.hits[:limit]
    return result


def layers_in_polygon(
    *,
    layers: Iterable[Layer],
    user: Any,
    polygon: Any,
    filters: Mapping[str, FilterValues] | None = None,
    limit: int | None = None,
) -> list[SearchResult]:
    """:func:`within_polygon` for several layers (``filters`` per layer key)."""
    shape = polygon if isinstance(polygon, shapely.Geometry) else polygon_shape(polygon)
    return [
        within_polygon(
            layer=layer,
            user=user,
            polygon=shape,
            filters=(filters or {}).get(layer.key),
            limit=limit,
        )
        for layer in layers
    ]


__all__ = [
    "MAX_NEAREST",
    "MAX_RADIUS_M",
    "Hit",
    "SearchResult",
    "filtered_queryset",
    "geodesic_m",
    "layers_in_polygon",
    "name_field",
    "nearest",
    "polygon_shape",
    "within_polygon",
    "within_radius",
]
