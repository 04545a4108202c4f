"""``GET /api/v1/incidents/possible-duplicates/``: open incidents a new report may repeat."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.incidents.duplicates import MAX_RADIUS_M, Candidate, find_possible_duplicates
from yingji.incidents.models import Incident

from .params import IncidentTypeParamField


class FiniteFloatField(serializers.FloatField):
    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class DuplicateQuerySerializer(serializers.Serializer):
    lon = FiniteFloatField(label=_("经度"), min_value=-180, max_value=180)
    lat = FiniteFloatField(label=_("纬度"), min_value=-90, max_value=90)
    type = IncidentTypeParamField(label=_("事件类型（代码或ID）"))
    occurred_at = serializers.DateTimeField(label=_("事发时间"), required=False)
    exclude = serializers.IntegerField(label=_("排除的事件ID"), min_value=1, required=False)
    radius_m = FiniteFloatField(
        label=_("半径（米）"), min_value=0, max_value=MAX_RADIUS_M, required=False
    )
    window_minutes = serializers.IntegerField(
        label=_("时间窗口（分钟，前后各）"), min_value=0, max_value=7 * 24 * 60, required=False
    )


CandidateResponse = inline_serializer(
    "PossibleDuplicate",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.CharField(),
        "status_display": serializers.CharField(),
        "severity": serializers.IntegerField(),
        "severity_display": serializers.CharField(),
        "incident_type": serializers.DictField(),
        "occurred_at": serializers.DateTimeField(),
        "lon": serializers.FloatField(),
        "lat": serializers.FloatField(),
        "address": serializers.CharField(),
        "region": serializers.CharField(),
        "distance_m": serializers.FloatField(),
        "minutes_apart": serializers.IntegerField(),
        "reason": serializers.CharField(),
    },
    many=True,
)


def candidate_data(candidate: Candidate) -> dict[str, Any]:
    incident: Incident = candidate.incident
    return {
        "id": incident.pk,
        "number": incident.number,
        "title": incident.title,
        "status": incident.status,
        "status_display": incident.get_status_display(),
        "severity": incident.severity,
        "severity_display": incident.get_severity_display(),
        "incident_type": {"code": incident.incident_type.code, "name": incident.incident_type.name},
        "occurred_at": serializers.DateTimeField().to_representation(incident.occurred_at),
        "lon": incident.lon,
        "lat": incident.lat,
        "address": incident.address,
        "region": incident.region.name,
        "distance_m": candidate.distance_m,
        "minutes_apart": candidate.minutes_apart,
        "reason": candidate.reason,
    }


class PossibleDuplicatesView(APIView):
    """Open incidents near a point, of a related type, at about the same time."""

    # RestrictedModelPermissions: the role must allow viewing incidents; rows are
    # restricted to the user's region by find_possible_duplicates.
    queryset = Incident.objects.all()

    @extend_schema(
        operation_id="incidents_possible_duplicates",
        summary="可能重复的事件",
        description=(
            "Open incidents the user may see within `radius_m` (default 1 km) of the WGS84 "
            "point, of the same type or the same sub-category (first three code characters), "
            "that occurred within `window_minutes` (default 6 h) of `occurred_at` (default "
            "now); nearest first, with a reason in Chinese. Offer them for merging."
        ),
        parameters=[DuplicateQuerySerializer],
        responses={
            200: CandidateResponse,
            400: OpenApiResponse(description="Bad input"),
        },
    )
    def get(self, request: Request) -> Response:
        query = DuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        window = data.get("window_minutes")
        candidates = find_possible_duplicates(
            lon=data["lon"],
            lat=data["lat"],
            incident_type=data["type"],
            occurred_at=data.get("occurred_at") or timezone.now(),
            exclude_id=data.get("exclude"),
            user=request.user,
            radius_m=data.get("radius_m"),
            window=timedelta(minutes=window) if window is not None else None,
        )
        return Response([candidate_data(c) for c in candidates])
