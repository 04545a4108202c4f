from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import RegistryFilterSet, filter_incident_type

from .choices import Readiness, Sector, TeamCode, TeamKind
from .models import Team, TeamMember


class TeamFilterSet(RegistryFilterSet):
    search_fields = ("name", "leader_name", "address", "equipment_text")

    kind = django_filters.ChoiceFilter(choices=TeamKind.choices, label=_("队伍类型"))
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label=_("行业领域"))
    readiness = django_filters.ChoiceFilter(choices=Readiness.choices, label=_("战备状态"))
    code = django_filters.ChoiceFilter(choices=TeamCode.choices, label=_("资源分类代码"))
    capability = django_filters.CharFilter(
        method="filter_capability", label=_("可处置事件类型代码")
    )

    class Meta:
        model = Team
        fields = ["q", "kind", "sector", "readiness", "code", "capability", "region_code"]

    def filter_capability(self, queryset: Any, name: str, value: str) -> Any:
        return filter_incident_type(queryset, "capabilities", value)


class TeamMemberFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("姓名"))

    class Meta:
        model = TeamMember
        fields = ["q", "team", "is_active"]
