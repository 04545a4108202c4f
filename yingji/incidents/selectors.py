"""Reads of the incident pipeline used by more than one caller (API, pages, documents)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from yingji.accounts.choices import Role, UnitKind
from yingji.accounts.models import Unit, User
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from .choices import ReportKind
from .models import Incident, IncidentLog, IncidentType, Notification, Report

# Who is told when an incident is escalated to 较大 or above (S14).
NOTIFIED_ROLES = (Role.DUTY_LEADER, Role.DUTY_OFFICER)

# The chain's reading order: 首报, then 续报 and 日报 as they came, then 终报.
_KIND_ORDER: dict[str, int] = {
    ReportKind.INITIAL: 0,
    ReportKind.FOLLOWUP: 1,
    ReportKind.DAILY: 1,
    ReportKind.FINAL: 2,
}


def access_incident(*, user: Any, pk: Any, action: str = "view") -> Incident:
    """Fetch an incident the user may ``action``; 404 (not 403) when outside their scope."""
    incident: Incident | None = (
        Incident.objects.restrict(user, action).select_related("region").filter(pk=pk).first()
    )
    if incident is None:
        raise Http404
    return incident


def incident_by_key(key: str) -> Incident | None:
    found: Incident | None = Incident.objects.filter(idempotency_key=key).first()
    return found


def report_by_key(key: str) -> Report | None:
    found: Report | None = Report.objects.filter(idempotency_key=key).first()
    return found


def incident_type_by_code(code: str) -> IncidentType | None:
    found: IncidentType | None = IncidentType.objects.filter(code=code).first()
    return found


def type_code_prefix(code: str) -> str:
    """The prefix that selects a code and everything below it (11B00 → 11B, 11000 → 11)."""
    code = code.strip().upper()
    if len(code) != 5:
        return code
    if code == "10000":
        return "1"
    if code.endswith("000"):
        return code[:2]
    if code.endswith("00"):
        return code[:3]
    return code


def district_of(region: Region) -> Region:
    """The county/district a region lies in (itself when it is one, or above it)."""
    current: Region | None = region
    while current is not None:
        if current.level == RegionLevel.DISTRICT:
            return current
        current = current.parent
    return region


def responsible_office(region: Region) -> Unit | None:
    """The emergency office of the county the region lies in (the default owner unit).

    The county is found from the region's path (two small queries), not by walking
    ``parent`` (each step loaded a region with its outline: a county's is 16–30 kB of
    GeoJSON, decoded on every intake).
    """
    districts = sorted(
        Region.objects.filter(
            path__in=ancestor_paths(region.path), level=RegionLevel.DISTRICT
        ).values_list("path", "pk"),
        reverse=True,
    )
    district_id = districts[0][1] if districts else region.pk
    unit: Unit | None = (
        Unit.objects.filter(region_id=district_id, kind=UnitKind.EMERGENCY_OFFICE, is_active=True)
        .order_by("id")
        .first()
    )
    return unit


def ancestor_paths(path: str) -> list[str]:
    """``/370100/370102/`` → ``["/370100/", "/370100/370102/"]``."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def users_to_notify(incident: Incident) -> QuerySet[User]:
    """Active duty leaders and duty officers whose scope covers the incident's region."""
    users: QuerySet[User] = User.objects.filter(
        is_active=True,
        role__in=NOTIFIED_ROLES,
        unit__region__path__in=ancestor_paths(incident.region.path),
    ).order_by("id")
    return users


def report_chain(incident: Incident) -> list[Report]:
    """The incident's reports in reading order (首报, 续报…/日报, 终报)."""
    reports = list(incident.reports.select_related("unit", "submitted_by"))
    return sorted(
        reports, key=lambda r: (_KIND_ORDER.get(r.kind, 1), r.submitted_at, r.sequence, r.id)
    )


REPORT_TEXT_FIELDS = (
    "source_info",
    "location_text",
    "nature",
    "scope_of_impact",
    "trend",
    "leaders_on_scene",
    "measures_taken",
    "requests",
    "body",
    "scene_contact_name",
    "scene_contact_title",
    "scene_contact_phone",
)


def latest_report_values(incident: Incident) -> dict[str, Any]:
    """For each content field of §3.2, the latest non-empty value along the chain."""
    values: dict[str, Any] = {}
    for report in report_chain(incident):
        for name in REPORT_TEXT_FIELDS:
            value = getattr(report, name)
            if value:
                values[name] = value
        if report.signed_off_by:
            values["signed_off_by"] = report.signed_off_by
            values["signed_off_at"] = report.signed_off_at
    return values


def incident_timeline(incident: Incident) -> QuerySet[IncidentLog]:
    entries: QuerySet[IncidentLog] = (
        IncidentLog.objects.filter(incident=incident).select_related("actor").order_by("at", "id")
    )
    return entries


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The user's own notices, about incidents still in their scope."""
    notices: QuerySet[Notification] = (
        Notification.objects.restrict(user, "view")
        .filter(recipient=user)
        .select_related("incident")
    )
    return notices
