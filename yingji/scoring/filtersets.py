import django_filters
from django.db.models import Q

from .choices import AppliesTo, NoticeStatus, Period, SourceKind, Trigger
from .models import Notice, ScoreEntry, ScoringRule


class ScoringRuleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称或说明")
    trigger = django_filters.MultipleChoiceFilter(choices=Trigger.choices)
    applies_to = django_filters.ChoiceFilter(choices=AppliesTo.choices)
    on = django_filters.DateFilter(method="in_force", label="某日有效")
    citywide = django_filters.BooleanFilter(
        field_name="region", lookup_expr="isnull", label="全市通用"
    )

    class Meta:
        model = ScoringRule
        fields = [
            "q",
            "trigger",
            "applies_to",
            "region",
            "is_active",
            "is_default",
            "on",
            "citywide",
        ]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(Q(name__icontains=value) | Q(source__icontains=value))

    def in_force(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(valid_from__lte=value).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=value)
        )


class ScoreEntryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="reason", lookup_expr="icontains", label="事由")
    trigger = django_filters.MultipleChoiceFilter(choices=Trigger.choices)
    source_kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    region_code = django_filters.CharFilter(method="filter_region", label="区划代码（含下级）")
    date_from = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__gte", label="起始日期"
    )
    date_to = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__lte", label="截止日期"
    )
    reversal = django_filters.BooleanFilter(
        field_name="reverses", lookup_expr="isnull", exclude=True, label="冲销记录"
    )

    class Meta:
        model = ScoreEntry
        fields = [
            "q",
            "trigger",
            "source_kind",
            "unit",
            "reported_by",
            "incident",
            "rule",
            "region_code",
            "date_from",
            "date_to",
            "reversal",
        ]

    def filter_region(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(region__path__contains=f"/{value}/")


class NoticeFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Period.choices)
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices)

    class Meta:
        model = Notice
        fields = ["kind", "status", "year", "number"]
