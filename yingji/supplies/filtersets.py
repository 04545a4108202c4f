"""Filters shared by the supplies API and pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.db.models import Q
from django.utils import timezone

from .choices import LotCondition, LotSource, MovementKind, WarehouseKind
from .models import StockLot, StockMovement, SupplyItem, Warehouse
from .selectors import warehouses_with_item


def _within(queryset: Any, value: str) -> Any:
    return queryset.filter(region__path__contains=f"/{value}/")


class SupplyItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称或代码")
    code = django_filters.CharFilter(field_name="code", lookup_expr="startswith", label="代码前缀")

    class Meta:
        model = SupplyItem
        fields = ["q", "code", "category", "is_standard", "is_active"]

    def search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class WarehouseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称、地址、保管员")
    kind = django_filters.MultipleChoiceFilter(choices=WarehouseKind.choices)
    region = django_filters.CharFilter(method="filter_region", label="区划代码（含下级）")
    has_item = django_filters.CharFilter(method="filter_has_item", label="有库存的物资代码")
    agreement_expired = django_filters.BooleanFilter(method="filter_expired", label="协议已过期")

    class Meta:
        model = Warehouse
        fields = ["q", "kind", "region", "is_active", "owner_unit", "has_item"]

    def search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(
            Q(name__icontains=value)
            | Q(address__icontains=value)
            | Q(keeper__icontains=value)
            | Q(operator__icontains=value)
        )

    def filter_region(self, queryset: Any, name: str, value: str) -> Any:
        return _within(queryset, value)

    def filter_has_item(self, queryset: Any, name: str, value: str) -> Any:
        return warehouses_with_item(queryset, value)

    def filter_expired(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        expired = Q(agreement_end__lt=timezone.localdate())
        return queryset.filter(expired) if value else queryset.exclude(expired)


class StockLotFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="物资、批次、仓库")
    item_code = django_filters.CharFilter(
        field_name="item__code", lookup_expr="startswith", label="物资代码（含下级）"
    )
    condition = django_filters.MultipleChoiceFilter(choices=LotCondition.choices)
    source = django_filters.ChoiceFilter(choices=LotSource.choices)
    region = django_filters.CharFilter(method="filter_region", label="区划代码（含下级）")
    expires_within = django_filters.NumberFilter(
        method="filter_expires_within", label="多少天内到期"
    )
    in_stock = django_filters.BooleanFilter(method="filter_in_stock", label="有库存")

    class Meta:
        model = StockLot
        fields = ["q", "warehouse", "item", "item_code", "condition", "source", "region"]

    def search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(
            Q(item__name__icontains=value)
            | Q(batch__icontains=value)
            | Q(warehouse__name__icontains=value)
            | Q(item__code__startswith=value)
        )

    def filter_region(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(warehouse__region__path__contains=f"/{value}/")

    def filter_expires_within(self, queryset: Any, name: str, value: Any) -> Any:
        if value is None:
            return queryset
        if value < 0 or value > 36500:
            return queryset.none()
        today = timezone.localdate()
        return queryset.filter(
            quantity__gt=0, expires_on__lte=today + timedelta(days=int(value))
        ).exclude(condition=LotCondition.SCRAPPED)

    def filter_in_stock(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.filter(quantity__gt=0) if value else queryset.filter(quantity=0)


class StockMovementFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=MovementKind.choices)
    item_code = django_filters.CharFilter(field_name="item__code", lookup_expr="startswith")
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    reference = django_filters.CharFilter(field_name="reference")
    q = django_filters.CharFilter(method="search", label="事由、单据、物资")

    class Meta:
        model = StockMovement
        fields = ["kind", "warehouse", "lot", "item", "item_code", "incident", "operation"]

    def search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(
            Q(reason__icontains=value)
            | Q(reference__icontains=value)
            | Q(item__name__icontains=value)
            | Q(destination__icontains=value)
        )
