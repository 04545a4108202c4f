"""A layer's shapes (polygons and lines) as GeoJSON, for the one map at street zoom.

``GET /api/v1/geo/layers/<key>/shapes/?bbox=&zoom=&q=&<filters>`` answers the records of a
layer that has a ``shape_field`` (hazard areas, low-lying road lines, shelter and target
outlines) whose shape meets the bbox: ``restrict(user, "view")`` + the layer's filters +
``q`` as the point endpoint, the same properties (popup fields, url), the geometry
simplified to half a screen pixel at ``zoom``. Records whose shape is a point, or that
have none, are left out: the point layer draws them. Candidates come from the cached
shape boxes (:mod:`yingji.geo.shape_index`), confirmed by one query by id.
"""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import orjson
import shapely
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from yingji.geo import search, shape_index
from yingji.geo.geometry import from_shape, round_coordinates
from yingji.geo.layers import Layer

from .layers import (
    cache_headers,
    etag_matches,
    feature_properties,
    layer_filters,
    layer_or_400,
    not_modified,
    parse_bbox,
    popup_columns,
)

MIN_ZOOM, MAX_ZOOM = 0, 22
# A shape with more positions than this is simplified for the zoom; smaller ones are sent as
# stored (simplifying them saves nothing).
SIMPLIFY_FROM = 32
# More candidate ids than this: filter in Python instead of one long ``pk IN (…)``.
MAX_IDS_IN_QUERY = 20_000
# At most this many shapes per answer (``truncated`` says when more met the bbox).
MAX_SHAPES = 20_000


