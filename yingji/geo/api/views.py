from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Count, Max
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.core.api.viewsets import RestrictedModelViewSet
from yingji.geo import lookup
from yingji.geo.filtersets import RegionFilterSet
from yingji.geo.geometry import (
    CHINA_MAX_LAT,
    CHINA_MAX_LON,
    CHINA_MIN_LAT,
    CHINA_MIN_LON,
    round_coordinates,
)
from yingji.geo.models import Region

from .serializers import (
    LocationSerializer,
    PointLookupSerializer,
    RegionLayerQuerySerializer,
    RegionLayerSerializer,
    RegionSerializer,
)


class RegionViewSet(RestrictedModelViewSet):
    """Administrative regions (行政区划): districts, zones, townships, villages."""

    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "level", "sort_order", "updated_at"]
    export_fields = [
        "code",
        "name",
        "level",
        "parent",
        "label_lon",
        "label_lat",
        "is_synthetic",
        "source",
    ]
    export_title = "行政区划"


def _ref(ref: lookup.RegionRef | None, visible: set[int]) -> dict[str, Any] | None:
    if ref is None or ref.id not in visible:
        return None
    return {"id": ref.id, "code": ref.code, "name": ref.name, "level": ref.level}


class RegionLayerView(APIView):
    """Region boundaries as a GeoJSON FeatureCollection for the map (only what you may see)."""

    # Read by RestrictedModelPermissions: the role must allow viewing regions.
    queryset = Region.objects.all()

    @extend_schema(
        operation_id="geo_layers_regions",
        summary="区划边界图层（GeoJSON）",
        description=(
            "The boundaries of the regions of one level that the user may see (属地范围), as "
            "a GeoJSON FeatureCollection in WGS84 with coordinates rounded to 6 decimals. "
            "Regions without a boundary are left out. Supports conditional requests: send "
            "the ETag back in If-None-Match (or Last-Modified in If-Modified-Since) to get "
            "304 Not Modified when nothing changed."
        ),
        parameters=[RegionLayerQuerySerializer],
        responses={
            200: RegionLayerSerializer,
            304: OpenApiResponse(description="Not modified"),
            400: OpenApiResponse(description="Bad level or parent"),
        },
    )
    def get(self, request: Request) -> Response:
        query = RegionLayerQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        level, parent = query.validated_data["level"], query.validated_data.get("parent")
        queryset = Region.objects.restrict(request.user, "view").filter(
            level=level, boundary__isnull=False
        )
        if parent:
            queryset = queryset.filter(parent__code=parent)
        stamp = queryset.aggregate(n=Count("id"), latest=Max("updated_at"), top=Max("id"))
        scope = getattr(request.user, "scope_path", None) or ""
        etag = quote_etag(
            hashlib.sha256(
                f"{scope}|{request.user.is_superuser}|{level}|{parent}|{stamp}".encode()
            ).hexdigest()[:32]
        )
        last_modified = http_date(stamp["latest"].timestamp()) if stamp["latest"] else None
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}
        if last_modified:
            headers["Last-Modified"] = last_modified
        if self._not_modified(request, etag, stamp["latest"]):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        rows = queryset.order_by("code").values(
            "id", "code", "name", "level", "label_lon", "label_lat", "is_synthetic", "boundary"
        )
        features = [
            {
                "type": "Feature",
                "id": row["id"],
                "geometry": {
                    "type": row["boundary"]["type"],
                    "coordinates": round_coordinates(row["boundary"]["coordinates"]),
                },
                "properties": {
                    "id": row["id"],
                    "code": row["code"],
                    "name": row["name"],
                    "level": row["level"],
                    "label": (
                        [row["label_lon"], row["label_lat"]]
                        if row["label_lon"] is not None
                        else None
                    ),
                    "is_synthetic": row["is_synthetic"],
                },
            }
            for row in rows
        ]
        return Response({"type": "FeatureCollection", "features": features}, headers=headers)

    @staticmethod
    def _not_modified(request: Request, etag: str, latest: Any) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return etag in tags or "*" in tags
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        return since is not None and latest is not None and int(latest.timestamp()) <= since


class PointLookupView(APIView):
    """Which district, township and functional zones contain a WGS84 point."""

    queryset = Region.objects.all()

    @extend_schema(
        operation_id="geo_lookup",
        summary="坐标所在区划",
        description=(
            "The district, township (镇街) and functional zones (功能区) containing the WGS84 "
            "point lon/lat. A point on a boundary shared by two districts belongs to the one "
            "with the smaller code. Regions outside the user's scope are returned as null "
            "and `outside_scope` is true. Convert GCJ-02/BD-09 coordinates to WGS84 first."
        ),
        parameters=[
            OpenApiParameter(
                "lon",
                {"type": "number", "minimum": CHINA_MIN_LON, "maximum": CHINA_MAX_LON},
                OpenApiParameter.QUERY,
                required=True,
                description="经度（WGS84）",
            ),
            OpenApiParameter(
                "lat",
                {"type": "number", "minimum": CHINA_MIN_LAT, "maximum": CHINA_MAX_LAT},
                OpenApiParameter.QUERY,
                required=True,
                description="纬度（WGS84）",
            ),
        ],
        responses={
            200: LocationSerializer,
            400: OpenApiResponse(description="Missing, non-numeric or out-of-range lon/lat"),
        },
    )
    def get(self, request: Request) -> Response:
        query = PointLookupSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lon, lat = query.validated_data["lon"], query.validated_data["lat"]
        location = lookup.locate(lon, lat)
        refs = [r for r in (location.district, location.township, *location.zones) if r]
        visible = set(
            Region.objects.restrict(request.user, "view")
            .filter(id__in=[r.id for r in refs])
            .values_list("id", flat=True)
        )
        data = {
            "lon": lon,
            "lat": lat,
            "district": _ref(location.district, visible),
            "township": _ref(location.township, visible),
            "zones": [z for z in (_ref(r, visible) for r in location.zones) if z],
            "outside_scope": any(r.id not in visible for r in refs),
        }
        return Response(data)
