"""Reads of the expert pool: by incident type, expired terms."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from yingji.core.registry import filter_incident_type

from .choices import Availability, TermStatus
from .models import Expert


def with_latest_term_end(queryset: Any) -> Any:
    """Annotate ``latest_term_end``: the end of the latest serving term (None if none)."""
    return queryset.annotate(
        latest_term_end=Max("terms__term_end", filter=Q(terms__status=TermStatus.SERVING))
    )


def experts_with_expired_terms(*, user: Any, today: date | None = None) -> Any:
    """Experts ``user`` may see whose latest serving term ended before ``today``."""
    today = today or timezone.localdate()
    queryset = with_latest_term_end(Expert.objects.restrict(user, "view"))
    return queryset.filter(latest_term_end__lt=today).order_by("latest_term_end", "name")


def experts_for_incident_type(*, user: Any, code: str, available_only: bool = False) -> Any:
    """Experts whose field covers incident type ``code`` (``11A`` experts for ``11A02``)."""
    queryset = Expert.objects.restrict(user, "view").select_related("region", "owner_unit")
    if available_only:
        queryset = queryset.exclude(availability=Availability.UNAVAILABLE)
    return filter_incident_type(queryset, "expertise", code)
