"""Reads of the incident pipeline used by more than one caller (API, pages, documents)."""

from __future__ import annotations

import weakref
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from yingji.accounts.choices import Role, UnitKind
from yingji.accounts.models import Unit, User
from yingji.core import rows
from yingji.geo.choices import RegionLevel
from yingji.geo.lookup import RegionIndex
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


def incident_key_used(key: str) -> bool:
    """Whether an incident holds ``key``: the intake's replay check, an EXISTS that costs
    a third of reading the row (most keys are new), by a statement written once."""
    return rows.exists(Incident, {"idempotency_key": key})


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


def responsible_office(region: Region, *, county_id: int | None = None) -> Unit | None:
    """The emergency office of the county the region lies in (the default owner unit).

    The county is the deepest district among the region's path ancestors (the region
    itself when it is a district, or when none is), found from the path, not by walking
    ``parent`` (each step loaded a county outline, 16–30 kB of GeoJSON); ``county_id`` is
    that county when the caller already knows it (the point lookup shows a township's
    district).
    """
    district_id = county_id or region.pk
    if county_id is None and region.level != RegionLevel.DISTRICT:
        districts = Region.objects.filter(
            path__in=ancestor_paths(region.path), level=RegionLevel.DISTRICT
        ).order_by()
        deepest = max(districts.values_list("path", "pk"), default=None)
        if deepest is not None:
            district_id = deepest[1]
    return _first_office(district_id)


def _first_office(district_id: int) -> Unit | None:
    """The county's emergency office (a county has one, rarely two: the first by id).

    Every intake asks this; the statement is written once per database instead of a
    queryset compiled per call (a tenth of an intake's CPU, decision 0016)."""
    where = {"region": district_id, "kind": UnitKind.EMERGENCY_OFFICE.value, "is_active": True}
    return rows.first(Unit, where, lowest_pk=True)


# The rows (without outline) of the regions that the point index returned, kept with
# the index they came from: geo.lookup rebuilds its index when regions change (at once
# in this process, within its TTL in the others), and a new index starts a new table.
_located: tuple[weakref.ref[RegionIndex] | None, dict[int, tuple[Any, list[str], list[Any]]]] = (
    None,
    {},
)


def located_region(index: RegionIndex, region_id: int) -> Region | None:
    """The region ``index`` located a point in, read without its outline, once per index.

    As fresh as the index itself: a region saved here or elsewhere makes a new index and
    so a new read. Each call returns a new instance (callers may change it).
    """
    global _located
    owner, rows = _located
    if owner is None or owner() is not index:
        rows = {}
        _located = (weakref.ref(index), rows)
    row = rows.get(region_id)
    if row is not None:
        found: Region = Region.from_db(*row)
        return found
    region: Region | None = next(
        iter(Region.objects.filter(pk=region_id).defer("boundary").order_by()[:1]), None
    )
    if region is not None:
        names = [f.attname for f in Region._meta.concrete_fields if f.attname in region.__dict__]
        rows[region_id] = (region._state.db, names, [region.__dict__[name] for name in names])
    return region


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


# --- the duty-room board -----------------------------------------------------------------------
def _open_deadlines() -> QuerySet[Any]:
    """Open deadlines (pending, or late and still unreported): the deadline selector's
    condition, which is also the condition of the partial index ``deadline_open_incident``."""
    from yingji.deadlines.models import Deadline
    from yingji.deadlines.selectors import OPEN

    found: QuerySet[Any] = Deadline.objects.filter(OPEN)
    return found


