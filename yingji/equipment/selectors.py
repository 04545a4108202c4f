"""Reads of the equipment registry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Equipment


def access_equipment(*, user: Any, pk: Any, action: str = "view") -> Equipment:
    equipment: Equipment = get_object_or_404(
        Equipment.objects.restrict(user, action).select_related(
            "region", "owner_unit", "owner_org"
        ),
        pk=pk,
    )
    return equipment


def agreements_expiring(
    *, user: Any, within_days: int = 30, now: Any = None
) -> QuerySet[Equipment]:
    """Equipment whose requisition agreement ends within ``within_days`` or has ended."""
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    rows: QuerySet[Equipment] = (
        Equipment.objects.restrict(user, "view")
        .filter(is_active=True, agreement_valid_until__lte=today + timedelta(days=within_days))
        .order_by("agreement_valid_until")
    )
    return rows


def with_capacity_at_least(queryset: Any, value: str) -> Any:
    """The map filter ``capacity_min``: capability number ≥ value (a bad number: nothing)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return queryset.none()
    if not number.is_finite():
        return queryset.none()
    return queryset.filter(capacity__gte=number)


def with_capability(queryset: Any, value: str) -> Any:
    """The map filter ``capability``: words in the capability text."""
    return queryset.filter(capability__icontains=(value or "").strip())


def counts_by_kind(*, user: Any) -> list[dict[str, Any]]:
    rows = (
        Equipment.objects.restrict(user, "view")
        .filter(is_active=True)
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    return list(rows)
