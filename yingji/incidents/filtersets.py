"""Filters of incident lists, shared by the API, the pages and the admin."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from .choices import OPEN_STATUSES, IncidentStatus, ReportKind, ReportMode, Severity, SourceChannel
from .models import Attachment, Event, Incident, IncidentType, Notification, Report
from .selectors import type_code_prefix


def _region_filter(lookup: str) -> Any:
    def method(self: Any, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{f"{lookup}__contains": f"/{value.strip()}/"})

    return method


class IncidentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="标题、概况或地址")
    # distinct=False: these are columns of the incident itself (no join can repeat a row).
    # django-filter's default DISTINCT made SQLite sort whole rows, region outlines
    # included: the board filtered by status, 1,010,000 incidents, 248 ms of queries.
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices, distinct=False)
    open = django_filters.BooleanFilter(method="filter_open", label="未结束")
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, distinct=False)
    severity_at_least = django_filters.TypedChoiceFilter(
        choices=Severity.choices,
        coerce=int,
        method="filter_severity_at_least",
        label="级别不低于（1 特别重大 … 4 一般）",
    )
    type = django_filters.CharFilter(method="filter_type", label="事件类型代码（含下级，如 11B）")
    region_code = django_filters.CharFilter(method="filter_region", label="区划代码（含下级）")
    received_after = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label="接报日期起"
    )
    received_before = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label="接报日期止"
    )
    source_channel = django_filters.MultipleChoiceFilter(
        choices=SourceChannel.choices, distinct=False
    )
    is_sensitive = django_filters.BooleanFilter()

    class Meta:
        model = Incident
        fields = ["event", "region", "owner_unit", "merged_into"]

    filter_region = _region_filter("region__path")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(address__icontains=value)
        )

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    def filter_severity_at_least(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(severity__lte=value)

    def filter_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(incident_type__code__startswith=type_code_prefix(value))


class ReportFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=ReportKind.choices)
    mode = django_filters.ChoiceFilter(choices=ReportMode.choices)
    submitted_after = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label="报告日期起"
    )
    submitted_before = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label="报告日期止"
    )
    region_code = django_filters.CharFilter(method="filter_region", label="区划代码（含下级）")
    signed = django_filters.BooleanFilter(
        field_name="signed_off_at", lookup_expr="isnull", exclude=True, label="已签发"
    )

    class Meta:
        model = Report
        fields = ["incident", "unit"]

    filter_region = _region_filter("incident__region__path")


class AttachmentFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=Attachment._meta.get_field("kind").choices)

    class Meta:
        model = Attachment
        fields = ["incident", "report"]


class EventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="名称")
    region_code = django_filters.CharFilter(method="filter_region", label="区划代码（含下级）")
    ongoing = django_filters.BooleanFilter(
        field_name="ended_at", lookup_expr="isnull", label="进行中"
    )

    class Meta:
        model = Event
        fields = ["incident_type", "region"]

    filter_region = _region_filter("region__path")


class IncidentTypeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="代码或名称")
    parent = django_filters.CharFilter(
        method="filter_parent", label="上级代码（空为顶层，如 11000、11B00）"
    )
    depth = django_filters.NumberFilter()

    class Meta:
        model = IncidentType
        fields = ["is_doubtful", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(code__istartswith=value) | Q(name__icontains=value))

    def filter_parent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if value in ("", "root", "null"):
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent__code=value.upper())


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="未读")

    class Meta:
        model = Notification
        fields = ["incident", "kind"]
