from __future__ import annotations

from typing import Any

from rest_framework import serializers

from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.geo.models import Region
from yingji.incidents.models import Incident

from ..models import DutyLogEntry


class DutyLogEntrySerializer(serializers.ModelSerializer):
    """A duty-log line; the recorder is the signed-in user, the region theirs by default."""

    incident = RestrictedPrimaryKeyRelatedField(
        queryset=Incident.objects.all(), allow_null=True, required=False
    )
    region = RestrictedPrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, help_text="默认为记录人所在单位的区划。"
    )
    at = serializers.DateTimeField(required=False)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    incident_number = serializers.SerializerMethodField()
    recorded_by_name = serializers.CharField(source="recorded_by", read_only=True, default="")

    class Meta:
        model = DutyLogEntry
        fields = [
            "id",
            "at",
            "kind",
            "kind_display",
            "caller",
            "caller_phone",
            "summary",
            "handling",
            "incident",
            "incident_number",
            "region",
            "recorded_by",
            "recorded_by_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["recorded_by", "created_at", "updated_at"]

    def get_incident_number(self, obj: DutyLogEntry) -> str:
        return obj.incident.number if obj.incident_id else ""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The rules live in the service; it raises Django ValidationErrors (→ 400).
        return attrs
