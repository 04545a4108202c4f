from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .systems import systems_for


def platform(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the systems for the navigation and the city's name."""
    return {
        "systems": systems_for(request.user) if hasattr(request, "user") else [],
        "city_code": settings.YINGJI_CITY_CODE,
    }
