from __future__ import annotations

from rest_framework import serializers

from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField, SlugRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.core.registry import LocatedRegistrySerializer
from yingji.equipment.models import Equipment
from yingji.incidents.models import IncidentType
from yingji.teams.models import Team, TeamMember


class TeamSerializer(LocatedRegistrySerializer):
    capabilities = SlugRelatedField(
        slug_field="code", many=True, queryset=IncidentType.objects.all(), required=False
    )
    equipment = RestrictedPrimaryKeyRelatedField(
        queryset=Equipment.objects.all(), many=True, required=False
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    readiness_display = serializers.CharField(source="get_readiness_display", read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "sector",
            "code",
            "region",
            "region_name",
            "owner_unit",
            "owner_unit_name",
            *LocatedRegistrySerializer.POINT_FIELDS,
            "head_count",
            "leader_name",
            "leader_phone",
            "duty_phone",
            "readiness",
            "readiness_display",
            "capabilities",
            "equipment",
            "equipment_text",
            "note",
            "last_reviewed_at",
            "review_interval_days",
            "next_review_due",
            "is_synthetic",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at", "is_synthetic", "last_reviewed_at"]


class TeamMemberSerializer(ValidatedModelSerializer):
    team = RestrictedPrimaryKeyRelatedField(queryset=Team.objects.all())
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = TeamMember
        fields = [
            "id",
            "team",
            "team_name",
            "name",
            "role",
            "phone",
            "skills",
            "certificate",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
