from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import RegistryFilterSet

from .choices import HazardLevel
from .codes import hazard_code_choices
from .models import HazardSource, LowLyingRoad, WaterDepthRecord
from .selectors import with_depth_stats


class HazardSourceFilterSet(RegistryFilterSet):
    search_fields = ("name", "operator_name", "address")

    level = django_filters.ChoiceFilter(choices=HazardLevel.choices, label=_("风险等级"))
    code = django_filters.ChoiceFilter(choices=hazard_code_choices, label=_("危险源代码"))
    code_prefix = django_filters.CharFilter(
        field_name="code", lookup_expr="startswith", label=_("代码前缀（如 22A）")
    )
    inspected_before = django_filters.DateFilter(
        field_name="last_inspected_on", lookup_expr="lt", label=_("最近检查早于")
    )

    class Meta:
        model = HazardSource
        fields = ["q", "level", "code", "code_prefix", "inspected_before", "region_code"]


class LowLyingRoadFilterSet(RegistryFilterSet):
    search_fields = ("road_name", "section_from", "section_to", "description")

    is_underpass = django_filters.BooleanFilter(label=_("下穿立交"))
    min_dip = django_filters.NumberFilter(
        field_name="dip_depth_m", lookup_expr="gte", label=_("低洼深度不小于（米）")
    )
    over_warning = django_filters.BooleanFilter(
        method="filter_over_warning", label=_("积水曾达警戒")
    )

    class Meta:
        model = LowLyingRoad
        fields = ["q", "is_underpass", "min_dip", "over_warning", "region_code"]

    def filter_over_warning(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        over = (
            with_depth_stats(LowLyingRoad.objects.all())
            .filter(max_depth_cm__gte=F("warning_depth_cm"))
            .values("pk")
        )
        return queryset.filter(pk__in=over) if value else queryset.exclude(pk__in=over)


class WaterDepthRecordFilterSet(django_filters.FilterSet):
    since = django_filters.DateFilter(field_name="observed_on", lookup_expr="gte")
    until = django_filters.DateFilter(field_name="observed_on", lookup_expr="lte")

    class Meta:
        model = WaterDepthRecord
        fields = ["road", "source", "since", "until"]
