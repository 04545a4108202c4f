from django.contrib import admin

from yingji.core.admin import RestrictedAdmin

from .models import Notice, ScoreEntry, ScoringRule


@admin.register(ScoringRule)
class ScoringRuleAdmin(RestrictedAdmin):
    list_display = [
        "name",
        "trigger",
        "points",
        "applies_to",
        "region",
        "valid_from",
        "valid_to",
        "is_active",
    ]
    list_filter = ["trigger", "applies_to", "is_active", "is_default"]
    search_fields = ["name", "source"]


@admin.register(ScoreEntry)
class ScoreEntryAdmin(RestrictedAdmin):
    list_display = ["occurred_at", "trigger", "unit", "reported_by", "points", "region"]
    list_filter = ["trigger", "source_kind"]
    search_fields = ["reason"]
    raw_id_fields = ["incident", "report", "reverses", "unit", "reported_by", "rule"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # the ledger is append-only: reversals, never edits


@admin.register(Notice)
class NoticeAdmin(RestrictedAdmin):
    list_display = ["title", "kind", "year", "number", "status", "generated_at"]
    list_filter = ["kind", "status"]
