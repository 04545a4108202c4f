import django_filters

from .choices import RegionLevel
from .models import Region


class RegionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称或代码")
    level = django_filters.MultipleChoiceFilter(choices=RegionLevel.choices)
    parent = django_filters.ModelChoiceFilter(queryset=Region.objects.all())
    parent_code = django_filters.CharFilter(field_name="parent__code")
    within = django_filters.CharFilter(method="filter_within", label="所属上级区划代码（含下级）")

    class Meta:
        model = Region
        fields = ["q", "level", "parent", "parent_code", "is_synthetic"]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_within(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(path__contains=f"/{value}/")
