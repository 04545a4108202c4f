"""Filters shared by the reporters API and pages."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from yingji.accounts.choices import UtilitySector

from .choices import OfficerPost, RosterStatus
from .models import DirectReportPoint, InformationOfficer, OfficerTraining, RosterFiling


class StrictNullBooleanField(forms.NullBooleanField):
    """A yes/no/any filter that refuses what it does not understand (``?active=maybe``
    is a 400, not a silently ignored filter)."""

    widget = forms.TextInput
    TRUE = {"true", "1", "yes", "on", "True"}
    FALSE = {"false", "0", "no", "off", "False"}

    def to_python(self, value):  # type: ignore[no-untyped-def]
        if value in (None, "", "unknown"):
            return None
        if value is True or value is False:
            return value
        if str(value) in self.TRUE:
            return True
        if str(value) in self.FALSE:
            return False
        raise ValidationError(_("请填写 true 或 false。"), code="invalid")

    def validate(self, value):  # type: ignore[no-untyped-def]
        return None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


def within_region(queryset, name, value):  # type: ignore[no-untyped-def]
    """The records of the region with code ``value`` and every region below it."""
    return queryset.filter(region__path__contains=f"/{value.strip()}/")


class InformationOfficerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("姓名、电话或负责区域"))
    region_code = django_filters.CharFilter(method=within_region, label=_("区划代码（含下级）"))
    post = django_filters.MultipleChoiceFilter(choices=OfficerPost.choices, label=_("身份/岗位"))
    is_active = StrictBooleanFilter(label=_("在岗"))
    active = StrictBooleanFilter(field_name="is_active", label=_("在岗"))
    trained = StrictBooleanFilter(method="filter_trained", label=_("已培训合格"))
    has_account = StrictBooleanFilter(
        field_name="user", lookup_expr="isnull", exclude=True, label=_("有平台账号")
    )

    class Meta:
        model = InformationOfficer
        fields = ["q", "region_code", "post", "is_active", "is_synthetic"]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(
            Q(name__icontains=value) | Q(phone__contains=value) | Q(area_covered__icontains=value)
        )

    def filter_trained(self, queryset, name, value):  # type: ignore[no-untyped-def]
        passed = Exists(OfficerTraining.objects.filter(officer=OuterRef("pk"), passed=True))
        return queryset.filter(passed) if value else queryset.exclude(passed)


class RosterFilingFilterSet(django_filters.FilterSet):
    region_code = django_filters.CharFilter(method=within_region, label=_("区划代码（含下级）"))
    status = django_filters.MultipleChoiceFilter(choices=RosterStatus.choices)

    class Meta:
        model = RosterFiling
        fields = ["region_code", "status", "region"]


class DirectReportPointFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("名称、联系人或设施"))
    region_code = django_filters.CharFilter(method=within_region, label=_("区划代码（含下级）"))
    sector = django_filters.MultipleChoiceFilter(
        field_name="unit__sector",
        choices=[c for c in UtilitySector.choices if c[0]],
        label=_("行业"),
    )
    is_active = StrictBooleanFilter(label=_("启用"))

    class Meta:
        model = DirectReportPoint
        fields = ["q", "region_code", "sector", "is_active"]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(
            Q(unit__name__icontains=value)
            | Q(unit__short_name__icontains=value)
            | Q(contact_name__icontains=value)
            | Q(facilities__icontains=value)
        )
