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
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from yingji.geo import search, shape_index
from yingji.geo.geometry import from_shape
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


def simplified(geometry: dict[str, Any], tol: float) -> dict[str, Any] | None:
    """``geometry`` simplified to ``tol`` degrees if it is large enough to gain from it.

    None when it is sent as stored (see :func:`rounded_all`): fewer than ``SIMPLIFY_FROM``
    positions, ``tol`` 0, or a simplification that came out empty.
    """
    parts = shape_index.position_lists(geometry) or []
    if tol <= 0 or sum(len(p) for p in parts) <= SIMPLIFY_FROM:
        return None
    small = shapely.simplify(shapely.geometry.shape(geometry), tol, preserve_topology=True)
    return None if small.is_empty else from_shape(small)


def rounded_all(geometries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The geometries with coordinates to 6 decimals (altitudes dropped).

    All positions of all shapes go through numpy in one array and are cut back into
    lines and rings: a fifth of the time of rounding shape by shape.
    """
    flat: list[Any] = []
    lengths: list[list[int]] = []
    for geometry in geometries:
        parts = shape_index.position_lists(geometry) or []
        for part in parts:
            flat.extend(part)
        lengths.append([len(part) for part in parts])
    if not flat:
        return [{"type": g["type"], "coordinates": []} for g in geometries]
    try:
        xy = np.round(np.asarray(flat, dtype=np.float64)[:, :2], 6).tolist()
    except (ValueError, IndexError):  # mixed 2- and 3-value positions
        xy = [[round(p[0], 6), round(p[1], 6)] for p in flat]
    out = []
    at = 0
    for geometry, sizes in zip(geometries, lengths, strict=True):
        parts_out = []
        for n in sizes:
            parts_out.append(xy[at : at + n])
            at += n
        kind = geometry["type"]
        coordinates: Any = parts_out
        if kind == "LineString":
            coordinates = parts_out[0] if parts_out else []
        elif kind == "MultiPolygon":
            coordinates, i = [], 0
            for polygon in geometry["coordinates"]:
                coordinates.append(parts_out[i : i + len(polygon)])
                i += len(polygon)
        out.append({"type": kind, "coordinates": coordinates})
    return out


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
    # The shape as text, parsed by orjson: 5× the json module Django's JSONField uses.
    qs = qs.annotate(_shape_text=Cast(layer.shape_field, output_field=TextField()))
    lookups = ["pk", name, "_shape_text", *(lookup for _, lookup, _ in popup)]
    rows: list[tuple[Any, ...]] = []
    truncated = False
    for raw in qs.order_by("pk").values_list(*lookups).iterator(chunk_size=2_000):
        try:
            geometry = orjson.loads(raw[2]) if raw[2] else None
        except orjson.JSONDecodeError:
            continue
        row = (raw[0], raw[1], geometry, *raw[3:])
        box = shape_index.shape_box(geometry)
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
        shapes: list[dict[str, Any] | None] = [simplified(row[2], tol) for row in rows]
        as_stored = [i for i, shape in enumerate(shapes) if shape is None]
        for i, shape in zip(as_stored, rounded_all([rows[i][2] for i in as_stored]), strict=True):
            shapes[i] = shape
        features = [
            {"type": "Feature", "id": row[0], "geometry": shape, "properties": p}
            for row, shape, p in zip(rows, shapes, props, strict=True)
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
