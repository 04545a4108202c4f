"""Reads of the supplies reserve: access checks, alerts, dashboard figures.

Every read goes through ``restrict(user, "view")``; a county sees its own warehouses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .choices import LotCondition
from .models import StockLot, StockMinimum, StockMovement, SupplyItem, Warehouse

ZERO = Decimal("0")
EXPIRY_WINDOWS = (30, 90)


def _today(now: Any = None) -> date:
    return timezone.localdate(now) if now is not None else timezone.localdate()


def access_warehouse(*, user: Any, pk: Any, action: str = "view") -> Warehouse:
    warehouse: Warehouse = get_object_or_404(
        Warehouse.objects.restrict(user, action).select_related("region", "owner_unit"), pk=pk
    )
    return warehouse


def access_lot(*, user: Any, pk: Any, action: str = "view") -> StockLot:
    lot: StockLot = get_object_or_404(
        StockLot.objects.restrict(user, action).select_related(
            "warehouse", "warehouse__region", "item"
        ),
        pk=pk,
    )
    return lot


def lots_for(user: Any) -> QuerySet[StockLot]:
    lots: QuerySet[StockLot] = StockLot.objects.restrict(user, "view").select_related(
        "warehouse", "item"
    )
    return lots


def lots_expiring(*, user: Any, within_days: int, now: Any = None) -> QuerySet[StockLot]:
    """Lots still in stock that expire today or within ``within_days`` days (inclusive).

    Scrapped lots and empty lots are left out; lots already expired are in
    :func:`lots_expired`.
    """
    today = _today(now)
    return (
        lots_for(user)
        .filter(
            quantity__gt=0, expires_on__gte=today, expires_on__lte=today + timedelta(within_days)
        )
        .exclude(condition=LotCondition.SCRAPPED)
        .order_by("expires_on", "pk")
    )


def lots_expired(*, user: Any, now: Any = None) -> QuerySet[StockLot]:
    """Lots in stock whose expiry date has passed (to be disposed of or replaced)."""
    return (
        lots_for(user)
        .filter(quantity__gt=0, expires_on__lt=_today(now))
        .exclude(condition=LotCondition.SCRAPPED)
        .order_by("expires_on", "pk")
    )


@dataclass(frozen=True)
class BelowMinimum:
    warehouse_id: int
    warehouse_name: str
    item_id: int
    item_code: str
    item_name: str
    unit: str
    available: Decimal
    minimum: Decimal

    @property
    def shortfall(self) -> Decimal:
        return self.minimum - self.available


def usable_lots(queryset: Any, today: date) -> Any:
    """Lots that count as stock at hand: good condition and not expired."""
    return queryset.filter(condition=LotCondition.GOOD).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )


def items_below_minimum(
    *, user: Any, now: Any = None, warehouse: Warehouse | None = None
) -> list[BelowMinimum]:
    """(warehouse, item) pairs whose available stock is below the minimum.

    Available = quantity − reserved of lots in good condition and not expired. The
    minimum is the warehouse's own :class:`StockMinimum` if set, else the item's default.
    Pairs considered: every item a warehouse holds lots of, and every item it has its own
    minimum for (so an item that ran out entirely still shows, with 0).
    """
    today = _today(now)
    lots = StockLot.objects.restrict(user, "view").filter(warehouse__is_active=True)
    if warehouse is not None:
        lots = lots.filter(warehouse=warehouse)
    quantity_field: DecimalField[Any, Any] = DecimalField(max_digits=14, decimal_places=3)
    own_minimum = StockMinimum.objects.filter(
        warehouse_id=OuterRef("warehouse_id"), item_id=OuterRef("item_id")
    ).values("minimum")[:1]
    usable = Q(condition=LotCondition.GOOD) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )
    rows = (
        lots.values("warehouse_id", "item_id")
        .annotate(
            available=Coalesce(
                Sum(
                    ExpressionWrapper(F("quantity") - F("reserved"), output_field=quantity_field),
                    filter=usable,
                ),
                Value(ZERO),
                output_field=quantity_field,
            ),
            minimum=Coalesce(
                Subquery(own_minimum, output_field=quantity_field),
                F("item__min_stock_default"),
                output_field=quantity_field,
            ),
        )
        .filter(available__lt=F("minimum"))
        .values_list("warehouse_id", "item_id", "available", "minimum")
    )
    found = {(w, i): (a, m) for w, i, a, m in rows}
    minimums = StockMinimum.objects.restrict(user, "view").filter(
        minimum__gt=0, warehouse__is_active=True
    )
    if warehouse is not None:
        minimums = minimums.filter(warehouse=warehouse)
    held = set(lots.values_list("warehouse_id", "item_id").distinct())
    for w, i, m in minimums.values_list("warehouse_id", "item_id", "minimum"):
        if (w, i) not in held:
            found[(w, i)] = (ZERO, m)
    if not found:
        return []
    names = dict(Warehouse.objects.filter(pk__in={w for w, _ in found}).values_list("pk", "name"))
    items = {
        pk: (code, name, unit)
        for pk, code, name, unit in SupplyItem.objects.filter(
            pk__in={i for _, i in found}
        ).values_list("pk", "code", "name", "unit")
    }
    result = [
        BelowMinimum(w, names[w], i, *items[i], available=a, minimum=m)
        for (w, i), (a, m) in found.items()
    ]
    result.sort(key=lambda r: (-(r.shortfall / r.minimum if r.minimum else 0), r.warehouse_name))
    return result


def warehouses_with_item(queryset: Any, code: str, *, now: Any = None) -> Any:
    """Warehouses holding an available quantity > 0 of the item ``code`` or its sub-codes.

    ``code`` is a catalogue prefix: ``3010101`` (沙袋) or ``301`` (every flood-control
    material). Used by the map layer's ``has_item`` filter and by spatial search.
    """
    code = (code or "").strip()
    if not code.isdigit():
        return queryset.none()
    today = _today(now)
    lots = usable_lots(StockLot.objects.all(), today).filter(
        item__code__startswith=code, quantity__gt=F("reserved")
    )
    return queryset.filter(pk__in=lots.values("warehouse_id"))


def stock_by_category(*, user: Any, now: Any = None) -> list[dict[str, Any]]:
    """Lots and usable quantity per top-level category (大类) and 中类, for the chart."""
    today = _today(now)
    rows = (
        usable_lots(StockLot.objects.restrict(user, "view"), today)
        .values("item__category__parent__code", "item__category__parent__name")
        .annotate(lots=Count("id"), items=Count("item", distinct=True))
        .order_by("item__category__parent__code")
    )
    return [
        {
            "code": r["item__category__parent__code"],
            "name": r["item__category__parent__name"],
            "lots": r["lots"],
            "items": r["items"],
        }
        for r in rows
    ]


def stock_by_item(*, user: Any, now: Any = None, limit: int = 15) -> list[dict[str, Any]]:
    """Usable quantity per item (with its unit), largest number of lots first."""
    today = _today(now)
    rows = (
        usable_lots(StockLot.objects.restrict(user, "view"), today)
        .values("item__code", "item__name", "item__unit")
        .annotate(total=Sum("quantity"), reserved=Sum("reserved"), lots=Count("id"))
        .order_by("-lots", "item__code")[:limit]
    )
    return [
        {
            "code": r["item__code"],
            "name": r["item__name"],
            "unit": r["item__unit"],
            "total": r["total"] or ZERO,
            "reserved": r["reserved"] or ZERO,
            "lots": r["lots"],
        }
        for r in rows
    ]


def dashboard_counts(*, user: Any, now: Any = None) -> dict[str, int]:
    warehouses = Warehouse.objects.restrict(user, "view")
    lots = StockLot.objects.restrict(user, "view").filter(quantity__gt=0)
    return {
        "warehouses": warehouses.filter(is_active=True).count(),
        "lots": lots.count(),
        "items": lots.values("item").distinct().count(),
        "expiring_30": lots_expiring(user=user, within_days=30, now=now).count(),
        "expiring_90": lots_expiring(user=user, within_days=90, now=now).count(),
        "expired": lots_expired(user=user, now=now).count(),
        "movements_7d": StockMovement.objects.restrict(user, "view")
        .filter(at__gte=(now or timezone.now()) - timedelta(days=7))
        .count(),
    }


def ledger_balance(lot: StockLot) -> tuple[Decimal, Decimal]:
    """The lot's quantity and reservation as the ledger sums them (an audit check)."""
    sums = StockMovement.objects.filter(lot=lot).aggregate(
        q=Coalesce(Sum("delta"), Value(ZERO)), r=Coalesce(Sum("reserved_delta"), Value(ZERO))
    )
    return sums["q"], sums["r"]
