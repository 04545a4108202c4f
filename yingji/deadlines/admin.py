from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import Deadline, DeadlineRule, Finding


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(RestrictedAdmin):
    list_display = ["name", "region", "severity", "requirement", "minutes", "confidence", "active"]
    list_filter = ["requirement", "severity", "confidence", "active"]
    search_fields = ["name", "source", "key"]


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["incident", "kind", "sequence", "due_at", "status", "met_at", "late_minutes"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["incident", "fulfilled_by", "rule", "responsible_unit"]
    readonly_fields = ["reminders_sent", "next_check_at"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.restrict(request.user, "view")


@admin.register(Finding)
class FindingAdmin(RestrictedAdmin):
    list_display = ["incident", "unit", "kind", "status", "reviewer", "decided_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["incident", "deadline", "evidence_attachment"]
