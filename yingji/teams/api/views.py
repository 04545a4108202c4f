from __future__ import annotations

from yingji.core.registry import RegistryViewSet, ReviewActionMixin
from yingji.teams.filtersets import TeamFilterSet, TeamMemberFilterSet
from yingji.teams.models import Team, TeamMember
from yingji.teams.services import (
    team_create,
    team_member_add,
    team_member_update,
    team_update,
)

from .serializers import TeamMemberSerializer, TeamSerializer


class TeamViewSet(ReviewActionMixin, RegistryViewSet):
    """Rescue teams (S13). ``?capability=11A02`` finds the teams for 城市内涝."""

    queryset = Team.objects.select_related("region", "owner_unit").prefetch_related(
        "capabilities", "equipment"
    )
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet
    search_fields = ["name", "leader_name", "address"]
    ordering_fields = ["name", "kind", "head_count", "readiness", "updated_at"]
    export_fields = list(Team.export_fields)
    export_title = "应急队伍"
    create_service = team_create
    update_service = team_update


class TeamMemberViewSet(RegistryViewSet):
    """Members of the teams."""

    queryset = TeamMember.objects.select_related("team")
    serializer_class = TeamMemberSerializer
    filterset_class = TeamMemberFilterSet
    search_fields = ["name", "skills"]
    ordering_fields = ["name", "team"]
    export_fields = ["team", "name", "role", "phone", "skills", "certificate", "is_active"]
    export_title = "队员"
    create_service = team_member_add
    update_service = team_member_update
