from __future__ import annotations

from typing import Any

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import RegistryFilterSet, filter_incident_type

from .choices import Availability, ExpertCode, Title
from .models import Expert, ExpertTerm
from .selectors import with_latest_term_end


class ExpertFilterSet(RegistryFilterSet):
    search_fields = ("name", "employer", "specialty")

    code = django_filters.ChoiceFilter(choices=ExpertCode.choices, label=_("专家类别代码"))
    title = django_filters.ChoiceFilter(choices=Title.choices, label=_("职称"))
    availability = django_filters.ChoiceFilter(choices=Availability.choices, label=_("可联系状态"))
    incident_type = django_filters.CharFilter(
        method="filter_incident_type", label=_("事件类型代码")
    )
    term_expired = django_filters.BooleanFilter(method="filter_expired", label=_("聘期已满"))

    class Meta:
        model = Expert
        fields = ["q", "code", "title", "availability", "incident_type", "term_expired"]

    def filter_incident_type(self, queryset: Any, name: str, value: str) -> Any:
        return filter_incident_type(queryset, "expertise", value)

    def filter_expired(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        expired = (
            with_latest_term_end(Expert.objects.all())
            .filter(latest_term_end__lt=timezone.localdate())
            .values("pk")
        )
        return queryset.filter(pk__in=expired) if value else queryset.exclude(pk__in=expired)


class ExpertTermFilterSet(django_filters.FilterSet):
    expired = django_filters.BooleanFilter(method="filter_expired", label=_("已到期"))

    class Meta:
        model = ExpertTerm
        fields = ["expert", "status", "expired"]

    def filter_expired(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        today = timezone.localdate()
        return (
            queryset.filter(term_end__lt=today) if value else queryset.filter(term_end__gte=today)
        )
