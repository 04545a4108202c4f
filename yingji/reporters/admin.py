from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import DirectReportPoint, InformationOfficer, OfficerTraining, RosterFiling


class OfficerTrainingInline(admin.TabularInline):
    model = OfficerTraining
    extra = 0


@admin.register(InformationOfficer)
class InformationOfficerAdmin(RestrictedAdmin):
    list_display = ["name", "phone", "post", "region", "unit", "is_active", "is_synthetic"]
    list_filter = ["post", "is_active", "is_synthetic"]
    search_fields = ["name", "phone", "area_covered"]
    raw_id_fields = ["region", "owner_unit", "unit", "user"]
    inlines = [OfficerTrainingInline]


@admin.register(RosterFiling)
class RosterFilingAdmin(RestrictedAdmin):
    list_display = ["region", "filed_at", "officer_count", "active_count", "status"]
    list_filter = ["status"]
    raw_id_fields = ["region", "owner_unit", "filed_by", "reviewed_by"]
    readonly_fields = ["snapshot"]


@admin.register(DirectReportPoint)
class DirectReportPointAdmin(RestrictedAdmin):
    list_display = ["unit", "region", "contact_name", "phone_24h", "is_active"]
    list_filter = ["is_active", "unit__sector"]
    search_fields = ["unit__name", "contact_name", "facilities"]
    raw_id_fields = ["region", "owner_unit", "unit"]
