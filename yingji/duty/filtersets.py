"""Filters of the duty log, shared by the API and the page."""

from __future__ import annotations

import django_filters

from .choices import EntryKind
from .models import DutyLogEntry


class DutyLogEntryFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=EntryKind.choices)
    day = django_filters.DateFilter(field_name="at", lookup_expr="date", label="日期")
    after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", label="时间起")
    before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", label="时间止")
    q = django_filters.CharFilter(field_name="summary", lookup_expr="icontains", label="内容")

    class Meta:
        model = DutyLogEntry
        fields = ["incident", "region"]
