"""Reads of the duty log: one day's lines and reports, for the page and the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from yingji.incidents.models import Report

from .models import DutyLogEntry


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to midnight of ``day`` (Asia/Shanghai), as aware datetimes."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def duty_log_of_day(*, user: Any, day: date) -> QuerySet[DutyLogEntry]:
    """The user's duty-log lines of ``day``, newest first."""
    start, end = day_bounds(day)
    entries: QuerySet[DutyLogEntry] = (
        DutyLogEntry.objects.restrict(user, "view")
        .filter(at__gte=start, at__lt=end)
        .select_related("incident", "recorded_by")
        .order_by("-at", "-id")
    )
    return entries


def reports_of_day(*, user: Any, day: date, limit: int = 200) -> list[Report]:
    """The incident reports (首报, 续报 …) received on ``day`` that the user may see."""
    start, end = day_bounds(day)
    return list(
        Report.objects.restrict(user, "view")
        .filter(submitted_at__gte=start, submitted_at__lt=end)
        .select_related("incident", "unit", "submitted_by")
        .order_by("-submitted_at", "-id")[:limit]
    )
