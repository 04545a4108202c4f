"""Possible duplicates: open incidents near a new report, of a related type, at about the time.

A report is offered for merging (``services.incident_merge``) when an open incident the
user may see lies within ``radius_m`` (default ``settings.INCIDENT_DUPLICATE_RADIUS_M`` or
1 km) of the point, its type is related (the same GB/T 35561 type, or the same
sub-category: the first three characters, e.g. ``11A`` 水旱灾害), and it occurred within
``window`` (default ``settings.INCIDENT_DUPLICATE_WINDOW`` or 6 hours) before or after.
Both boundaries are inclusive.

The database does the coarse work: the H3 cells covering the circle
(``geo.h3index.cells_within``, a superset) on the indexed ``h3_cell`` column, the time
window on ``occurred_at``, the type prefix and the open statuses; the exact geodesic
distance (``geo.distance.distance_m``) then keeps the points inside the circle. Incidents
without a point are never candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from yingji.geo.distance import distance_m
from yingji.geo.h3index import cells_within

from .choices import OPEN_STATUSES
from .models import Incident, IncidentType
from .reference import depth_of

DEFAULT_RADIUS_M = 1000.0
DEFAULT_WINDOW = timedelta(hours=6)
MAX_RADIUS_M = 20_000.0


@dataclass(frozen=True)
class Candidate:
    """An open incident that may be the same as the new report."""

    incident: Incident
    distance_m: float
    minutes_apart: int
    reason: str


def duplicate_radius_m() -> float:
    return float(getattr(settings, "INCIDENT_DUPLICATE_RADIUS_M", DEFAULT_RADIUS_M))


def duplicate_window() -> timedelta:
    window = getattr(settings, "INCIDENT_DUPLICATE_WINDOW", DEFAULT_WINDOW)
    return window if isinstance(window, timedelta) else timedelta(hours=float(window))


def related_type_q(code: str, lookup: str = "incident_type") -> Q:
    """Types related to ``code``: the same type, or the same sub-category (``11A…``).

    A category or the root (``11000``, ``10000``) has no sub-category: only the same code.
    """
    if depth_of(code) >= 2:
        return Q(**{f"{lookup}__code__startswith": code[:3]})
    return Q(**{f"{lookup}__code": code})


def is_related_type(a: str, b: str) -> bool:
    """Whether two codes are related in the sense of :func:`related_type_q`."""
    if a == b:
        return True
    return depth_of(a) >= 2 and depth_of(b) >= 2 and a[:3] == b[:3]


def find_possible_duplicates(
    *,
    lon: float,
    lat: float,
    incident_type: IncidentType | str,
    occurred_at: datetime,
    exclude_id: int | None = None,
    user: Any,
    radius_m: float | None = None,
    window: timedelta | None = None,
) -> list[Candidate]:
    """Open incidents the user may see that may duplicate a report; nearest first."""
    radius = duplicate_radius_m() if radius_m is None else float(radius_m)
    span = duplicate_window() if window is None else window
    if not 0 <= radius <= MAX_RADIUS_M:
        raise ValueError(f"radius must be between 0 and {MAX_RADIUS_M:.0f} m")
    if span < timedelta(0):
        raise ValueError("window must not be negative")
    code = incident_type if isinstance(incident_type, str) else incident_type.code
    queryset = (
        Incident.objects.restrict(user, "view")
        .filter(
            related_type_q(code),
            status__in=OPEN_STATUSES,
            h3_cell__in=cells_within(lon, lat, radius),
            occurred_at__gte=occurred_at - span,
            occurred_at__lte=occurred_at + span,
        )
        .select_related("incident_type__parent", "region")
        .order_by()  # sorted by distance below; spare the database a sort
    )
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    found: list[tuple[float, float, int, Incident]] = []
    for incident in queryset:
        if incident.lon is None or incident.lat is None:
            continue
        distance = distance_m(lon, lat, incident.lon, incident.lat)
        if distance <= radius:
            seconds = abs((incident.occurred_at - occurred_at).total_seconds())
            found.append((distance, seconds, incident.pk, incident))
    found.sort(key=lambda item: item[:3])
    return [
        Candidate(
            incident=incident,
            distance_m=round(distance, 1),
            minutes_apart=round(seconds / 60),
            reason=_reason(code, incident, distance, seconds),
        )
        for distance, seconds, _pk, incident in found
    ]


def _reason(code: str, incident: Incident, distance: float, seconds: float) -> str:
    other = incident.incident_type
    if other.code == code:
        kind = _("同为“%(name)s”（%(code)s）") % {"name": other.name, "code": code}
    else:
        group = other if other.depth == 2 or other.parent is None else other.parent
        kind = _("同属“%(group)s”（%(other)s %(name)s）") % {
            "group": group.name,
            "other": other.code,
            "name": other.name,
        }
    minutes = round(seconds / 60)
    when = (
        _("事发时间相差%(minutes)d分钟") % {"minutes": minutes}
        if minutes < 120
        else _("事发时间相差约%(hours)s小时") % {"hours": f"{seconds / 3600:.1f}"}
    )
    return _("%(kind)s，相距%(distance)d米，%(when)s") % {
        "kind": kind,
        "distance": round(distance),
        "when": when,
    }
