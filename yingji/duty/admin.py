from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import DutyLogEntry


@admin.register(DutyLogEntry)
class DutyLogEntryAdmin(RestrictedAdmin):
    list_display = ["at", "kind", "caller", "summary", "incident", "region", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["summary", "caller"]
    raw_id_fields = ["incident", "recorded_by", "owner_unit", "region"]
