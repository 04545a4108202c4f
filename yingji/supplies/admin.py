from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from yingji.core.admin import RestrictedAdmin

from .models import StockLot, StockMinimum, StockMovement, SupplyCategory, SupplyItem, Warehouse


@admin.register(SupplyCategory)
class SupplyCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "parent", "is_standard"]
    list_filter = ["is_standard"]
    search_fields = ["code", "name"]


@admin.register(SupplyItem)
class SupplyItemAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "category", "unit", "min_stock_default", "is_standard"]
    list_filter = ["is_standard", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Warehouse)
class WarehouseAdmin(RestrictedAdmin):
    list_display = ["name", "kind", "region", "owner_unit", "keeper", "phone_24h", "is_active"]
    list_filter = ["kind", "is_active", "is_synthetic"]
    search_fields = ["name", "address", "keeper"]
    raw_id_fields = ["region", "owner_unit"]


@admin.register(StockMinimum)
class StockMinimumAdmin(RestrictedAdmin):
    list_display = ["warehouse", "item", "minimum"]
    raw_id_fields = ["warehouse", "item"]


@admin.register(StockLot)
class StockLotAdmin(RestrictedAdmin):
    """Quantities are read-only here: they move through the services (the ledger)."""

    list_display = ["item", "warehouse", "quantity", "reserved", "batch", "expires_on", "condition"]
    list_filter = ["condition", "source"]
    search_fields = ["item__name", "batch", "warehouse__name"]
    raw_id_fields = ["warehouse", "item"]
    readonly_fields = ["quantity", "reserved"]


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The ledger is append-only: nobody adds, edits or deletes rows here."""

    list_display = [
        "at",
        "kind",
        "item",
        "warehouse",
        "quantity",
        "balance_after",
        "reason",
        "actor",
    ]
    list_filter = ["kind"]
    search_fields = ["reason", "reference"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
