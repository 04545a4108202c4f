"""Serializers of the incident API: thin shapes; every rule is in ``services``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from rest_framework import serializers

from yingji.accounts.models import Unit
from yingji.core.api.fields import (
    RestrictedPrimaryKeyRelatedField,
    RestrictedSlugRelatedField,
    SlugRelatedField,
)
from yingji.core.api.serializers import ValidatedModelSerializer
from yingji.geo.choices import CoordinateSystem
from yingji.geo.models import Region

from .. import services
from ..choices import (
    AttachmentKind,
    IncidentStatus,
    ReportKind,
    ReportMode,
    Severity,
    SourceChannel,
)
from ..models import Attachment, Event, Incident, IncidentLog, IncidentType, Notification, Report


class StrictCharField(serializers.CharField):
    """A text field that refuses numbers, booleans and objects instead of stringifying them."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


def _text(max_length: int, **kwargs: Any) -> StrictCharField:
    return StrictCharField(
        max_length=max_length, required=False, allow_blank=True, trim_whitespace=True, **kwargs
    )


def _count() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, max_value=services.MAX_COUNT, required=False, allow_null=True
    )


def _loss() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class ChoiceLabelField(serializers.CharField):
    """A choice's label, read-only: what ``get_FOO_display()`` gives, without building a
    dict of every choice (translating each label) and inspecting the method per call —
    half of the intake answer's serialisation."""

    def __init__(self, choices: type[models.Choices], **kwargs: Any) -> None:
        self.choices = choices
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        try:
            return str(self.choices(value).label)
        except ValueError:  # not one of the choices: shown as stored, like get_FOO_display
            return str(value)


# --- reading ----------------------------------------------------------------------------------------
class IncidentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    incident_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    incident_type_name = serializers.CharField(source="incident_type.name", read_only=True)
    severity_display = ChoiceLabelField(Severity, source="severity")
    status_display = ChoiceLabelField(IncidentStatus, source="status")
    source_channel_display = ChoiceLabelField(SourceChannel, source="source_channel")
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True, default="")
    is_open = serializers.BooleanField(read_only=True)
    needs_scene_liaison = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "title",
            "incident_type",
            "incident_type_name",
            "severity",
            "severity_display",
            "status",
            "status_display",
            "is_open",
            "occurred_at",
            "received_at",
            "closed_at",
            "description",
            "lon",
            "lat",
            "address",
            "region",
            "region_code",
            "region_name",
            "owner_unit",
            "owner_unit_name",
            "deaths",
            "injuries",
            "serious_injuries",
            "missing",
            "trapped",
            "direct_loss",
            "source_channel",
            "source_channel_display",
            "reporting_unit",
            "reporter_name",
            "reporter_phone",
            "event",
            "merged_into",
            "is_sensitive",
            "scene_contact_name",
            "scene_contact_phone",
            "needs_scene_liaison",
            "escalated_at",
            "late_report_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_needs_scene_liaison(self, obj: Incident) -> bool:
        return bool(
            obj.severity <= services.ESCALATION_LEVEL
            and obj.is_open
            and not (obj.scene_contact_name and obj.scene_contact_phone)
        )


class ReportSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    mode_display = serializers.CharField(source="get_mode_display", read_only=True)
    incident_number = serializers.CharField(source="incident.number", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")

    class Meta:
        model = Report
        fields = [
            "id",
            "incident",
            "incident_number",
            "kind",
            "kind_display",
            "sequence",
            "label",
            "mode",
            "mode_display",
            "unit",
            "unit_name",
            "submitted_by",
            "submitted_at",
            *services.REPORT_TEXT_LIMITS,
            *services.COUNT_FIELDS,
            "direct_loss",
            "signed_off_by",
            "signed_off_at",
            "created_at",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "incident",
            "report",
            "kind",
            "kind_display",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "lon",
            "lat",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: Attachment) -> str:
        return reverse("api:attachment-download", args=[obj.pk])


class IncidentLogSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentLog
        fields = ["id", "at", "action", "message", "actor", "actor_name"]
        read_only_fields = fields

    def get_actor_name(self, obj: IncidentLog) -> str:
        return str(obj.actor) if obj.actor else ""


class NotificationSerializer(serializers.ModelSerializer):
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    incident_number = serializers.CharField(source="incident.number", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "incident",
            "incident_number",
            "incident_title",
            "kind",
            "message",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields


class IncidentTypeSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    has_children = serializers.SerializerMethodField()

    class Meta:
        model = IncidentType
        fields = ["id", "code", "name", "parent", "depth", "is_doubtful", "note", "has_children"]
        read_only_fields = fields

    def get_has_children(self, obj: IncidentType) -> bool:
        return obj.depth < 3 and obj.children.exists()


# --- writing (input shapes; the services decide) -----------------------------------------------------
class ReportContentMixin(serializers.Serializer):
    source_info = _text(200)
    nature = _text(200)
    scope_of_impact = _text(20_000)
    trend = _text(20_000)
    leaders_on_scene = _text(20_000)
    measures_taken = _text(20_000)
    requests = _text(20_000)
    scene_contact_title = _text(64)


class IncidentCreateSerializer(ReportContentMixin):
    """Intake: the incident and its 首报 (also the push endpoint of other platforms)."""

    title = StrictCharField(max_length=200)
    incident_type = SlugRelatedField(
        slug_field="code", queryset=IncidentType.objects.filter(is_active=True)
    )
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    occurred_at = serializers.DateTimeField()
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    source_crs = serializers.ChoiceField(choices=CoordinateSystem.choices, required=False)
    address = _text(255)
    region = RestrictedSlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    description = _text(20_000)
    deaths = _count()
    injuries = _count()
    serious_injuries = _count()
    missing = _count()
    trapped = _count()
    direct_loss = _loss()
    source_channel = serializers.ChoiceField(
        choices=SourceChannel.choices, required=False, allow_null=True
    )
    reporting_unit = RestrictedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    reporter_name = _text(64)
    reporter_phone = _text(32)
    event = RestrictedPrimaryKeyRelatedField(
        queryset=Event.objects.all(), required=False, allow_null=True
    )
    is_sensitive = serializers.BooleanField(required=False)
    scene_contact_name = _text(64)
    scene_contact_phone = _text(32)
    late_report_reason = _text(2_000)
    mode = serializers.ChoiceField(choices=ReportMode.choices, required=False)
    idempotency_key = StrictCharField(max_length=64, required=False, allow_blank=True)


class IncidentUpdateSerializer(serializers.ModelSerializer):
    """Descriptive fields only; status, severity, region… have their own actions."""

    title = StrictCharField(max_length=200, required=False)
    description = _text(20_000)
    address = _text(255)
    reporter_name = _text(64)
    reporter_phone = _text(32)
    late_report_reason = _text(2_000)

    class Meta:
        model = Incident
        fields = list(services.DESCRIPTIVE_FIELDS)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        extra = sorted(set(getattr(self, "initial_data", {}) or {}) - set(self.fields))
        if extra:
            raise serializers.ValidationError(
                {name: ["不能在这里修改，请使用对应的操作。"] for name in extra}
            )
        return attrs

    def update(self, instance: Incident, validated_data: dict[str, Any]) -> Incident:
        return services.incident_update(
            actor=self.context["request"].user, incident=instance, data=validated_data
        )


class ReportSubmitSerializer(ReportContentMixin):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    mode = serializers.ChoiceField(choices=ReportMode.choices, required=False)
    sequence = serializers.IntegerField(min_value=1, max_value=999, required=False, allow_null=True)
    unit = RestrictedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    location_text = _text(255)
    body = _text(50_000)
    scene_contact_name = _text(64)
    scene_contact_phone = _text(32)
    deaths = _count()
    injuries = _count()
    serious_injuries = _count()
    missing = _count()
    trapped = _count()
    direct_loss = _loss()
    idempotency_key = StrictCharField(max_length=64, required=False, allow_blank=True)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    reason = _text(2_000)


class SeveritySerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    reason = StrictCharField(max_length=2_000)


class MergeSerializer(serializers.Serializer):
    target = RestrictedPrimaryKeyRelatedField(queryset=Incident.objects.all())
    reason = _text(2_000)


class SignOffSerializer(serializers.Serializer):
    report = RestrictedPrimaryKeyRelatedField(queryset=Report.objects.all())
    name = StrictCharField(max_length=64)
    at = serializers.DateTimeField(required=False, allow_null=True)


class SceneLiaisonSerializer(serializers.Serializer):
    name = StrictCharField(max_length=64)
    phone = StrictCharField(max_length=32)


class AssignEventSerializer(serializers.Serializer):
    event = RestrictedPrimaryKeyRelatedField(queryset=Event.objects.all(), allow_null=True)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, use_url=False)
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, required=False)
    report = RestrictedPrimaryKeyRelatedField(
        queryset=Report.objects.all(), required=False, allow_null=True
    )
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)


class EventSerializer(ValidatedModelSerializer):
    region = RestrictedPrimaryKeyRelatedField(queryset=Region.objects.all())
    owner_unit = RestrictedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    incident_type = SlugRelatedField(
        slug_field="code", queryset=IncidentType.objects.all(), required=False, allow_null=True
    )
    name = StrictCharField(max_length=128)
    description = _text(20_000)
    region_name = serializers.CharField(source="region.name", read_only=True)
    incident_count = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "name",
            "incident_type",
            "region",
            "region_name",
            "owner_unit",
            "started_at",
            "ended_at",
            "description",
            "incident_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_incident_count(self, obj: Event) -> int:
        return int(obj.incidents.count())

    def create(self, validated_data: dict[str, Any]) -> Event:
        return services.event_create(actor=self.context["request"].user, data=validated_data)

    def update(self, instance: Event, validated_data: dict[str, Any]) -> Event:
        return services.event_update(
            actor=self.context["request"].user, event=instance, data=validated_data
        )