def parse_zoom(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    try:
        zoom = int(str(raw))
    except ValueError:
        zoom = -1
    if not MIN_ZOOM <= zoom <= MAX_ZOOM:
        raise ValidationError(
            {"zoom": [_("zoom 应为 %(min)s–%(max)s 的整数。") % {"min": MIN_ZOOM, "max": MAX_ZOOM}]}
        )
    return zoom


def tolerance(zoom: int | None) -> float:
    """Half a screen pixel at ``zoom`` in degrees (256-pixel Web Mercator tiles); 0 = none."""
    if zoom is None:
        return 0.0
    return 360.0 / (256 * 2.0**zoom) / 2


def _round_line(positions: Any) -> list[list[float]]:
    try:  # numpy: half the time of round() per number
        return np.round(np.asarray(positions, dtype=np.float64)[:, :2], 6).tolist()  # type: ignore[no-any-return]
    except (ValueError, IndexError):  # mixed 2- and 3-value positions
        return [[round(p[0], 6), round(p[1], 6)] for p in positions]


def _rounded(kind: str, coordinates: Any) -> tuple[Any, int]:
    """Coordinates to 6 decimals (altitudes dropped) and the number of positions.

    Spelt out per type: the generic recursive walk costs 3× as much per shape.
    """
    if kind == "LineString":
        return _round_line(coordinates), len(coordinates)
    if kind == "Polygon":
        return [_round_line(r) for r in coordinates], sum(len(r) for r in coordinates)
    if kind == "MultiPolygon":
        out = [[_round_line(r) for r in poly] for poly in coordinates]
        return out, sum(len(r) for poly in coordinates for r in poly)
    return round_coordinates(coordinates), 0


def simplified(geometry: dict[str, Any], tol: float) -> dict[str, Any]:
    """``geometry`` simplified to ``tol`` degrees if it is large, coordinates to 6 decimals."""
    kind = geometry["type"]
    coordinates, positions = _rounded(kind, geometry.get("coordinates") or [])
    if tol > 0 and positions > SIMPLIFY_FROM:
        small = shapely.simplify(shapely.geometry.shape(geometry), tol, preserve_topology=True)
        if not small.is_empty:
            return from_shape(small)
    return {"type": kind, "coordinates": coordinates}


class LayerShapesView(APIView):
    """One layer's polygons and lines in the map's view (only what the user may see)."""

    @extend_schema(
        operation_id="geo_layer_shapes",
        summary="图层要素（GeoJSON 线和面）",
        description=(
            "The records of a layer that has shapes (hazard areas, low-lying road lines, "
            "shelter and protection-target outlines) that the user may see, whose line or "
            "polygon meets `bbox`, as a GeoJSON FeatureCollection (WGS84, 6 decimals). "
            "Properties as the layer's point endpoint (id, name, popup fields, url). "
            "`zoom` (0–22) simplifies large shapes to half a screen pixel at that zoom. "
            "Query: bbox=minlon,minlat,maxlon,maxlat, zoom, q, and the layer's filters. "
            "Records without a shape, or whose shape is a point, are not included. "
            "ETag + If-None-Match → 304."
        ),
        parameters=[
            OpenApiParameter("bbox", str, OpenApiParameter.QUERY, required=False),
            OpenApiParameter("zoom", int, OpenApiParameter.QUERY, required=False),
            OpenApiParameter("q", str, OpenApiParameter.QUERY, required=False),
        ],
        responses={
            200: OpenApiResponse(description="GeoJSON FeatureCollection"),
            304: OpenApiResponse(description="Not modified"),
            400: OpenApiResponse(description="Unknown layer or one without shapes, bad input"),
        },
    )
    def get(self, request: Request, key: str) -> Any:
        layer = layer_or_400(key, "key")
        if not layer.shape_field:
            raise ValidationError({"key": [_("图层 %(key)s 没有线或面。") % {"key": key}]})
        bbox = parse_bbox(request.query_params.get("bbox"))
        zoom = parse_zoom(request.query_params.get("zoom"))
        q = (request.query_params.get("q") or "").strip() or None
        filters = layer_filters(layer, request.query_params)
        qs = search.filtered_queryset(layer, request.user, filters, q).filter(
            **{f"{layer.shape_field}__isnull": False}
        )
        if bbox and not qs.query.is_empty():
            ids = shape_index.get_boxes(layer.model, layer.shape_field).meeting(bbox)
            if len(ids) <= MAX_IDS_IN_QUERY:
                qs = qs.filter(pk__in=ids.tolist())
        headers = cache_headers(request, layer, qs)
        if etag_matches(request, headers["ETag"]):
            return not_modified(headers)
        enabled = gc.isenabled()
        gc.disable()  # many small containers, no cycles (as features_json)
        try:
            body = shapes_json(layer, qs, bbox, tolerance(zoom))
        finally:
            if enabled:
                gc.enable()
        response = HttpResponse(body, content_type="application/json")
        for k, v in headers.items():
            response[k] = v
        return response


def shapes_json(
    layer: Layer, qs: Any, bbox: tuple[float, float, float, float] | None, tol: float
) -> bytes:
    name = search.name_field(layer)
    popup = popup_columns(layer)
    lookups = ["pk", name, layer.shape_field, *(lookup for _, lookup, _ in popup)]
    rows: list[tuple[Any, ...]] = []
    truncated = False
    for row in qs.order_by("pk").values_list(*lookups).iterator(chunk_size=2_000):
        box = shape_index.shape_box(row[2])
        if box is None:
            continue
        if bbox and not (
            box[0] <= bbox[2] and box[2] >= bbox[0] and box[1] <= bbox[3] and box[3] >= bbox[1]
        ):
            continue  # the candidate's stored shape has moved out of the view
        if len(rows) >= MAX_SHAPES:
            truncated = True
            break
        rows.append(row)
    features: list[dict[str, Any]] = []
    if rows:
        columns = list(zip(*rows, strict=True))
        names = ["" if v is None else v for v in columns[1]]
        props = feature_properties(layer, popup, columns[0], names, columns[3:])
        features = [
            {
                "type": "Feature",
                "id": row[0],
                "geometry": simplified(row[2], tol),
                "properties": p,
            }
            for row, p in zip(rows, props, strict=True)
        ]
    body = {
        "type": "FeatureCollection",
        "layer": layer.key,
        "count": len(features),
        "truncated": truncated,
        "tolerance": tol,
        "features": features,
    }
    return orjson.dumps(body, default=str)
