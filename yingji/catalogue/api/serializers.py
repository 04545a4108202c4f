from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from yingji.geo.choices import CoordinateSystem

from ..models import ImportJob, ImportMode
from ..services import read_progress


class ImportJobSerializer(serializers.ModelSerializer):
    registry_title = serializers.CharField(read_only=True)
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    created_by_name = serializers.CharField(source="created_by.__str__", read_only=True)
    finished = serializers.BooleanField(read_only=True)
    progress = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "registry",
            "registry_title",
            "original_name",
            "mode",
            "mode_label",
            "update_existing",
            "crs",
            "status",
            "status_label",
            "finished",
            "progress",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "fault_rows",
            "fault_count",
            "message",
            "report_url",
            "page_url",
            "created_by",
            "created_by_name",
            "created_at",
            "started_at",
            "finished_at",
            "seconds",
        ]
        read_only_fields = fields

    def get_progress(self, job: ImportJob) -> dict[str, Any]:
        return read_progress(job)

    def get_report_url(self, job: ImportJob) -> str:
        return reverse("api:importjob-faults", args=[job.pk]) if job.report else ""

    def get_page_url(self, job: ImportJob) -> str:
        return reverse("catalogue:import_detail", args=[job.pk])


class ImportJobDetailSerializer(ImportJobSerializer):
    faults = serializers.JSONField(read_only=True)

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "faults"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=_("普查文件（.xlsx 或 .csv）"))
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    update_existing = serializers.BooleanField(default=False)
    crs = serializers.ChoiceField(choices=CoordinateSystem.choices, default=CoordinateSystem.WGS84)


class CensusColumnSerializer(serializers.Serializer):
    header = serializers.CharField()
    field = serializers.CharField()
    kind = serializers.CharField()
    required = serializers.BooleanField()
    help = serializers.CharField()
    example = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
