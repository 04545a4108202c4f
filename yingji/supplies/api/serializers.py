from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from yingji.accounts.models import Unit
from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField, SlugRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.geo.choices import CoordinateSystem
from yingji.geo.models import Region
from yingji.incidents.models import Incident
from yingji.supplies.models import (
    StockLot,
    StockMovement,
    SupplyCategory,
    SupplyItem,
    Warehouse,
)

QTY = {"max_digits": 14, "decimal_places": 3}
POSITIVE = {"min_value": Decimal("0.001"), "max_value": Decimal("99999999999")}


class SupplyCategorySerializer(ValidatedModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=SupplyCategory.objects.all(), allow_null=True, required=False
    )
    level = serializers.IntegerField(read_only=True)

    class Meta:
        model = SupplyCategory
        fields = ["id", "code", "name", "parent", "level", "is_standard", "note", "updated_at"]
        read_only_fields = ["is_standard", "updated_at"]


class SupplyItemSerializer(ValidatedModelSerializer):
    category = serializers.PrimaryKeyRelatedField(queryset=SupplyCategory.objects.all())
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    min_stock_default = serializers.DecimalField(
        **QTY, min_value=Decimal("0"), max_value=Decimal("99999999999"), required=False
    )

    class Meta:
        model = SupplyItem
        fields = [
            "id",
            "code",
            "name",
            "category",
            "category_code",
            "category_name",
            "unit",
            "specification",
            "shelf_life_days",
            "min_stock_default",
            "resource_code",
            "is_standard",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["is_standard", "updated_at"]


class WarehouseSerializer(ValidatedModelSerializer):
    region = RestrictedPrimaryKeyRelatedField(queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    owner_unit = RestrictedPrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Unit.objects.all(), allow_null=True, required=False
    )
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True, default="")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    lon = serializers.FloatField(min_value=73, max_value=136, allow_null=True, required=False)
    lat = serializers.FloatField(min_value=3, max_value=54, allow_null=True, required=False)
    source_crs = serializers.ChoiceField(choices=CoordinateSystem.choices, required=False)
    area_m2 = serializers.DecimalField(
        max_digits=10, decimal_places=1, min_value=Decimal("0"), allow_null=True, required=False
    )
    volume_m3 = serializers.DecimalField(
        max_digits=10, decimal_places=1, min_value=Decimal("0"), allow_null=True, required=False
    )
    review_interval_days = serializers.IntegerField(
        min_value=1, max_value=3650, allow_null=True, required=False
    )
    agreement_expired = serializers.BooleanField(read_only=True)
    next_review_due = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Warehouse
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "region",
            "region_name",
            "owner_unit",
            "owner_unit_name",
            "operator",
            "address",
            "lon",
            "lat",
            "source_crs",
            "area_m2",
            "volume_m3",
            "keeper",
            "keeper_phone",
            "phone_24h",
            "agreement_no",
            "agreement_end",
            "agreement_expired",
            "is_active",
            "is_synthetic",
            "note",
            "last_reviewed_at",
            "review_interval_days",
            "next_review_due",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_synthetic", "last_reviewed_at", "created_at", "updated_at"]


class StockLotSerializer(ValidatedModelSerializer):
    """A lot. Creating one is a receipt (入库: ``quantity`` and ``reason`` required);
    editing changes only its description — quantities move through the actions."""

    warehouse = RestrictedPrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    warehouse_name = serializers.CharField(source="warehouse.name", read_only=True)
    item = serializers.PrimaryKeyRelatedField(queryset=SupplyItem.objects.filter(is_active=True))
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.unit", read_only=True)
    quantity = serializers.DecimalField(**QTY, **POSITIVE)
    reserved = serializers.DecimalField(**QTY, read_only=True)
    available = serializers.DecimalField(**QTY, read_only=True)
    reason = serializers.CharField(max_length=255, write_only=True)

    class Meta:
        model = StockLot
        fields = [
            "id",
            "warehouse",
            "warehouse_name",
            "item",
            "item_code",
            "item_name",
            "unit",
            "quantity",
            "reserved",
            "available",
            "batch",
            "produced_on",
            "expires_on",
            "condition",
            "source",
            "note",
            "reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            fixed = {"warehouse", "item", "quantity", "reason"} & set(self.initial_data or {})
            if fixed:
                raise serializers.ValidationError(
                    {
                        name: [_("数量、仓库和物资只能通过出入库、调拨等操作变更。")]
                        for name in fixed
                    }
                )
            return super().validate(attrs)
        # On create the quantity is the receipt: the lot itself starts at zero.
        quantity = attrs.pop("quantity")
        reason = attrs.pop("reason")
        attrs = super().validate(attrs)
        return {**attrs, "quantity": quantity, "reason": reason}


class StockMovementSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    warehouse_name = serializers.CharField(source="warehouse.name", read_only=True)
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.unit", read_only=True)
    actor_name = serializers.CharField(source="actor.__str__", read_only=True, default="")

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "operation",
            "kind",
            "kind_display",
            "lot",
            "warehouse",
            "warehouse_name",
            "item",
            "item_code",
            "item_name",
            "unit",
            "quantity",
            "delta",
            "reserved_delta",
            "balance_after",
            "reserved_after",
            "reason",
            "actor",
            "actor_name",
            "at",
            "reference",
            "incident",
            "destination",
            "counterpart_warehouse",
        ]
        read_only_fields = fields


# --- Action payloads --------------------------------------------------------------------------


class MovementInputSerializer(serializers.Serializer):
    quantity = serializers.DecimalField(**QTY, **POSITIVE)
    reason = serializers.CharField(max_length=255)
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class IssueInputSerializer(MovementInputSerializer):
    destination = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    use_reserved = serializers.BooleanField(required=False, default=False)
    incident = RestrictedPrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True, default=None
    )


class ReserveInputSerializer(MovementInputSerializer):
    incident = RestrictedPrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True, default=None
    )


class TransferInputSerializer(MovementInputSerializer):
    to_warehouse = RestrictedPrimaryKeyRelatedField(queryset=Warehouse.objects.all())


class AdjustInputSerializer(serializers.Serializer):
    counted = serializers.DecimalField(
        **QTY, min_value=Decimal("0"), max_value=Decimal("99999999999")
    )
    reason = serializers.CharField(max_length=255)


class AllocationSerializer(serializers.Serializer):
    lot = RestrictedPrimaryKeyRelatedField(queryset=StockLot.objects.all())
    quantity = serializers.DecimalField(**QTY, **POSITIVE)


class DispatchInputSerializer(serializers.Serializer):
    """统一调配: ``item`` (id) or ``item_code``; FEFO unless ``allocations`` name the lots."""

    item = serializers.PrimaryKeyRelatedField(
        queryset=SupplyItem.objects.all(), required=False, allow_null=True, default=None
    )
    item_code = SlugRelatedField(
        slug_field="code",
        queryset=SupplyItem.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    quantity = serializers.DecimalField(**QTY, **POSITIVE)
    reason = serializers.CharField(max_length=255)
    destination = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    incident = RestrictedPrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True, default=None
    )
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    warehouses = RestrictedPrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(), many=True, required=False
    )
    allocations = AllocationSerializer(many=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        item = attrs.pop("item", None) or attrs.pop("item_code", None)
        attrs.pop("item_code", None)
        if item is None:
            raise serializers.ValidationError({"item": [_("请指定调配的物资。")]})
        if not attrs.get("destination", "").strip() and attrs.get("incident") is None:
            raise serializers.ValidationError({"destination": [_("请填写调往地点或关联事件。")]})
        attrs["item"] = item
        return attrs
