"""Reads of the reporters app: counties below the officer minimum, officers' statistics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from yingji.core.models import permission_name
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from .choices import RosterStatus
from .models import InformationOfficer, OfficerTraining, RosterFiling

#: The seed (济政办字〔2018〕13号 二(二)): at least 20 information officers per county.
DEFAULT_MIN_OFFICERS_PER_COUNTY = 20


def min_officers_per_county() -> int:
    """The minimum of active officers a county must keep (setting
    ``YINGJI_MIN_OFFICERS_PER_COUNTY``, 20 by default)."""
    return int(getattr(settings, "YINGJI_MIN_OFFICERS_PER_COUNTY", DEFAULT_MIN_OFFICERS_PER_COUNTY))


def officers_for(user: Any, action: str = "view") -> Any:
    """The officers ``user`` may see (or change), with what their lists show."""
    return InformationOfficer.objects.restrict(user, action).select_related(
        "region", "unit", "user"
    )


def with_trained(queryset: Any) -> Any:
    """Annotate ``trained``: the officer passed at least one training."""
    passed = OfficerTraining.objects.filter(officer=OuterRef("pk"), passed=True)
    return queryset.annotate(trained=Exists(passed))


@dataclass(frozen=True)
class CountyOfficers:
    """One district (县区) with its officers: how many in total, how many active."""

    county: Region
    total: int
    active: int
    minimum: int
    latest_filing: RosterFiling | None = None

    @property
    def below_minimum(self) -> bool:
        return self.active < self.minimum

    @property
    def shortfall(self) -> int:
        return max(0, self.minimum - self.active)


def county_officer_counts(*, user: Any, minimum: int | None = None) -> list[CountyOfficers]:
    """Every district ``user`` may see, with its total and active officer counts and its
    latest roster filing, in code order."""
    minimum = min_officers_per_county() if minimum is None else minimum
    if not user.has_perm(permission_name(InformationOfficer, "view")):
        return []  # regions are visible to more roles than the officer registry
    counties = list(
        Region.objects.restrict(user, "view").filter(level=RegionLevel.DISTRICT).order_by("code")
    )
    if not counties:
        return []
    officers = InformationOfficer.objects.restrict(user, "view")
    totals: Counter[str] = Counter()
    active: Counter[str] = Counter()
    by_path = {county.path: county.code for county in counties}
    # A district's officers are those whose region path starts with the district's path;
    # one grouped query on the region and a prefix match here keeps this to one round trip.
    rows = officers.values("region__path").annotate(
        total=Count("id"), active=Count("id", filter=Q(is_active=True))
    )
    for row in rows:
        path = row["region__path"]
        for county_path, code in by_path.items():
            if path.startswith(county_path):
                totals[code] += row["total"]
                active[code] += row["active"]
                break
    latest: dict[int, RosterFiling] = {}
    filings = (
        RosterFiling.objects.restrict(user, "view")
        .filter(region__in=counties)
        .exclude(status=RosterStatus.SUPERSEDED)
        .order_by("region_id", "-filed_at", "-id")
    )
    for filing in filings:
        latest.setdefault(filing.region_id, filing)
    return [
        CountyOfficers(
            county=county,
            total=totals[county.code],
            active=active[county.code],
            minimum=minimum,
            latest_filing=latest.get(county.pk),
        )
        for county in counties
    ]


def counties_below_officer_minimum(
    *, user: Any, minimum: int | None = None
) -> list[CountyOfficers]:
    """The districts with fewer active officers than the minimum (20 unless configured),
    each with its active count; exactly the minimum is not below it."""
    return [row for row in county_officer_counts(user=user, minimum=minimum) if row.below_minimum]


# -- officers' reports and timeliness -------------------------------------------------------
@dataclass(frozen=True)
class OfficerStats:
    """An officer's reporting in a period: reports submitted, and how many of the
    deadlines those reports fulfilled were met on time."""

    officer: InformationOfficer
    reports: int
    incidents: int
    deadlines_met: int
    deadlines_late: int

    @property
    def on_time_share(self) -> float | None:
        """Share of fulfilled deadlines met on time (0–1), or None when nothing was due."""
        judged = self.deadlines_met + self.deadlines_late
        return self.deadlines_met / judged if judged else None


def _as_datetime(value: date | datetime, *, end: bool = False) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    day = value + timedelta(days=1) if end else value
    return timezone.make_aware(datetime.combine(day, time.min))


def deadline_model() -> Any:
    """The deadlines app's ``Deadline`` when it exists with a ``fulfilled_by`` report link."""
    try:
        model = apps.get_model("deadlines", "Deadline")
        model._meta.get_field("fulfilled_by")
        model._meta.get_field("status")
    except (LookupError, FieldDoesNotExist):
        return None
    return model


def officer_stats(
    *,
    user: Any,
    period_start: date | datetime,
    period_end: date | datetime,
    officers: Any = None,
) -> list[OfficerStats]:
    """Each officer ``user`` may see, with their reports in the period.

    A report counts for an officer when it was submitted through the officer's account
    (``Report.submitted_by``) between ``period_start`` and ``period_end`` (dates are whole
    days, both included). Timeliness comes from the deadlines app: among the deadlines
    those reports fulfilled, how many were met and how many late.
    """
    from yingji.incidents.models import Report

    start = _as_datetime(period_start)
    end = _as_datetime(period_end, end=True)
    if officers is None:
        officers = officers_for(user)
    officers = list(officers)
    user_ids = [o.user_id for o in officers if o.user_id]
    reports: dict[int, int] = {}
    incidents: dict[int, int] = {}
    met: Counter[int] = Counter()
    late: Counter[int] = Counter()
    if user_ids:
        window = Report.objects.filter(
            submitted_by_id__in=user_ids, submitted_at__gte=start, submitted_at__lt=end
        )
        for row in window.values("submitted_by_id").annotate(
            n=Count("id"), incidents=Count("incident_id", distinct=True)
        ):
            reports[row["submitted_by_id"]] = row["n"]
            incidents[row["submitted_by_id"]] = row["incidents"]
        Deadline = deadline_model()
        if Deadline is not None:
            outcomes = (
                Deadline.objects.filter(fulfilled_by__in=window)
                .values("fulfilled_by__submitted_by_id", "status")
                .annotate(n=Count("id"))
            )
            for row in outcomes:
                who = row["fulfilled_by__submitted_by_id"]
                if row["status"] == "met":
                    met[who] += row["n"]
                elif row["status"] == "late":
                    late[who] += row["n"]
    return [
        OfficerStats(
            officer=o,
            reports=reports.get(o.user_id, 0) if o.user_id else 0,
            incidents=incidents.get(o.user_id, 0) if o.user_id else 0,
            deadlines_met=met[o.user_id] if o.user_id else 0,
            deadlines_late=late[o.user_id] if o.user_id else 0,
        )
        for o in officers
    ]


def current_month(today: date | None = None) -> tuple[date, date]:
    """The first and last day of the month of ``today`` (local time)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)
