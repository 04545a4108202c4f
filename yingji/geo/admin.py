from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import Region


@admin.register(Region)
class RegionAdmin(RestrictedAdmin):
    list_display = ["code", "name", "level", "parent", "is_synthetic", "updated_at"]
    list_filter = ["level", "is_synthetic"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = [
        "path",
        "min_lon",
        "min_lat",
        "max_lon",
        "max_lat",
        "created_at",
        "updated_at",
    ]
