from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from yingji.core.admin import RestrictedAdmin

from .models import Unit, User


@admin.register(Unit)
class UnitAdmin(RestrictedAdmin):
    list_display = ["name", "kind", "sector", "region", "parent", "phone", "is_active"]
    list_filter = ["kind", "sector", "is_active"]
    search_fields = ["name", "short_name", "credit_code"]
    raw_id_fields = ["region", "parent"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "full_name", "role", "unit", "is_active", "is_demo", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_demo"]
    search_fields = ["username", "full_name", "phone"]
    raw_id_fields = ["unit"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("应急平台"), {"fields": ("full_name", "role", "unit", "phone", "is_demo")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("应急平台"), {"fields": ("full_name", "role", "unit", "phone")}),
    )
