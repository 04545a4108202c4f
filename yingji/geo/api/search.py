"""Spatial search endpoints over any registered layer (``yingji.geo.search``).

- ``GET  /api/v1/geo/search/nearest/?layer=&lon=&lat=&n=&max_distance=&q=&<filters>``
- ``GET  /api/v1/geo/search/radius/?layer=&lon=&lat=&radius=&limit=&q=&<filters>``
- ``POST /api/v1/geo/search/polygon/``  ``{"layer" | "layers", "polygon", "filters", "limit"}``
- ``POST /api/v1/geo/search/polygon/export/`` — the same body → .xlsx, one sheet per layer.

Everything goes through ``restrict(user, "view")``: a user never learns of records
outside their region, not even their number.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.core.exports import XLSX_TYPE, clean_cell
from yingji.geo import search
from yingji.geo.api.serializers import PointLookupSerializer

from .layers import layer_filters, layer_or_400

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1_000


class NearestQuerySerializer(PointLookupSerializer):
    layer = serializers.CharField(help_text="图层键，如 supplies.warehouse")
    n = serializers.IntegerField(default=10, min_value=1, max_value=search.MAX_NEAREST)
    max_distance = serializers.FloatField(
        required=False, min_value=0.001, max_value=search.MAX_RADIUS_M, help_text="米"
    )
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


class RadiusQuerySerializer(PointLookupSerializer):
    layer = serializers.CharField(help_text="图层键")
    radius = serializers.FloatField(help_text="半径（米），0–100000")
    limit = serializers.IntegerField(default=DEFAULT_LIMIT, min_value=1, max_value=MAX_LIMIT)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_radius(self, value: float) -> float:
        if not 0 < value <= search.MAX_RADIUS_M:
            raise serializers.ValidationError(_("半径必须大于 0 且不超过 100000 米（100 公里）。"))
        return value


class PolygonBodySerializer(serializers.Serializer[Any]):
    layer = serializers.CharField(required=False)
    layers = serializers.ListField(child=serializers.CharField(), required=False, max_length=50)
    polygon = serializers.JSONField(help_text="GeoJSON Polygon / MultiPolygon（WGS84）")
    filters = serializers.DictField(required=False, help_text="筛选；多图层时按图层键分组")
    limit = serializers.IntegerField(default=DEFAULT_LIMIT, min_value=1, max_value=MAX_LIMIT)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        keys = list(attrs.get("layers") or [])
        if attrs.get("layer"):
            keys.insert(0, attrs["layer"])
        if not keys:
            raise serializers.ValidationError({"layers": [_("请至少选择一个图层。")]})
        layers = []
        for key in dict.fromkeys(keys):
            layers.append(layer_or_400(key, "layers" if key != attrs.get("layer") else "layer"))
        attrs["layer_objects"] = layers
        attrs["shape"] = search.polygon_shape(attrs["polygon"])
        filters = attrs.get("filters") or {}
        if len(layers) == 1 and not any(k == layers[0].key for k in filters):
            filters = {layers[0].key: filters}
        for key, value in filters.items():
            if not isinstance(value, dict):
                raise serializers.ValidationError({"filters": [_("筛选应为对象。")]})
            if key not in {layer.key for layer in layers}:
                raise serializers.ValidationError(
                    {"filters": [_("未选择的图层：%(key)s。") % {"key": key}]}
                )
        attrs["per_layer_filters"] = filters
        return attrs


def _validated(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class NearestView(APIView):
    @extend_schema(
        operation_id="geo_search_nearest",
        summary="最近的 N 个",
        description=(
            "The `n` records of a layer nearest to a WGS84 point that the user may see, "
            "sorted by geodesic distance (WGS84 ellipsoid) then id. Layer filters go as "
            "query parameters by name. n ≤ 1000."
        ),
        parameters=[NearestQuerySerializer],
        responses={
            200: OpenApiResponse(description="Hits"),
            400: OpenApiResponse(description="Bad input"),
        },
    )
    def get(self, request: Request) -> Response:
        data = _validated(NearestQuerySerializer, request.query_params)
        layer = layer_or_400(data["layer"])
        hits = search.nearest(
            layer=layer,
            user=request.user,
            lon=data["lon"],
            lat=data["lat"],
            n=data["n"],
            filters=layer_filters(layer, request.query_params),
            max_distance_m=data.get("max_distance"),
            q=data.get("q") or None,
        )
        return Response(
            {"layer": layer.key, "count": len(hits), "results": [h.as_dict() for h in hits]}
        )


class RadiusView(APIView):
    @extend_schema(
        operation_id="geo_search_radius",
        summary="半径范围内",
        description=(
            "The records of a layer within `radius` metres (geodesic, inclusive; ≤ 100 km) "
            "of a WGS84 point that the user may see, sorted by distance then id; `count` "
            "is the total, `results` at most `limit` (default 1000, ≤ 10000)."
        ),
        parameters=[RadiusQuerySerializer],
        responses={
            200: OpenApiResponse(description="Hits"),
            400: OpenApiResponse(description="Bad input"),
        },
    )
    def get(self, request: Request) -> Response:
        data = _validated(RadiusQuerySerializer, request.query_params)
        layer = layer_or_400(data["layer"])
        result = search.within_radius(
            layer=layer,
            user=request.user,
            lon=data["lon"],
            lat=data["lat"],
            radius_m=data["radius"],
            filters=layer_filters(layer, request.query_params),
            limit=data["limit"],
            q=data.get("q") or None,
        )
        return Response(_result_dict(result))


def _result_dict(result: search.SearchResult) -> dict[str, Any]:
    return {
        "layer": result.layer.key,
        "label": str(result.layer.label),
        "count": result.count,
        "truncated": result.truncated,
        "results": [h.as_dict() for h in result.hits],
    }


def _polygon_results(request: Request, limit: int | None = None) -> list[search.SearchResult]:
    data = _validated(PolygonBodySerializer, request.data)
    return [
        search.within_polygon(
            layer=layer,
            user=request.user,
            polygon=data["shape"],
            filters=data["per_layer_filters"].get(layer.key),
            limit=data["limit"] if limit is None else limit,
        )
        for layer in data["layer_objects"]
    ]


class PolygonView(APIView):
    @extend_schema(
        operation_id="geo_search_polygon",
        summary="多边形范围内（按图层计数）",
        description=(
            "Everything of the chosen layers inside a GeoJSON Polygon/MultiPolygon (closed: "
            "a point on the edge is inside) that the user may see: per layer the count and "
            "up to `limit` rows sorted by id. Body: `layer` or `layers`, `polygon`, "
            "`filters` ({name: value} for one layer, or {layer key: {name: value}}), `limit`."
        ),
        request=PolygonBodySerializer,
        responses={
            200: OpenApiResponse(description="Per-layer counts and rows"),
            400: OpenApiResponse(description="Bad input"),
        },
    )
    def post(self, request: Request) -> Response:
        results = _polygon_results(request)
        return Response(
            {"total": sum(r.count for r in results), "layers": [_result_dict(r) for r in results]}
        )


class PolygonExportView(APIView):
    @extend_schema(
        operation_id="geo_search_polygon_export",
        summary="多边形范围内导出 Excel",
        description="The polygon search as an .xlsx workbook: one sheet per layer, every row.",
        request=PolygonBodySerializer,
        responses={
            (200, XLSX_TYPE): OpenApiResponse(description="xlsx"),
            400: OpenApiResponse(description="Bad input"),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        results = _polygon_results(request, limit=None)
        headers = [_("编号"), _("名称"), _("经度"), _("纬度")]
        wb = Workbook()
        wb.remove(wb.active)
        used: set[str] = set()
        for result in results:
            title = (
                "".join(c for c in str(result.layer.label) if c not in "[]:*?/\\")[:28] or "layer"
            )
            while title in used:
                title += "_"
            used.add(title)
            ws = wb.create_sheet(title)
            ws.append(headers)
            for cell in ws[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = PatternFill("solid", fgColor="B71C1C")
            for hit in result.hits:
                ws.append([hit.id, clean_cell(hit.name), round(hit.lon, 6), round(hit.lat, 6)])
            ws.freeze_panes = "A2"
        if not results:
            wb.create_sheet("empty")
        buffer = io.BytesIO()
        wb.save(buffer)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="polygon-search-{stamp}.xlsx"'
        return response
