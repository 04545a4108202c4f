"""Reads of hazards and low-lying roads."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Max, Q

from .models import LowLyingRoad


def with_depth_stats(queryset: Any) -> Any:
    """Annotate ``max_depth_cm`` (deepest water recorded) on low-lying roads."""
    return queryset.annotate(max_depth_cm=Max("depth_records__depth_cm"))


def roads_over_warning(*, user: Any) -> Any:
    """Road sections ``user`` may see where water has reached the warning depth."""
    return with_depth_stats(LowLyingRoad.objects.restrict(user, "view")).filter(
        max_depth_cm__gte=F("warning_depth_cm")
    )


def underpasses_without_pumps(*, user: Any) -> Any:
    """Underpasses with no pump on site: where the risk to life is highest."""
    return LowLyingRoad.objects.restrict(user, "view").filter(
        Q(is_underpass=True) & Q(pump_count=0)
    )
