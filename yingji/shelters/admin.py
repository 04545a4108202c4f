from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import Shelter


@admin.register(Shelter)
class ShelterAdmin(RestrictedAdmin):
    list_display = ["name", "kind", "region", "capacity", "status"]
    list_filter = ["kind", "status", "is_synthetic"]
    search_fields = ["name", "address"]
