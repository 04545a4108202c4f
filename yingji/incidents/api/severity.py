"""``GET /api/v1/incidents/severity-suggestion/``: the level the thresholds suggest."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.incidents.choices import Severity
from yingji.incidents.models import IncidentType
from yingji.incidents.severity import suggest_severity

from .params import IncidentTypeParamField


class SeverityQuerySerializer(serializers.Serializer):
    deaths = serializers.IntegerField(
        label=_("死亡人数"), min_value=0, max_value=10_000_000, required=False, default=0
    )
    serious_injuries = serializers.IntegerField(
        label=_("重伤人数"), min_value=0, max_value=10_000_000, required=False, default=0
    )
    missing = serializers.IntegerField(
        label=_("失踪人数"), min_value=0, max_value=10_000_000, required=False, default=0
    )
    direct_loss = serializers.DecimalField(
        label=_("直接经济损失（万元）"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        default=Decimal(0),
    )
    type = IncidentTypeParamField(label=_("事件类型（代码或ID）"), required=False)


SeverityResponse = inline_serializer(
    "SeveritySuggestion",
    {
        "level": serializers.IntegerField(),
        "level_display": serializers.CharField(),
        "reasons": serializers.ListField(child=serializers.CharField()),
        "table": serializers.CharField(),
        "source": serializers.CharField(),
        "uncertain": serializers.BooleanField(),
        "type": serializers.CharField(allow_null=True),
    },
)


class SeveritySuggestionView(APIView):
    """Suggest 一般/较大/重大/特别重大 from deaths, serious injuries and direct loss."""

    # RestrictedModelPermissions: whoever may read the code table may ask.
    queryset = IncidentType.objects.all()

    @extend_schema(
        operation_id="incidents_severity_suggestion",
        summary="事件级别建议",
        description=(
            "The level suggested by the thresholds (production-safety accidents: 国务院令第493号"
            " Art. 3; natural disasters 11xxx: the national relief plan's response levels by "
            "deaths and missing), with the reasons as Chinese sentences. Any one criterion "
            "reaching a level is enough; boundary values count (3 deaths = 较大). "
            "`direct_loss` is in 万元. `uncertain` is true when a cited threshold is not "
            "checked against its source. Advice only: the level is set by a person."
        ),
        parameters=[SeverityQuerySerializer],
        responses={200: SeverityResponse, 400: OpenApiResponse(description="Bad input")},
    )
    def get(self, request: Request) -> Response:
        query = SeverityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        incident_type = data.get("type")
        suggestion = suggest_severity(
            deaths=data["deaths"],
            serious_injuries=data["serious_injuries"],
            direct_loss_wan=data["direct_loss"],
            missing=data["missing"],
            category=incident_type,
        )
        return Response(
            {
                "level": suggestion.level,
                "level_display": str(Severity(suggestion.level).label),
                "reasons": list(suggestion.reasons),
                "table": suggestion.table,
                "source": suggestion.source,
                "uncertain": suggestion.uncertain,
                "type": incident_type.code if incident_type else None,
            }
        )
