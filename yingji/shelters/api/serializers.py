from __future__ import annotations

from rest_framework import serializers

from yingji.core.registry import LocatedRegistrySerializer
from yingji.geo.api.fields import GeoJSONGeometryField
from yingji.geo.geometry import POLYGONAL_TYPES
from yingji.shelters.models import Shelter


class ShelterSerializer(LocatedRegistrySerializer):
    boundary = GeoJSONGeometryField(allowed_types=POLYGONAL_TYPES, allow_null=True, required=False)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    code = serializers.CharField(read_only=True)
    is_indoor = serializers.BooleanField(read_only=True)
    capacity = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)
    area_m2 = serializers.FloatField(min_value=0, max_value=1e9, allow_null=True, required=False)

    class Meta:
        model = Shelter
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "code",
            "is_indoor",
            "region",
            "region_name",
            "owner_unit",
            "owner_unit_name",
            *LocatedRegistrySerializer.POINT_FIELDS,
            "capacity",
            "area_m2",
            "has_water",
            "has_power",
            "has_toilets",
            "has_medical",
            "has_broadcast",
            "status",
            "status_display",
            "manager_name",
            "manager_phone",
            "boundary",
            "note",
            "last_reviewed_at",
            "review_interval_days",
            "next_review_due",
            "is_synthetic",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at", "is_synthetic", "last_reviewed_at"]
