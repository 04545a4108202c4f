import django_filters
from django.db.models import Q

from .choices import (
    Confidence,
    DeadlineStatus,
    FindingKind,
    FindingStatus,
    Requirement,
)
from .models import Deadline, DeadlineRule, Finding


class DeadlineRuleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称或依据")
    requirement = django_filters.MultipleChoiceFilter(choices=Requirement.choices)
    confidence = django_filters.MultipleChoiceFilter(choices=Confidence.choices)
    region_code = django_filters.CharFilter(field_name="region__code", label="区划代码")

    class Meta:
        model = DeadlineRule
        fields = ["q", "requirement", "severity", "region", "confidence", "active"]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(Q(name__icontains=value) | Q(source__icontains=value))


class DeadlineFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DeadlineStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=Requirement.choices)
    unit = django_filters.NumberFilter(field_name="responsible_unit")
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lte")

    class Meta:
        model = Deadline
        fields = ["status", "kind", "incident", "unit", "due_after", "due_before"]


class FindingFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=FindingKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=FindingStatus.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Finding
        fields = ["kind", "status", "incident", "unit", "created_after", "created_before"]
