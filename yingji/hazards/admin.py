from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import HazardSource, LowLyingRoad, WaterDepthRecord


@admin.register(HazardSource)
class HazardSourceAdmin(RestrictedAdmin):
    list_display = ["name", "code", "level", "region", "last_inspected_on"]
    list_filter = ["level", "is_synthetic"]
    search_fields = ["name", "operator_name", "code"]


class WaterDepthRecordInline(admin.TabularInline):
    model = WaterDepthRecord
    extra = 0


@admin.register(LowLyingRoad)
class LowLyingRoadAdmin(RestrictedAdmin):
    list_display = ["road_name", "section_from", "region", "is_underpass", "dip_depth_m"]
    list_filter = ["is_underpass", "is_synthetic"]
    search_fields = ["road_name", "section_from", "section_to"]
    inlines = [WaterDepthRecordInline]
