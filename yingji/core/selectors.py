"""Reads for the shared pages."""

from __future__ import annotations

from typing import Any

from yingji.accounts.models import Unit, User
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region


def dashboard_summary(*, user: Any) -> dict[str, Any]:
    """Counts on the home page, within what the user may see."""
    regions = Region.objects.restrict(user, "view")
    return {
        "districts": regions.filter(level=RegionLevel.DISTRICT).count(),
        "zones": regions.filter(level=RegionLevel.ZONE).count(),
        "townships": regions.filter(level=RegionLevel.TOWNSHIP).count(),
        "units": Unit.objects.restrict(user, "view").count(),
        "users": User.objects.restrict(user, "view").count(),
        "scope": user.region if hasattr(user, "region") else None,
    }
