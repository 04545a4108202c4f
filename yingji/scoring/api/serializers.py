from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.geo.models import Region
from yingji.incidents.models import Report
from yingji.scoring import services
from yingji.scoring.choices import Period
from yingji.scoring.models import Notice, ScoreEntry, ScoringRule


class ScoringRuleSerializer(ValidatedModelSerializer):
    region = RestrictedPrimaryKeyRelatedField(
        queryset=Region.objects.all(), allow_null=True, required=False
    )
    region_name = serializers.CharField(source="region.name", read_only=True, default="")
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    applies_to_display = serializers.CharField(source="get_applies_to_display", read_only=True)
    severity_multipliers = serializers.JSONField(required=False)

    class Meta:
        model = ScoringRule
        fields = [
            "id",
            "name",
            "trigger",
            "trigger_display",
            "points",
            "applies_to",
            "applies_to_display",
            "severity_multipliers",
            "region",
            "region_name",
            "valid_from",
            "valid_to",
            "source",
            "is_default",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_default", "created_at", "updated_at"]

    def create(self, validated_data: dict[str, Any]) -> ScoringRule:
        return services.rule_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance: ScoringRule, validated_data: dict[str, Any]) -> ScoringRule:
        return services.rule_update(
            actor=self.context["request"].user, rule=instance, **validated_data
        )


class ScoreEntrySerializer(serializers.ModelSerializer):
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    region_name = serializers.CharField(source="region.name", read_only=True)
    reported_by_name = serializers.CharField(source="reported_by", read_only=True, default="")
    incident_title = serializers.CharField(source="incident.title", read_only=True, default="")
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    is_reversal = serializers.BooleanField(read_only=True)

    class Meta:
        model = ScoreEntry
        fields = [
            "id",
            "rule",
            "rule_name",
            "trigger",
            "trigger_display",
            "unit",
            "unit_name",
            "region",
            "region_name",
            "reported_by",
            "reported_by_name",
            "counts_for_unit",
            "counts_for_officer",
            "incident",
            "incident_title",
            "report",
            "source_kind",
            "source_id",
            "generation",
            "reverses",
            "is_reversal",
            "severity",
            "base_points",
            "multiplier",
            "points",
            "occurred_at",
            "late_minutes",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class QualityBonusSerializer(serializers.Serializer):
    report = RestrictedPrimaryKeyRelatedField(queryset=Report.objects.select_related("incident"))
    reason = serializers.CharField(max_length=500)


class NoticeSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    generated_by_name = serializers.CharField(source="generated_by", read_only=True, default="")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "title",
            "kind",
            "kind_display",
            "year",
            "number",
            "status",
            "status_display",
            "issued_by",
            "region",
            "generated_at",
            "generated_by",
            "generated_by_name",
            "issued_at",
            "summary",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: Notice) -> str:
        return reverse("api:scoring-notice-download", args=[obj.pk])


class NoticeCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Period.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    number = serializers.IntegerField(min_value=0, max_value=12, required=False, default=0)
    issued_by = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    points = serializers.DecimalField(max_digits=10, decimal_places=1)
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missed = serializers.IntegerField()
    concealed_false = serializers.IntegerField()
    complete = serializers.IntegerField()
    final = serializers.IntegerField()
