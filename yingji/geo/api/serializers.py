from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.geo.choices import RegionLevel
from yingji.geo.geometry import CHINA_MAX_LAT, CHINA_MAX_LON, CHINA_MIN_LAT, CHINA_MIN_LON
from yingji.geo.models import Region


class RegionSerializer(ValidatedModelSerializer):
    """A region without its boundary (boundaries come from the map layer endpoint)."""

    parent = RestrictedPrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Region.objects.all(), allow_null=True
    )
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


class PointLookupSerializer(serializers.Serializer[Any]):
    """Query of ``GET /api/v1/geo/lookup/``: a WGS84 point inside China.

    The ranges are checked together in ``validate`` so that swapped coordinates are
    reported as swapped rather than as an out-of-range latitude.
    """

    lon = serializers.FloatField(help_text="经度（WGS84，东经为正，中国范围 73–136）")
    lat = serializers.FloatField(help_text="纬度（WGS84，北纬为正，中国范围 3–54）")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lon, lat = attrs["lon"], attrs["lat"]
        lon_ok = CHINA_MIN_LON <= lon <= CHINA_MAX_LON
        lat_ok = CHINA_MIN_LAT <= lat <= CHINA_MAX_LAT
        if lon_ok and lat_ok:
            return attrs
        if CHINA_MIN_LON <= lat <= CHINA_MAX_LON and CHINA_MIN_LAT <= lon <= CHINA_MAX_LAT:
            message = _("经纬度可能写反了：lon 应为经度（约 73–136），lat 应为纬度（约 3–54）。")
            raise serializers.ValidationError({"lon": [message], "lat": [message]})
        errors: dict[str, list[str]] = {}
        if not -180 <= lon <= 180:
            errors["lon"] = [_("经度必须在 -180 到 180 之间。")]
        elif not lon_ok:
            errors["lon"] = [_("经度超出中国范围（73–136）。")]
        if not -90 <= lat <= 90:
            errors["lat"] = [_("纬度必须在 -90 到 90 之间。")]
        elif not lat_ok:
            errors["lat"] = [_("纬度超出中国范围（3–54）。")]
        raise serializers.ValidationError(errors)


class RegionRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=RegionLevel.choices)


class LocationSerializer(serializers.Serializer[Any]):
    """Answer of ``GET /api/v1/geo/lookup/``."""

    lon = serializers.FloatField()
    lat = serializers.FloatField()
    district = RegionRefSerializer(allow_null=True)
    township = RegionRefSerializer(allow_null=True)
    zones = RegionRefSerializer(many=True)
    outside_scope = serializers.BooleanField(
        help_text="点所在的某个区划不在您的辖区内，因此没有返回。"
    )


LAYER_LEVELS = (RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.TOWNSHIP, RegionLevel.ZONE)


class RegionLayerQuerySerializer(serializers.Serializer[Any]):
    """Query of ``GET /api/v1/geo/layers/regions/``."""

    level = serializers.ChoiceField(
        choices=[(str(level), level.label) for level in LAYER_LEVELS],
        default=str(RegionLevel.DISTRICT),
        help_text="区划级别",
    )
    parent = serializers.CharField(  # type: ignore[assignment]
        required=False, max_length=12, help_text="上级区划代码（只返回它的直接下级）"
    )


class RegionFeaturePropertiesSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=RegionLevel.choices)
    label = serializers.ListField(  # type: ignore[assignment]
        child=serializers.FloatField(), help_text="[经度, 纬度]"
    )
    is_synthetic = serializers.BooleanField()


class RegionFeatureSerializer(serializers.Serializer[Any]):
    type = serializers.CharField(default="Feature")
    id = serializers.IntegerField()
    geometry = serializers.JSONField(help_text="GeoJSON Polygon/MultiPolygon，WGS84，6 位小数")
    properties = RegionFeaturePropertiesSerializer()


class RegionLayerSerializer(serializers.Serializer[Any]):
    """Answer of ``GET /api/v1/geo/layers/regions/``: a GeoJSON FeatureCollection."""

    type = serializers.CharField(default="FeatureCollection")
    features = RegionFeatureSerializer(many=True)
