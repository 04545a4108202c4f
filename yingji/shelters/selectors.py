"""Reads of shelters."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from .choices import ShelterStatus
from .models import Shelter


def usable_shelters(*, user: Any) -> Any:
    """Shelters ``user`` may see that can take people now (open or already in use)."""
    return Shelter.objects.restrict(user, "view").filter(
        status__in=[ShelterStatus.OPEN, ShelterStatus.IN_USE]
    )


def shelter_capacity_by_region(*, user: Any) -> list[dict[str, Any]]:
    """Usable capacity (people) per region, largest first."""
    return list(
        usable_shelters(user=user)
        .order_by()
        .values("region__name")
        .annotate(capacity=Sum("capacity"))
        .order_by("-capacity")
    )