def board_page(incidents: QuerySet[Incident], *, offset: int, limit: int) -> list[int]:
    """Ids of one page of the board, in the board's order.

    Overdue first, then by the nearest open deadline (so the longest overdue leads), then
    level (most severe first), then the newest; incidents with no open deadline last, by
    level then newest. ``incidents`` is the restricted, filtered queryset of open ones.

    Read from the deadline side: the earliest open deadlines of those incidents (from the
    partial index ``deadline_open_incident``, a top-k sort), a few times more than the
    page needs; an incident's first deadline among them is its next one. Only those due
    strictly before the last one read are certain (an unread incident may tie with it),
    so when they are too few, read more. Grouping all ~10,000 incidents by their
    earliest deadline cost twice as much, a correlated "next due" subquery ten times.
    """
    need = offset + limit
    deadlines = (
        _open_deadlines()
        .filter(incident__in=incidents.order_by().values("pk"))
        .order_by("due_at", "incident_id")
        .values_list("incident_id", "due_at")
    )
    k = max(4 * need, 200)
    while True:
        rows = list(deadlines[:k])
        first: dict[int, Any] = {}
        for incident_id, due in rows:
            first.setdefault(incident_id, due)
        exhausted = len(rows) < k
        if exhausted:
            certain = first
        else:
            last = rows[-1][1]
            certain = {pk: due for pk, due in first.items() if due < last}
        if exhausted or len(certain) >= need:
            break
        k *= 4
    ordered = sorted(certain.items(), key=lambda item: item[1])
    ids: list[int] = []
    if len(ordered) > offset:
        # Ties on the due time are broken by level, then newest: read those of the page
        # and of any tie at its edge.
        edge = ordered[min(need, len(ordered)) - 1][1]
        candidates = [pk for pk, due in ordered if due <= edge]
        facts = {
            pk: (severity, received)
            for pk, severity, received in Incident.objects.filter(pk__in=candidates).values_list(
                "pk", "severity", "received_at"
            )
        }
        candidates = [pk for pk in candidates if pk in facts]  # closed meanwhile
        candidates.sort(key=lambda pk: (certain[pk], facts[pk][0], -facts[pk][1].timestamp(), -pk))
        ids = candidates[offset:need]
    if len(ids) < limit and exhausted:
        # Past the incidents with an open deadline: the rest, by level then newest.
        rest = (
            incidents.exclude(pk__in=_open_deadlines().values("incident_id"))
            .order_by("severity", "-received_at", "-id")
            .values_list("pk", flat=True)
        )
        start = max(0, offset - len(first))
        ids += list(rest[start : start + limit - len(ids)])
    return ids


# What a board row and its map point read (nothing else is loaded: a full incident with
# its type, township and county is ~90 columns).
BOARD_ROW_FIELDS = (
    "title",
    "severity",
    "status",
    "received_at",
    "lon",
    "lat",
    "deaths",
    "injuries",
    "missing",
    "trapped",
    "incident_type__name",
    "region__name",
    "region__level",
    "region__parent__name",
)


def board_incidents(incidents: QuerySet[Incident], ids: list[int]) -> list[Incident]:
    """The incidents of ``ids`` (a page of ``board_page``) in that order, with what a row
    shows: type, region and county — not their outlines (2–70 kB of GeoJSON each)."""
    found = (
        incidents.filter(pk__in=ids)
        .select_related("incident_type", "region", "region__parent")
        .only(*BOARD_ROW_FIELDS)
        .order_by()
    )
    by_id = {incident.pk: incident for incident in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def board_summary(incidents: QuerySet[Incident], *, now: Any) -> dict[str, Any]:
    """The board's summary strip: open incidents in all, overdue, by level and by status.

    One aggregate query: the counts grouped by (level, status), and in the same pass how
    many of them are overdue — an open deadline due before ``now``; that set is a
    non-correlated subquery (~1,700 ids on the city's board) which both databases build
    once and probe per row (a second query over the 10,000 open ones cost as much again).
    """
    from yingji.deadlines.models import Deadline

    from .choices import OPEN_STATUSES, Severity

    # The open deadlines already due, written out per status: so SQLite reads them from
    # (status, due_at) — ~1,700 entries — not all 10,000 open ones from the partial index.
    overdue_ids = Deadline.objects.filter(
        Q(status="pending", due_at__lt=now) | Q(status="late", met_at__isnull=True, due_at__lt=now)
    ).values("incident_id")
    counts = (
        incidents.order_by()
        # Grouped on expressions, not on the columns: with the type filter (a join) SQLite
        # otherwise walks the whole (severity, status, region) index for its group order —
        # 1,010,000 entries, 100 ms; this way it reads only the open rows (8 ms).
        .annotate(level=F("severity") + 0, state=F("status"))
        .values_list("level", "state")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(pk__in=overdue_ids)))
    )
    levels = dict.fromkeys(Severity.values, 0)
    statuses = dict.fromkeys([str(s) for s in OPEN_STATUSES], 0)
    overdue_levels = dict.fromkeys(Severity.values, 0)
    for severity, status, n, late in counts:
        levels[severity] = levels.get(severity, 0) + n
        statuses[status] = statuses.get(status, 0) + n
        overdue_levels[severity] = overdue_levels.get(severity, 0) + late
    return {
        "total": sum(levels.values()),
        "overdue": sum(overdue_levels.values()),
        "levels": [
            {
                "value": value,
                "label": str(label),
                "count": levels.get(value, 0),
                "overdue": overdue_levels.get(value, 0),
            }
            for value, label in Severity.choices
        ],
        "statuses": [
            {"value": str(s.value), "label": str(s.label), "count": statuses.get(str(s), 0)}
            for s in OPEN_STATUSES
        ],
        "now": now.isoformat(),
    }
