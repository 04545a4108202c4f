"""The bounding boxes of a layer's shapes (polygons, lines), cached per process (D3).

Shapes are GeoJSON in a JSON column, which no SQL index can search by place. The map
asks for the shapes that meet its view (``/api/v1/geo/layers/<key>/shapes/?bbox=``):
this module keeps, per model and shape column, the ids and the bounding boxes of every
stored shape in numpy arrays, so a view answers its *candidates* with one vectorised
comparison. It never decides what a user may see: the shapes endpoint confirms every
candidate through ``restrict(user, "view")`` and the layer's filters (one query by id)
and checks the stored shape's own box again.

Freshness works as in :mod:`yingji.geo.spatial_index` (same version key, same TTL
setting, ``YINGJI_SPATIAL_INDEX_TTL``): saving or deleting a row in this process drops
the cache at once; a write in another process is seen within the TTL. A stale cache can
only *miss* a shape created or moved meanwhile, never show one the user may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from django.db.models import TextField
from django.db.models.functions import Cast

from yingji.geo.model_cache import ModelCache

FETCH_CHUNK = 5_000


@dataclass(frozen=True)
class ShapeBoxes:
    """Ids and ``(min_lon, min_lat, max_lon, max_lat)`` of every non-point shape."""

    ids: np.ndarray  # int64, shape (n,)
    boxes: np.ndarray  # float64, shape (n, 4)

    def meeting(self, bbox: tuple[float, float, float, float]) -> np.ndarray:
        """Ids whose box meets ``bbox`` (touching counts)."""
        x0, y0, x1, y1 = bbox
        b = self.boxes
        hit = (b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0)
        return self.ids[hit]


def position_lists(geometry: Any) -> list[Any] | None:
    """The lists of positions of a line or polygon (its lines or rings); None otherwise."""
    if not isinstance(geometry, dict):
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if not coordinates or not isinstance(coordinates, list):
        return None
    if kind == "LineString":
        return [coordinates]
    if kind in ("Polygon", "MultiLineString"):
        rings: list[Any] = coordinates
        return rings
    if kind == "MultiPolygon":
        return [ring for polygon in coordinates for ring in polygon]
    return None  # a Point is drawn as the record's point


def shape_box(geometry: Any) -> tuple[float, float, float, float] | None:
    """The box of a stored line or polygon; None for a point, an empty or broken value."""
    parts = position_lists(geometry)
    if not parts:
        return None
    try:
        xs = [p[0] for part in parts for p in part]
        ys = [p[1] for part in parts for p in part]
        return float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))
    except (TypeError, IndexError, ValueError):
        return None


def build(model: Any, shape_field: str) -> ShapeBoxes:
    # As text, parsed by orjson (5× the json module a JSONField's values go through).
    rows = (
        model._base_manager.order_by()
        .filter(**{f"{shape_field}__isnull": False})
        .annotate(_shape_text=Cast(shape_field, output_field=TextField()))
        .values_list("pk", "_shape_text")
        .iterator(chunk_size=FETCH_CHUNK)
    )
    ids: list[int] = []
    boxes: list[tuple[float, float, float, float]] = []
    for pk, text in rows:
        try:
            box = shape_box(orjson.loads(text)) if text else None
        except orjson.JSONDecodeError:
            continue
        if box is not None:
            ids.append(pk)
            boxes.append(box)
    return ShapeBoxes(
        np.asarray(ids, dtype=np.int64),
        np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
    )


_CACHE: ModelCache[ShapeBoxes] = ModelCache("geo.shape_index")


def get_boxes(model: Any, shape_field: str) -> ShapeBoxes:
    """The process-wide boxes of ``model.<shape_field>``, rebuilt when its rows changed."""
    return _CACHE.get(model, shape_field, lambda: build(model, shape_field))


def invalidate(model: Any | None = None) -> None:
    """Drop the cached boxes of ``model`` (every model when None)."""
    _CACHE.invalidate(model)
