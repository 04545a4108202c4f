from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import RegistryFilterSet

from .choices import TargetKind
from .codes import target_code_choices
from .models import ProtectionTarget


class ProtectionTargetFilterSet(RegistryFilterSet):
    search_fields = ("name", "address", "contact_name")

    kind = django_filters.ChoiceFilter(choices=TargetKind.choices, label=_("目标类型"))
    code = django_filters.ChoiceFilter(choices=target_code_choices, label=_("防护目标代码"))
    code_prefix = django_filters.CharFilter(
        field_name="code", lookup_expr="startswith", label=_("代码前缀（如 31B）")
    )
    min_population = django_filters.NumberFilter(
        field_name="population", lookup_expr="gte", label=_("人数不少于")
    )

    class Meta:
        model = ProtectionTarget
        fields = ["q", "kind", "code", "code_prefix", "min_population", "region_code"]
