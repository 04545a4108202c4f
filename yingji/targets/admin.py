from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import ProtectionTarget


@admin.register(ProtectionTarget)
class ProtectionTargetAdmin(RestrictedAdmin):
    list_display = ["name", "kind", "code", "region", "population"]
    list_filter = ["kind", "is_synthetic"]
    search_fields = ["name", "address", "code"]
