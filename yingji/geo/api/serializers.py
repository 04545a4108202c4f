from __future__ import annotations

from rest_framework import serializers

from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.geo.models import Region


class RegionSerializer(ValidatedModelSerializer):
    """A region without its boundary (boundaries come from the map layer endpoint)."""

    parent = RestrictedPrimaryKeyRelatedField(queryset=Region.objects.all(), allow_null=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = [
            "id",
            "code",
            "name",
            "level",
            "level_display",
            "parent",
            "path",
            "min_lon",
            "min_lat",
            "max_lon",
            "max_lat",
            "label_lon",
            "label_lat",
            "seat_lon",
            "seat_lat",
            "is_synthetic",
            "source",
            "sort_order",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "path",
            "min_lon",
            "min_lat",
            "max_lon",
            "max_lat",
            "created_at",
            "updated_at",
        ]


class PointLookupSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
