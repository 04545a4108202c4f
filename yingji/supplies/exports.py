"""The columns of the supplies' Excel exports, one list per table for the pages and the API."""

from __future__ import annotations

WAREHOUSE_EXPORT = [
    "name",
    "kind",
    "region",
    "owner_unit",
    "operator",
    "address",
    "lon",
    "lat",
    "area_m2",
    "volume_m3",
    "keeper",
    "keeper_phone",
    "phone_24h",
    "agreement_no",
    "agreement_end",
    "is_active",
    "is_synthetic",
    "last_reviewed_at",
]

LOT_EXPORT = [
    "warehouse",
    "item__code",
    "item__name",
    "item__unit",
    "quantity",
    "reserved",
    "batch",
    "produced_on",
    "expires_on",
    "condition",
    "source",
]

MOVEMENT_EXPORT = [
    "at",
    "kind",
    "warehouse",
    "item__code",
    "item__name",
    "quantity",
    "delta",
    "balance_after",
    "reserved_after",
    "reason",
    "actor",
    "reference",
    "destination",
    "counterpart_warehouse",
]
