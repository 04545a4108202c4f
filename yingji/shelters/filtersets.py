from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import RegistryFilterSet

from .choices import ShelterKind, ShelterStatus
from .models import Shelter


class ShelterFilterSet(RegistryFilterSet):
    search_fields = ("name", "address", "manager_name")

    kind = django_filters.ChoiceFilter(choices=ShelterKind.choices, label=_("场所类型"))
    status = django_filters.ChoiceFilter(choices=ShelterStatus.choices, label=_("状态"))
    min_capacity = django_filters.NumberFilter(
        field_name="capacity", lookup_expr="gte", label=_("容纳人数不少于")
    )

    class Meta:
        model = Shelter
        fields = [
            "q",
            "kind",
            "status",
            "min_capacity",
            "has_water",
            "has_power",
            "has_medical",
            "region_code",
        ]
