"""Admin for the incident pipeline: read and correct, scoped by region.

Incidents and reports are created through the services (API, pages), never here: the
admin has no "add" for them, and status, severity and the chain are read-only so that
every change of state goes through its service and lands on the timeline.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yingji.core.admin import RestrictedAdmin

from .models import Attachment, Event, Incident, IncidentLog, IncidentType, Notification, Report


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReportInline(ReadOnlyInline):
    model = Report
    fields = ["kind", "sequence", "mode", "submitted_at", "unit", "signed_off_by"]
    readonly_fields = fields


class LogInline(ReadOnlyInline):
    model = IncidentLog
    fields = ["at", "action", "message", "actor"]
    readonly_fields = fields


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "depth", "is_doubtful", "is_active"]
    list_filter = ["depth", "is_doubtful", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Event)
class EventAdmin(RestrictedAdmin):
    list_display = ["name", "incident_type", "region", "started_at", "ended_at"]
    search_fields = ["name"]
    raw_id_fields = ["region", "owner_unit", "incident_type"]
    date_hierarchy = "started_at"


@admin.register(Incident)
class IncidentAdmin(RestrictedAdmin):
    list_display = [
        "title",
        "incident_type",
        "severity",
        "status",
        "region",
        "received_at",
        "deaths",
        "source_channel",
    ]
    list_filter = ["status", "severity", "source_channel", "is_sensitive"]
    search_fields = ["title", "address", "description"]
    date_hierarchy = "received_at"
    raw_id_fields = ["region", "owner_unit", "reporting_unit", "event", "merged_into"]
    readonly_fields = [
        "status",
        "severity",
        "region",
        "received_at",
        "closed_at",
        "escalated_at",
        "merged_into",
        "created_by",
        "idempotency_key",
        "h3_cell",
    ]
    inlines = [ReportInline, LogInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(RestrictedAdmin):
    list_display = ["__str__", "kind", "mode", "submitted_at", "unit", "signed_off_by"]
    list_filter = ["kind", "mode"]
    search_fields = ["body", "incident__title"]
    raw_id_fields = ["incident", "unit", "submitted_by"]
    readonly_fields = ["incident", "kind", "sequence", "mode", "submitted_at", "idempotency_key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(RestrictedAdmin):
    list_display = ["original_name", "incident", "kind", "content_type", "size", "created_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "sha256"]
    raw_id_fields = ["incident", "report", "uploaded_by"]
    readonly_fields = ["file", "content_type", "size", "sha256", "kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # uploads are checked by attachment_add (content, size)


@admin.register(IncidentLog)
class IncidentLogAdmin(RestrictedAdmin):
    list_display = ["at", "incident", "action", "message", "actor"]
    list_filter = ["action"]
    search_fields = ["message", "incident__title"]
    raw_id_fields = ["incident", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "incident", "kind", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "incident"]
