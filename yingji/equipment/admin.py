from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import Equipment


@admin.register(Equipment)
class EquipmentAdmin(RestrictedAdmin):
    list_display = ["name", "kind", "plate_no", "region", "status", "agreement_valid_until"]
    list_filter = ["kind", "status", "owner_kind", "is_synthetic"]
    search_fields = ["name", "plate_no", "owner_name"]
    raw_id_fields = ["region", "owner_unit", "owner_org"]
