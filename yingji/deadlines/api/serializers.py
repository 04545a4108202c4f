from __future__ import annotations

from typing import Any

from rest_framework import serializers

from yingji.accounts.models import Unit
from yingji.core.api.fields import RestrictedPrimaryKeyRelatedField
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.geo.models import Region
from yingji.incidents.models import Attachment, Incident

from ..choices import MANUAL_KINDS
from ..models import Deadline, DeadlineRule, Finding


class DeadlineRuleSerializer(ValidatedModelSerializer):
    region = RestrictedPrimaryKeyRelatedField(queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    times_of_day = serializers.ListField(
        child=serializers.CharField(max_length=5), required=False, max_length=24
    )
    minutes = serializers.IntegerField(
        min_value=0, max_value=60 * 24 * 30, allow_null=True, required=False
    )
    requirement_display = serializers.CharField(source="get_requirement_display", read_only=True)
    anchor_display = serializers.CharField(source="get_anchor_display", read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    confidence_display = serializers.CharField(source="get_confidence_display", read_only=True)
    limit_text = serializers.CharField(read_only=True)

    class Meta:
        model = DeadlineRule
        fields = [
            "id",
            "key",
            "name",
            "region",
            "region_name",
            "severity",
            "severity_display",
            "requirement",
            "requirement_display",
            "anchor",
            "anchor_display",
            "minutes",
            "times_of_day",
            "limit_text",
            "source",
            "confidence",
            "confidence_display",
            "confidence_note",
            "active",
            "valid_from",
            "valid_to",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["key", "created_at", "updated_at"]


class DeadlineSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    incident_number = serializers.CharField(source="incident.number", read_only=True)
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    responsible_unit_name = serializers.CharField(
        source="responsible_unit.name", read_only=True, default=""
    )

    class Meta:
        model = Deadline
        fields = [
            "id",
            "incident",
            "incident_number",
            "incident_title",
            "kind",
            "kind_display",
            "sequence",
            "label",
            "responsible_unit",
            "responsible_unit_name",
            "rule",
            "basis",
            "anchor_at",
            "due_at",
            "status",
            "status_display",
            "met_at",
            "fulfilled_by",
            "late_minutes",
            "reminded_at",
            "late_marked_at",
            "waived_reason",
        ]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    """Read shape of a finding; ``create`` is for 瞒报/谎报 only (``finding_record``)."""

    incident = RestrictedPrimaryKeyRelatedField(queryset=Incident.objects.all())
    unit = RestrictedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), allow_null=True, required=False
    )
    evidence_attachment = RestrictedPrimaryKeyRelatedField(
        queryset=Attachment.objects.all(), allow_null=True, required=False
    )
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in MANUAL_KINDS])
    reasons = serializers.CharField(max_length=4000, allow_blank=False, trim_whitespace=True)
    evidence = serializers.CharField(max_length=4000, allow_blank=True, required=False)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    incident_number = serializers.CharField(source="incident.number", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    reviewer_name = serializers.CharField(source="reviewer.__str__", read_only=True, default="")

    class Meta:
        model = Finding
        fields = [
            "id",
            "incident",
            "incident_number",
            "unit",
            "unit_name",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "deadline",
            "reasons",
            "evidence",
            "evidence_attachment",
            "created_by",
            "reviewer",
            "reviewer_name",
            "decided_at",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "deadline",
            "created_by",
            "reviewer",
            "decided_at",
            "created_at",
        ]
        # The model's unique constraints concern platform-made 迟报/漏报 only; the service
        # enforces them. Without this DRF would make ``unit`` required.
        validators: list = []

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["kind"] = instance.kind  # every kind is shown, only two can be created
        return data


class DecisionSerializer(serializers.Serializer):
    reasons = serializers.CharField(max_length=4000, allow_blank=False, trim_whitespace=True)
