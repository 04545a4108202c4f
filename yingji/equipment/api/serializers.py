from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from yingji.accounts.models import Unit
from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.equipment.choices import Availability
from yingji.equipment.models import Equipment
from yingji.geo.choices import CoordinateSystem
from yingji.geo.models import Region


class EquipmentSerializer(ValidatedModelSerializer):
    region = RestrictedPrimaryKeyRelatedField(queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    owner_unit = RestrictedPrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Unit.objects.all(), allow_null=True, required=False
    )
    owner_org = RestrictedPrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Unit.objects.all(), allow_null=True, required=False
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    kind_code = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    owner_display = serializers.CharField(read_only=True)
    capacity = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("9999999999"),
        allow_null=True,
        required=False,
    )
    lon = serializers.FloatField(min_value=73, max_value=136, allow_null=True, required=False)
    lat = serializers.FloatField(min_value=3, max_value=54, allow_null=True, required=False)
    source_crs = serializers.ChoiceField(choices=CoordinateSystem.choices, required=False)
    review_interval_days = serializers.IntegerField(
        min_value=1, max_value=3650, allow_null=True, required=False
    )
    agreement_expired = serializers.BooleanField(read_only=True)
    next_review_due = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Equipment
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "kind_code",
            "model_no",
            "region",
            "region_name",
            "owner_unit",
            "owner_kind",
            "owner_org",
            "owner_name",
            "owner_phone",
            "owner_display",
            "capability",
            "capacity",
            "capacity_unit",
            "plate_no",
            "serial_no",
            "status",
            "status_display",
            "address",
            "lon",
            "lat",
            "source_crs",
            "agreement_no",
            "agreement_valid_until",
            "agreement_expired",
            "contact_name",
            "contact_phone",
            "is_active",
            "is_synthetic",
            "note",
            "last_reviewed_at",
            "review_interval_days",
            "next_review_due",
            "created_at",
            "updated_at",
        ]
        # Availability changes through the set_status action (with a reason).
        read_only_fields = [
            "status",
            "is_synthetic",
            "last_reviewed_at",
            "created_at",
            "updated_at",
        ]


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Availability.choices)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
