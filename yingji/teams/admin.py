from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import Team, TeamMember


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0


@admin.register(Team)
class TeamAdmin(RestrictedAdmin):
    list_display = ["name", "kind", "sector", "region", "head_count", "readiness"]
    list_filter = ["kind", "sector", "readiness", "is_synthetic"]
    search_fields = ["name", "leader_name"]
    filter_horizontal = ["capabilities"]
    inlines = [TeamMemberInline]
