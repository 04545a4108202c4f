import django_filters
from django.db.models import Q

from .choices import Role, UnitKind, UtilitySector
from .models import Unit, User


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称")
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices)
    sector = django_filters.ChoiceFilter(choices=UtilitySector.choices)
    region_code = django_filters.CharFilter(method="filter_region", label="区划代码（含下级）")

    class Meta:
        model = Unit
        fields = ["q", "kind", "sector", "region", "parent", "is_active"]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value))

    def filter_region(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(region__path__contains=f"/{value}/")


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="姓名或账号")
    role = django_filters.MultipleChoiceFilter(choices=Role.choices)

    class Meta:
        model = User
        fields = ["q", "role", "unit", "is_active"]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))
