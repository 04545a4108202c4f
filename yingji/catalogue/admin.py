from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ImportJob, LayerSteward


@admin.register(LayerSteward)
class LayerStewardAdmin(SimpleHistoryAdmin):
    list_display = ("layer", "unit", "update_cycle", "updated_at")
    search_fields = ("layer", "unit__name")
    autocomplete_fields = ("unit",)


@admin.register(ImportJob)
class ImportJobAdmin(SimpleHistoryAdmin):
    list_display = ("created_at", "registry", "original_name", "mode", "status", "created_by")
    list_filter = ("registry", "status", "mode")
    readonly_fields = [f.name for f in ImportJob._meta.fields]
