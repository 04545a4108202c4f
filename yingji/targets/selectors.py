"""Reads of protection targets."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum

from .models import ProtectionTarget


def targets_by_kind(*, user: Any) -> list[dict[str, Any]]:
    """How many targets and people per kind, among those ``user`` may see."""
    return list(
        ProtectionTarget.objects.restrict(user, "view")
        .order_by()
        .values("kind")
        .annotate(count=Count("pk"), population=Sum("population"))
        .order_by("-population")
    )
