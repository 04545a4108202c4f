"""Pages of the rescue teams (S13): list with filters, sort, export; detail with map."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import Column, RegistryPages, registry_mark_reviewed
from yingji.core.registry_forms import FormTarget, RecordForm, create_url

from .filtersets import TeamFilterSet
from .models import Team, TeamMember
from .services import team_create, team_member_add, team_member_update, team_update

MEMBER_FORM = FormTarget(
    TeamMember,
    "teams",
    "member",
    RecordForm(
        fields=("name", "role", "phone", "skills", "certificate", "is_active"),
        create=team_member_add,
        update=team_member_update,
        parent="team",
        parent_detail="teams:team_detail",
        title=_("队员"),
    ),
)


def _team_context(request: HttpRequest, team: Team) -> dict[str, Any]:
    return {
        "member_create_url": create_url(request, MEMBER_FORM, parent=team),
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
    form=RecordForm(
        fields=(
            "name",
            "kind",
            "sector",
            "code",
            "head_count",
            "readiness",
            "leader_name",
            "leader_phone",
            "duty_phone",
            "capabilities",
            "equipment",
            "equipment_text",
            "note",
            "owner_unit",
            "review_interval_days",
            "address",
        ),
        create=team_create,
        update=team_update,
        review=registry_mark_reviewed,
        title=_("队伍"),
    ),
)
