"""Filters shared by the equipment API and pages."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q
from django.utils import timezone

from .choices import Availability, EquipmentKind, OwnerKind
from .models import Equipment


class EquipmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称、车牌、所有者")
    kind = django_filters.MultipleChoiceFilter(choices=EquipmentKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=Availability.choices)
    owner_kind = django_filters.ChoiceFilter(choices=OwnerKind.choices)
    region = django_filters.CharFilter(method="filter_region", label="区划代码（含下级）")
    capacity_min = django_filters.NumberFilter(field_name="capacity", lookup_expr="gte")
    capability = django_filters.CharFilter(field_name="capability", lookup_expr="icontains")
    agreement_expired = django_filters.BooleanFilter(method="filter_expired", label="协议已过期")

    class Meta:
        model = Equipment
        fields = ["q", "kind", "status", "owner_kind", "region", "is_active", "owner_unit"]

    def search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(
            Q(name__icontains=value)
            | Q(plate_no__icontains=value)
            | Q(owner_name__icontains=value)
            | Q(model_no__icontains=value)
            | Q(address__icontains=value)
        )

    def filter_region(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(region__path__contains=f"/{value}/")

    def filter_expired(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        today = timezone.localdate()
        expired = Q(agreement_valid_until__lt=today)
        return queryset.filter(expired) if value else queryset.exclude(expired)
