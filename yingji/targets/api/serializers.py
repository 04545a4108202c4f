from __future__ import annotations

from rest_framework import serializers

from yingji.core.registry import LocatedRegistrySerializer
from yingji.geo.api.fields import GeoJSONGeometryField
from yingji.geo.geometry import POLYGONAL_TYPES
from yingji.hazards.api.serializers import READ_ONLY, REVIEW_FIELDS
from yingji.targets.models import ProtectionTarget


class ProtectionTargetSerializer(LocatedRegistrySerializer):
    boundary = GeoJSONGeometryField(allowed_types=POLYGONAL_TYPES, allow_null=True, required=False)
    code_name = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    population = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)

    class Meta:
        model = ProtectionTarget
        fields = [
            "id",
            "code",
            "code_name",
            "name",
            "kind",
            "kind_display",
            "population",
            "contact_name",
            "contact_phone",
            "region",
            "region_name",
            "owner_unit",
            "owner_unit_name",
            *LocatedRegistrySerializer.POINT_FIELDS,
            "boundary",
            "note",
            *REVIEW_FIELDS,
        ]
        read_only_fields = READ_ONLY
