from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import Expert, ExpertTerm


class ExpertTermInline(admin.TabularInline):
    model = ExpertTerm
    fk_name = "expert"
    extra = 0


@admin.register(Expert)
class ExpertAdmin(RestrictedAdmin):
    list_display = ["name", "title", "employer", "code", "availability", "region"]
    list_filter = ["code", "title", "availability", "is_synthetic"]
    search_fields = ["name", "employer", "specialty"]
    filter_horizontal = ["expertise"]
    inlines = [ExpertTermInline]
