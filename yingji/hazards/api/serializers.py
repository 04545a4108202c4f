from __future__ import annotations

from rest_framework import serializers

from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.core.registry import LocatedRegistrySerializer
from yingji.geo.api.fields import GeoJSONGeometryField
from yingji.hazards.models import HazardSource, LowLyingRoad, WaterDepthRecord

REVIEW_FIELDS = [
    "last_reviewed_at",
    "review_interval_days",
    "next_review_due",
    "is_synthetic",
    "created_at",
    "updated_at",
]
READ_ONLY = ["created_at", "updated_at", "is_synthetic", "last_reviewed_at"]


class HazardSourceSerializer(LocatedRegistrySerializer):
    geometry = GeoJSONGeometryField(
        allowed_types=("Point", "Polygon", "MultiPolygon"), allow_null=True, required=False
    )
    code_name = serializers.CharField(read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = HazardSource
        fields = [
            "id",
            "code",
            "code_name",
            "name",
            "level",
            "level_display",
            "operator_name",
            "contact_name",
            "contact_phone",
            "region",
            "region_name",
            "owner_unit",
            "owner_unit_name",
            *LocatedRegistrySerializer.POINT_FIELDS,
            "geometry",
            "last_inspected_on",
            "inspection_findings",
            "description",
            *REVIEW_FIELDS,
        ]
        read_only_fields = READ_ONLY


class LowLyingRoadSerializer(LocatedRegistrySerializer):
    geometry = GeoJSONGeometryField(
        allowed_types=("LineString", "Polygon", "MultiPolygon"), allow_null=True, required=False
    )
    lowest_elevation_m = serializers.FloatField(
        min_value=-500, max_value=9000, allow_null=True, required=False
    )
    surrounding_elevation_m = serializers.FloatField(
        min_value=-500, max_value=9000, allow_null=True, required=False
    )
    drainage_capacity_m3h = serializers.FloatField(
        min_value=0, max_value=1e7, allow_null=True, required=False
    )
    pump_capacity_m3h = serializers.FloatField(
        min_value=0, max_value=1e7, allow_null=True, required=False
    )
    max_depth_cm = serializers.SerializerMethodField()

    class Meta:
        model = LowLyingRoad
        fields = [
            "id",
            "road_name",
            "section_from",
            "section_to",
            "description",
            "region",
            "region_name",
            "owner_unit",
            "owner_unit_name",
            *LocatedRegistrySerializer.POINT_FIELDS,
            "geometry",
            "lowest_elevation_m",
            "surrounding_elevation_m",
            "dip_depth_m",
            "drainage_capacity_m3h",
            "warning_depth_cm",
            "pump_count",
            "pump_capacity_m3h",
            "is_underpass",
            "max_depth_cm",
            "note",
            *REVIEW_FIELDS,
        ]
        read_only_fields = [*READ_ONLY, "dip_depth_m"]

    def get_max_depth_cm(self, obj: LowLyingRoad) -> int | None:
        value = getattr(obj, "max_depth_cm", None)
        if value is None and not hasattr(obj, "max_depth_cm"):
            records = obj.depth_records.order_by("-depth_cm").values_list("depth_cm", flat=True)
            value = records.first()
        return value


class WaterDepthRecordSerializer(ValidatedModelSerializer):
    road = RestrictedPrimaryKeyRelatedField(queryset=LowLyingRoad.objects.all())
    road_name = serializers.CharField(source="road.__str__", read_only=True)
    rainfall_mm = serializers.FloatField(
        min_value=0, max_value=2000, allow_null=True, required=False
    )

    class Meta:
        model = WaterDepthRecord
        fields = [
            "id",
            "road",
            "road_name",
            "observed_on",
            "depth_cm",
            "rainfall_mm",
            "source",
            "note",
            "created_at",
        ]
        read_only_fields = ["created_at"]
