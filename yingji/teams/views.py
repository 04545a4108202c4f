"""Pages of the rescue teams (S13): list with filters, sort, export; detail with map."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import Column, RegistryPages

from .filtersets import TeamFilterSet
from .models import Team


def _team_context(request: HttpRequest, team: Team) -> dict[str, Any]:
    return {
        "equipment": team.equipment.restrict(request.user, "view"),
        "members": team.members.restrict(request.user, "view").order_by("-is_active", "name"),
        "capabilities": team.capabilities.order_by("code"),
    }


TEAM_PAGES = RegistryPages(
    model=Team,
    namespace="teams",
    slug="team",
    title=_("应急队伍"),
    intro=_(
        "专业、基层综合、企业专职、社会和志愿者救援队伍：驻地、人数、战备状态和可处置的事件类型。"
    ),
    filterset_class=TeamFilterSet,
    columns=(
        Column("name"),
        Column("kind"),
        Column("sector"),
        Column("region__name", _("所属区划"), sort=False),
        Column("head_count"),
        Column("readiness"),
        Column("duty_phone", sort=False),
        Column("owner_unit__name", _("责任单位"), sort=False),
    ),
    detail_fields=(
        "kind",
        "sector",
        "code",
        "region",
        "owner_unit",
        "address",
        "head_count",
        "leader_name",
        "leader_phone",
        "duty_phone",
        "readiness",
        "equipment_text",
        "note",
        "last_reviewed_at",
    ),
    prefetch_related=(),
    detail_template="teams/team_detail.html",
    detail_context=_team_context,
)
