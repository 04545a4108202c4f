"""Writes of the incident pipeline: intake, the report chain, status, severity, attachments.

Every function here is keyword-only, takes the acting user (``actor=None`` only for the
system), checks the rule, writes with history, logs the step on the incident's timeline
(``IncidentLog``) and calls the deadline engine after commit. Views, the admin, tasks and
other apps call these; they never write incidents themselves.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from yingji.accounts.choices import Role
from yingji.accounts.models import Unit
from yingji.core import rows
from yingji.core.inserts import insert, prepare, prepare_with_history, write, write_transaction
from yingji.core.models import permission_name
from yingji.core.services import check_scope, save_with_history
from yingji.geo.choices import CoordinateSystem, RegionLevel
from yingji.geo.lookup import get_index
from yingji.geo.models import Region

from . import followups, selectors
from .choices import (
    OPEN_STATUSES,
    STATUS_TRANSITIONS,
    AttachmentKind,
    IncidentStatus,
    ReportKind,
    ReportMode,
    Severity,
    SourceChannel,
)
from .models import (
    Attachment,
    Event,
    Incident,
    IncidentLog,
    IncidentType,
    Notification,
    Report,
)

logger = logging.getLogger(__name__)

# An occurrence time later than now plus this is refused (clocks drift; phones lie a bit).
FUTURE_TOLERANCE = timedelta(minutes=5)
# An occurrence time this long before receipt needs a written reason (补报说明).
BACKDATE_LIMIT = timedelta(days=30)
MAX_COUNT = 10_000_000
MAX_LOSS = Decimal("999999999999.99")
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,64}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9\- ()]{4,30}$")

CLOSED_TO_REPORTS = (
    IncidentStatus.MERGED,
    IncidentStatus.DUPLICATE,
    IncidentStatus.FALSE_REPORT,
)
TERMINAL_STATUSES = (
    IncidentStatus.CLOSED,
    IncidentStatus.MERGED,
    IncidentStatus.DUPLICATE,
    IncidentStatus.FALSE_REPORT,
)
REASON_REQUIRED = (IncidentStatus.FALSE_REPORT, IncidentStatus.DUPLICATE)
ESCALATION_LEVEL = Severity.LARGER  # 较大 and above (numerically ≤ 3)

COUNT_FIELDS = ("deaths", "injuries", "serious_injuries", "missing", "trapped")
INCIDENT_TEXT_FIELDS = {
    "title": 200,
    "description": 20_000,
    "address": 255,
    "reporter_name": 64,
    "reporter_phone": 32,
    "scene_contact_name": 64,
    "scene_contact_phone": 32,
    "late_report_reason": 2_000,
}
REPORT_TEXT_LIMITS = {
    "source_info": 200,
    "location_text": 255,
    "nature": 200,
    "scope_of_impact": 20_000,
    "trend": 20_000,
    "leaders_on_scene": 20_000,
    "measures_taken": 20_000,
    "requests": 20_000,
    "body": 50_000,
    "scene_contact_name": 64,
    "scene_contact_title": 64,
    "scene_contact_phone": 32,
}
# Fields a user may edit with a plain update (never status, severity, region…).
DESCRIPTIVE_FIELDS = (
    "title",
    "description",
    "address",
    "reporter_name",
    "reporter_phone",
    "is_sensitive",
    "late_report_reason",
)


# --- small validation helpers --------------------------------------------------------------
class _Errors:
    """Collects field errors so the user sees every problem at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationError(self.fields)


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def clean_idempotency_key(key: Any) -> str | None:
    """A client's idempotency key: 1–64 printable ASCII characters, or None."""
    if key is None or key == "":
        return None
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise _fail("idempotency_key", _("幂等键应为 1–64 个可打印 ASCII 字符。"))
    return key


def _text(data: dict[str, Any], name: str, limit: int, errors: _Errors, default: str = "") -> str:
    value = data.get(name, default)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, _("应为文本。"))
        return ""
    value = value.strip()
    if len(value) > limit:
        errors.add(name, _("不能超过 %(n)d 个字符。") % {"n": limit})
    if "\x00" in value:  # PostgreSQL refuses NUL in text: a 400 here, not a 500 later
        errors.add(name, _("不能包含空字符。"))
    return value


def _count(value: Any, name: str, errors: _Errors) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.add(name, _("应为非负整数。"))
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value < 0 or value > MAX_COUNT:
        errors.add(name, _("应为非负整数。"))
        return None
    return value


def _loss(value: Any, errors: _Errors, name: str = "direct_loss") -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool | dict | list):
        errors.add(name, _("应为非负数（万元）。"))
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(name, _("应为非负数（万元）。"))
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_LOSS:
        errors.add(name, _("应为非负数（万元）。"))
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.add(name, _("最多两位小数。"))
        return None
    return amount.quantize(Decimal("0.01"))


def _datetime(value: Any, name: str, errors: _Errors) -> datetime | None:
    if value is None or value == "":
        return None
    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None:
        errors.add(name, _("时间格式不正确。"))
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _choice(value: Any, choices: type[models.Choices], name: str, errors: _Errors) -> Any:
    if isinstance(value, bool) or value not in choices.values:
        errors.add(name, _("不是有效的选项。"))
        return None
    return value


def _instance(
    model: type[models.Model], value: Any, name: str, errors: _Errors, *, slug: str | None = None
) -> Any:
    """A model instance given as itself, its primary key or (if ``slug``) its code."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value
    # NUL: no key holds it, and PostgreSQL refuses it in a query (a 500, not a 400)
    if isinstance(value, bool) or not isinstance(value, int | str) or "\x00" in str(value):
        errors.add(name, _("对象不存在。"))
        return None
    # By statements written once (``core.rows``): the intake's type lookup by code
    # cost more to compile as a queryset than to run.
    found = None
    if slug and isinstance(value, str):
        found = rows.first(model, {slug: value})
    numeric = isinstance(value, int) or (value.isascii() and value.isdigit())
    if found is None and numeric and 0 < int(value) < 2**63:
        found = rows.first(model, {"pk": int(value)})
    if found is None:
        errors.add(name, _("对象不存在。"))
    return found


def _visible(model: type[models.Model], obj: Any, actor: Any) -> bool:
    if actor is None or obj is None:
        return True
    return bool(model._default_manager.restrict(actor, "view").filter(pk=obj.pk).exists())  # type: ignore[attr-defined]


def _verbose(name: str) -> str:
    return str(getattr(Incident._meta.get_field(name), "verbose_name", name))


def _has_perm(actor: Any, model: type[models.Model], action: str) -> bool:
    return actor is None or bool(actor.has_perm(permission_name(model, action)))


def _require(actor: Any, model: type[models.Model], action: str, region: Region) -> None:
    """Role and region check; the system (``actor=None``) may do anything."""
    if actor is not None:
        check_scope(actor=actor, model=model, action=action, region=region)


def _after_commit(func: Callable[[], Any]) -> None:
    """Run ``func`` after the transaction commits; a failure there is logged, not raised.

    The write is already durable and acknowledged; a deadline engine error must not turn
    into a lost acknowledgement.
    """
    transaction.on_commit(func, robust=True)


def _deadlines() -> Any:
    from yingji.deadlines import services as deadline_services

    return deadline_services


def _score_report(report: Report) -> None:
    from yingji.scoring.services import score_on_report

    score_on_report(report=report)


# --- timeline and notices ------------------------------------------------------------------
def incident_log(
    *, incident: Incident, actor: Any, action: str, message: str, at: datetime | None = None
) -> IncidentLog:
    """Write one step on the incident's timeline."""
    return insert(
        IncidentLog(
            incident=incident,
            actor=actor,
            action=action[:32],
            message=message,
            at=at or timezone.now(),
        )
    )


def _escalate(*, incident: Incident, actor: Any, now: datetime) -> int:
    """较大 and above: ask for a scene liaison and progress reports; tell the leader on duty.

    The caller saves the incident afterwards (``escalated_at`` is set here).
    Returns the number of notifications written.
    """
    if incident.escalated_at is None:
        incident.escalated_at = now
    level = Severity(incident.severity).label
    recipients = list(selectors.users_to_notify(incident))
    message = _(
        "%(number)s %(title)s 已达到%(level)s：请指定现场联络人，按规定时限续报，带班领导请关注。"
    ) % {"number": incident.number, "title": incident.title, "level": level}
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                incident=incident,
                kind="escalated",
                message=message,
                created_at=now,
            )
            for user in recipients
        ]
    )
    needs = "" if incident.scene_contact_name else _("尚未指定现场联络人；")
    incident_log(
        incident=incident,
        actor=actor,
        action="escalated",
        message=_("事件升级为%(level)s：%(needs)s要求定时续报；已通知 %(n)d 名值班人员。")
        % {"level": level, "needs": needs, "n": len(recipients)},
        at=now,
    )
    return len(recipients)


# --- intake ----------------------------------------------------------------------------------
def _default_channel(actor: Any) -> str | None:
    role = getattr(actor, "role", None)
    if role == Role.INFO_OFFICER:
        return SourceChannel.INFO_OFFICER
    if role == Role.DIRECT_REPORT:
        return SourceChannel.DIRECT_REPORT
    return None


def _region_at(lon: float, lat: float) -> tuple[Region | None, int | None]:
    """The deepest region containing the point (in-process index), its row read once
    per index and without its outline (the intake needs its name, code and path, not
    tens of kB of GeoJSON), and the id of its county when the index shows that county
    right above it in the path (the responsible office then needs no query for it)."""
    index = get_index()
    location = index.locate(lon, lat)
    ref = location.deepest
    if ref is None:
        return None, None
    region = selectors.located_region(index, ref.id)
    county = location.district
    if region is None or county is None or county.level != RegionLevel.DISTRICT:
        return region, None
    if region.pk == county.id or region.path.endswith(f"/{county.code}/{region.code}/"):
        return region, county.id
    return region, None


def _resolve_region(
    *,
    actor: Any,
    lon: float | None,
    lat: float | None,
    region: Region | None,
    errors: _Errors,
) -> tuple[Region | None, int | None]:
    """The incident's region: from the point (deepest region), or the one given; and
    its county's id when the point lookup showed it (else None: look it up)."""
    derived: Region | None = None
    county_id: int | None = None
    if lon is not None and lat is not None:
        derived, county_id = _region_at(lon, lat)
        if derived is None:
            errors.add("location", _("该位置不在本市任何行政区划内，请核对坐标或改选行政区划。"))
            return None, None
    if derived is None and region is None:
        errors.add("location", _("请在地图上标注事发位置，或选择行政区划。"))
        return None, None
    if derived is not None and region is not None:
        if derived.path.startswith(region.path):
            return derived, county_id  # the point is inside the region given: the deeper
        if region.path.startswith(derived.path):
            return region, None  # a village inside the township found by the point
        errors.add(
            "region",
            _("所选区划与坐标所在的%(name)s不一致。") % {"name": derived.name},
        )
        return None, None
    if derived is not None:
        return derived, county_id
    return region, None


def _check_intake_scope(actor: Any, region: Region) -> None:
    if actor is None:
        return
    if not _has_perm(actor, Incident, "add"):
        raise PermissionDenied(_("您的角色不能报告突发事件。"))
    try:
        check_scope(actor=actor, model=Incident, action="add", region=region)
    except PermissionDenied:
        raise _fail(
            "location",
            _("事发地属于%(name)s，不在您的辖区内；请联系属地报告。") % {"name": region.name},
        ) from None


def _prepare_incident(
    *, actor: Any, data: dict[str, Any], key: str | None, now: datetime
) -> tuple[Incident, Report]:
    """Validate the intake and build the unsaved incident and 首报 (reads only, no writes:
    runs before the write transaction, so that SQLite's one writer is not held by it)."""
    if not isinstance(data, dict):
        raise _fail("__all__", _("提交的数据应为对象。"))
    errors = _Errors()
    texts = {name: _text(data, name, limit, errors) for name, limit in INCIDENT_TEXT_FIELDS.items()}
    if not texts["title"] and "title" not in errors:
        errors.add("title", _("请填写标题。"))
    incident_type = _instance(
        IncidentType, data.get("incident_type"), "incident_type", errors, slug="code"
    )
    if incident_type is None and "incident_type" not in errors:
        errors.add("incident_type", _("请选择事件类型。"))
    elif incident_type is not None and not incident_type.is_active:
        errors.add("incident_type", _("该事件类型已停用。"))
    channel = data.get("source_channel") or _default_channel(actor)
    if channel is None:
        errors.add("source_channel", _("请选择信息来源渠道。"))
    else:
        channel = _choice(channel, SourceChannel, "source_channel", errors)
    severity = data.get("severity", Severity.GENERAL)
    severity = _choice(
        Severity.GENERAL if severity is None else severity, Severity, "severity", errors
    )
    occurred_at = _datetime(data.get("occurred_at"), "occurred_at", errors)
    if occurred_at is None and "occurred_at" not in errors:
        errors.add("occurred_at", _("请填写事发时间。"))
    if occurred_at is not None:
        if occurred_at > now + FUTURE_TOLERANCE:
            errors.add("occurred_at", _("事发时间不能晚于当前时间。"))
        elif occurred_at < now - BACKDATE_LIMIT and not texts["late_report_reason"]:
            errors.add(
                "late_report_reason",
                _("事发时间早于接报时间 30 天以上，请填写补报说明。"),
            )
    counts = {name: _count(data.get(name), name, errors) for name in COUNT_FIELDS}
    loss = _loss(data.get("direct_loss"), errors)
    lon, lat = data.get("lon"), data.get("lat")
    point: tuple[float, float] | None = None
    if (lon is None) != (lat is None):
        errors.add("location", _("经度和纬度要同时填写。"))
    elif lon is not None:
        if isinstance(lon, bool) or isinstance(lat, bool):
            errors.add("location", _("经纬度应为数字。"))
        else:
            try:
                flon, flat = float(lon), float(lat)  # type: ignore[arg-type]
            except (TypeError, ValueError, OverflowError):
                errors.add("location", _("经纬度应为数字。"))
            else:
                if not (-180 <= flon <= 180 and -90 <= flat <= 90):
                    errors.add("location", _("经纬度超出范围。"))
                else:
                    point = (flon, flat)
    crs = data.get("source_crs") or CoordinateSystem.WGS84
    crs = _choice(crs, CoordinateSystem, "source_crs", errors)
    region_given = _instance(Region, data.get("region"), "region", errors, slug="code")
    unit = _instance(Unit, data.get("reporting_unit"), "reporting_unit", errors)
    if unit is not None and not _visible(Unit, unit, actor):
        errors.add("reporting_unit", _("对象不存在。"))
    event = _instance(Event, data.get("event"), "event", errors)
    if event is not None and not _visible(Event, event, actor):
        errors.add("event", _("对象不存在。"))
    is_sensitive = data.get("is_sensitive", False)
    if not isinstance(is_sensitive, bool):
        errors.add("is_sensitive", _("应为是或否。"))
    mode = data.get("mode") or (
        ReportMode.PHONE if channel == SourceChannel.PHONE else ReportMode.WRITTEN
    )
    mode = _choice(mode, ReportMode, "mode", errors)
    report_texts = {
        name: _text(data, name, limit, errors)
        for name, limit in REPORT_TEXT_LIMITS.items()
        # the report's place and body are the incident's address and description
        if name not in INCIDENT_TEXT_FIELDS and name not in ("location_text", "body")
    }
    errors.raise_if_any()

    if point is not None and crs != CoordinateSystem.WGS84:
        probe = Incident()
        probe.set_point(point[0], point[1], crs)
        point = (probe.lon, probe.lat)  # type: ignore[assignment]
    region, county_id = _resolve_region(
        actor=actor,
        lon=point[0] if point else None,
        lat=point[1] if point else None,
        region=region_given,
        errors=errors,
    )
    errors.raise_if_any()
    assert region is not None and occurred_at is not None and channel is not None
    _check_intake_scope(actor, region)

    # The reporter's own unit by default: its id is enough (no read of the unit row).
    unit_id = unit.pk if unit is not None else getattr(actor, "unit_id", None)
    incident = Incident(
        title=texts["title"],
        incident_type=incident_type,
        severity=severity,
        status=IncidentStatus.RECEIVED,
        occurred_at=occurred_at,
        received_at=now,
        description=texts["description"],
        direct_loss=loss or Decimal("0"),
        source_channel=channel,
        reporting_unit_id=unit_id,
        reporter_name=texts["reporter_name"]
        or (str(actor) if actor is not None and actor.pk else ""),
        reporter_phone=texts["reporter_phone"] or (getattr(actor, "phone", "") or ""),
        event=event,
        is_sensitive=is_sensitive,
        scene_contact_name=texts["scene_contact_name"],
        scene_contact_phone=texts["scene_contact_phone"],
        late_report_reason=texts["late_report_reason"],
        address=texts["address"],
        region=region,
        owner_unit=selectors.responsible_office(region, county_id=county_id),
        created_by=actor,
        idempotency_key=key,
    )
    for name, value in counts.items():
        setattr(incident, name, value or 0)
    if point is not None:
        incident.set_point(point[0], point[1])
        incident.source_crs = crs
    incident.clean_fields(
        exclude=[
            "region",
            "owner_unit",
            "incident_type",
            "reporting_unit",
            "event",
            "merged_into",
            "created_by",
            "idempotency_key",
        ]
    )
    if severity <= ESCALATION_LEVEL:
        incident.escalated_at = now

    report = Report(
        incident=incident,
        kind=ReportKind.INITIAL,
        sequence=0,
        mode=mode,
        unit_id=unit_id,
        submitted_by=actor,
        submitted_at=now,
        location_text=texts["address"],
        nature=report_texts["nature"] or (incident_type.name if incident_type else ""),
        body=texts["description"],
        deaths=counts["deaths"],
        injuries=counts["injuries"],
        serious_injuries=counts["serious_injuries"],
        missing=counts["missing"],
        trapped=counts["trapped"],
        direct_loss=loss,
        scene_contact_name=texts["scene_contact_name"],
        scene_contact_phone=texts["scene_contact_phone"],
        **{k: v for k, v in report_texts.items() if k != "nature"},
    )
    if not report.source_info:
        report.source_info = " ".join(
            str(part) for part in (SourceChannel(channel).label, incident.reporter_name) if part
        )[:200]
    return incident, report


def _intake_rows(*, actor: Any, incident: Incident, report: Report, now: datetime) -> list[Any]:
    """The intake's new rows — the incident, its 首报, their history and the timeline step —
    prepared before the transaction: inside it only their INSERTs run (compiled once), so
    SQLite's one write lock is held for the statements, not for building them (0016)."""
    report.incident = incident
    log = IncidentLog(
        incident=incident,
        actor=actor,
        action="reported",
        message=_("%(channel)s接报：%(title)s（%(mode)s首报）")
        % {
            "channel": SourceChannel(incident.source_channel).label,
            "title": incident.title,
            "mode": ReportMode(report.mode).label,
        },
        at=now,
    )
    return [
        *prepare_with_history(incident, actor=actor, reason=_("接报")),
        *prepare_with_history(report, actor=actor, reason=_("首报")),
        prepare(log),
    ]


def _replay_incident(actor: Any, incident: Incident) -> Incident:
    if not _visible(Incident, incident, actor):
        raise _fail("idempotency_key", _("该幂等键已被另一条记录使用，请换一个。"))
    return incident


def incident_report(
    *,
    actor: Any,
    data: dict[str, Any],
    idempotency_key: str | None = None,
    now: datetime | None = None,
    defer_followups: bool | None = None,
) -> tuple[Incident, bool]:
    """Intake from any channel: the incident and its 首报, in one transaction.

    ``data`` holds the incident's fields (``title``, ``incident_type`` (instance or code),
    ``occurred_at``, ``lon``/``lat`` and/or ``region``, ``source_channel``, casualties,
    ``direct_loss`` in 万元 …) and the initial report's content fields (standards §3.2).
    The same ``idempotency_key`` returns the same incident with ``created=False`` and
    never writes a second row, also when two requests race (the unique constraint
    decides; the loser re-reads the winner's row).

    Validation and lookups run before the transaction (reads only). The transaction writes
    the incident, the 首报, history, the timeline and the follow-ups — its deadlines with
    their reminder tasks and the 首报's scores — planned before it (decision 0020): one
    commit (one fsync). What the planner does not plan is left to the worker by a task
    queued in the same transaction (decision 0013), as everything is with
    ``defer_followups=True`` / ``YINGJI_INTAKE_FOLLOWUPS="worker"``; with
    ``defer_followups=False`` / ``"inline"`` the engines run inside the transaction.
    """
    key = clean_idempotency_key(idempotency_key)
    now = now or timezone.now()
    if key is not None and selectors.incident_key_used(key):  # a replay: rare
        existing = selectors.incident_by_key(key)
        if existing is not None:
            return _replay_incident(actor, existing), False
    incident, report = _prepare_incident(actor=actor, data=data, key=key, now=now)
    new_rows = _intake_rows(actor=actor, incident=incident, report=report, now=now)
    more = followups.prepared_rows(incident=incident, report=report, now=now, defer=defer_followups)
    write_ = functools.partial(
        _write_intake, incident=incident, report=report, actor=actor, now=now, defer=defer_followups
    )
    try:
        try:
            write_([*new_rows, *more.rows] if more else new_rows, scheduled=more is not None)
        except Exception as exc:
            if more is None or not more.planned or _key_taken(exc, key):
                raise
            # The follow-ups planned here must never cost the report: it is written with
            # the worker's task instead (decision 0020).
            logger.exception("an intake's planned follow-ups failed to write; left to the worker")
            write_([*new_rows, *followups.task_rows(incident=incident, report=report, now=now)])
    except IntegrityError:
        existing = selectors.incident_by_key(key) if key is not None else None
        if existing is None:
            raise
        return _replay_incident(actor, existing), False
    return incident, True


def _key_taken(exc: Exception, key: str | None) -> bool:
    """Whether ``exc`` is another request's intake with the same idempotency key."""
    return (
        isinstance(exc, IntegrityError)
        and key is not None
        and selectors.incident_by_key(key) is not None
    )


def _write_intake(
    rows: list[Any],
    *,
    incident: Incident,
    report: Report,
    actor: Any,
    now: datetime,
    defer: bool | None,
    scheduled: bool = True,
) -> None:
    """The intake's one transaction: ``rows``, the escalation of a 较大 or worse incident,
    and — when ``rows`` hold none of them (``scheduled`` False) — its follow-ups."""
    escalate = incident.severity <= ESCALATION_LEVEL
    if scheduled and not escalate:
        # Nothing else in the transaction: on PostgreSQL one round trip (core.inserts).
        write_transaction(rows)
        return
    with transaction.atomic():
        write(rows)
        if escalate:
            _escalate(incident=incident, actor=actor, now=now)
        if not scheduled:
            followups.schedule(incident=incident, report=report, now=now, defer=defer)


@transaction.atomic
def incident_update(*, actor: Any, incident: Incident, data: dict[str, Any]) -> Incident:
    """Edit descriptive fields only (title, description, address, reporter…)."""
    _require(actor, Incident, "change", incident.region)
    errors = _Errors()
    unknown = sorted(set(data) - set(DESCRIPTIVE_FIELDS))
    for name in unknown:
        errors.add(name, _("不能在这里修改，请使用对应的操作。"))
    changed = []
    for name in DESCRIPTIVE_FIELDS:
        if name not in data:
            continue
        if name == "is_sensitive":
            if not isinstance(data[name], bool):
                errors.add(name, _("应为是或否。"))
                continue
            value: Any = data[name]
        else:
            value = _text(data, name, INCIDENT_TEXT_FIELDS.get(name, 20_000), errors)
        if name == "title" and not value and "title" not in errors:
            errors.add("title", _("请填写标题。"))
        if getattr(incident, name) != value:
            setattr(incident, name, value)
            changed.append(name)
    errors.raise_if_any()
    if changed:
        save_with_history(incident, actor=actor, reason=_("修改事件描述"))
        incident_log(
            incident=incident,
            actor=actor,
            action="edited",
            message=_("修改了：%(fields)s")
            % {"fields": "、".join(_verbose(name) for name in changed)},
        )
    return incident


# --- the report chain -------------------------------------------------------------------------
def _refuse_reports(incident: Incident, kind: str, mode: str) -> None:
    if incident.status in CLOSED_TO_REPORTS:
        raise _fail(
            "incident",
            _("该事件状态为“%(status)s”，不再接收报告。")
            % {"status": IncidentStatus(incident.status).label},
        )
    # Only the written 终报 that follows a phone 终报 may still arrive.
    if incident.status == IncidentStatus.CLOSED and not (
        kind == ReportKind.FINAL
        and mode == ReportMode.WRITTEN
        and incident.reports.filter(kind=ReportKind.FINAL, mode=ReportMode.PHONE).exists()
        and not incident.reports.filter(kind=ReportKind.FINAL, mode=ReportMode.WRITTEN).exists()
    ):
        raise _fail("incident", _("该事件已结束（已终报），不再接收报告。"))


def _next_sequence(incident: Incident, kind: str, mode: str, asked: Any, errors: _Errors) -> int:
    """续报 numbers: a new phone report takes the next number; a written one fills in the
    latest phone report still lacking its written version, else takes the next number."""
    if kind == ReportKind.INITIAL:
        if incident.reports.filter(kind=ReportKind.INITIAL, mode=mode).exists():
            errors.add("kind", _("该事件已有%(mode)s首报。") % {"mode": ReportMode(mode).label})
        return 0
    if kind == ReportKind.FINAL:
        return 0
    same_kind = incident.reports.filter(kind=kind)
    top = same_kind.aggregate(m=Max("sequence"))["m"] or 0
    if asked is not None and asked != "":
        if isinstance(asked, bool) or not isinstance(asked, int) or asked < 1:
            errors.add("sequence", _("应为正整数。"))
            return 0
        asked_n: int = asked
        if asked_n == top + 1:
            return asked_n
        if asked_n > top + 1:
            errors.add("sequence", _("下一期应为第 %(n)d 期。") % {"n": top + 1})
            return 0
        if same_kind.filter(sequence=asked, mode=mode).exists():
            errors.add(
                "sequence",
                _("第 %(n)d 期的%(mode)s已经提交。") % {"n": asked, "mode": ReportMode(mode).label},
            )
            return 0
        return asked_n
    if mode == ReportMode.WRITTEN:
        phone = set(same_kind.filter(mode=ReportMode.PHONE).values_list("sequence", flat=True))
        written = set(same_kind.filter(mode=ReportMode.WRITTEN).values_list("sequence", flat=True))
        pending = sorted(phone - written)
        if pending:
            return pending[-1]
    return top + 1


@transaction.atomic
def report_submit(
    *,
    actor: Any,
    incident: Incident,
    data: dict[str, Any],
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Report, bool]:
    """A follow-up (续报N), daily (日报), final (终报) — or the written 首报 after a phone one.

    Numbering is computed here. Refused on merged, duplicate and false incidents, and on
    closed ones (except the written 终报 after a phone 终报). Casualty figures given in
    the report become the incident's. A 终报 closes the incident. Idempotent by key.
    """
    key = clean_idempotency_key(idempotency_key)
    now = now or timezone.now()
    if not isinstance(data, dict):
        raise _fail("__all__", _("提交的数据应为对象。"))
    if key is not None:
        existing = selectors.report_by_key(key)
        if existing is not None:
            if existing.incident_id != incident.pk or not _visible(Report, existing, actor):
                raise _fail("idempotency_key", _("该幂等键已被另一条记录使用，请换一个。"))
            return existing, False
    _require(actor, Report, "add", incident.region)
    # Lock the incident row: numbering and closing are decided one report at a time.
    incident = Incident.objects.select_for_update().select_related("region").get(pk=incident.pk)
    errors = _Errors()
    kind = _choice(data.get("kind"), ReportKind, "kind", errors)
    mode = _choice(data.get("mode") or ReportMode.WRITTEN, ReportMode, "mode", errors)
    errors.raise_if_any()
    _refuse_reports(incident, kind, mode)
    if kind == ReportKind.FINAL and incident.reports.filter(kind=kind, mode=mode).exists():
        errors.add("kind", _("该事件已有%(mode)s终报。") % {"mode": ReportMode(mode).label})
    sequence = _next_sequence(incident, kind, mode, data.get("sequence"), errors)
    texts = {name: _text(data, name, limit, errors) for name, limit in REPORT_TEXT_LIMITS.items()}
    counts = {name: _count(data.get(name), name, errors) for name in COUNT_FIELDS}
    loss = _loss(data.get("direct_loss"), errors)
    unit = _instance(Unit, data.get("unit"), "unit", errors)
    if unit is not None and not _visible(Unit, unit, actor):
        errors.add("unit", _("对象不存在。"))
    if not any(texts.values()) and all(v is None for v in counts.values()) and loss is None:
        errors.add("body", _("报告内容不能为空。"))
    errors.raise_if_any()

    report = Report(
        incident=incident,
        kind=kind,
        sequence=sequence,
        mode=mode,
        unit=unit or (actor.unit if actor is not None else None),
        submitted_by=actor,
        submitted_at=now,
        direct_loss=loss,
        idempotency_key=key,
        **texts,
        **counts,
    )
    try:
        with transaction.atomic():
            save_with_history(report, actor=actor, reason=report.label)
    except IntegrityError:
        existing = selectors.report_by_key(key) if key is not None else None
        if existing is not None and existing.incident_id == incident.pk:
            return existing, False
        raise _fail("kind", _("这一期报告已经提交。")) from None

    changed = {name: value for name, value in counts.items() if value is not None}
    if loss is not None:
        changed["direct_loss"] = loss  # type: ignore[assignment]
    changed = {k: v for k, v in changed.items() if getattr(incident, k) != v}
    closing = kind == ReportKind.FINAL and incident.status in OPEN_STATUSES
    for name, value in changed.items():
        setattr(incident, name, value)
    if closing:
        incident.status = IncidentStatus.CLOSED
        incident.closed_at = now
    if changed or closing:
        save_with_history(
            incident, actor=actor, reason=_("%(label)s更新") % {"label": report.label}
        )
    message = _("%(label)s（%(mode)s）已报送") % {
        "label": report.label,
        "mode": ReportMode(mode).label,
    }
    if changed:
        message += _("；伤亡/损失更新为：") + "，".join(
            f"{_verbose(k)} {v}" for k, v in changed.items()
        )
    incident_log(incident=incident, actor=actor, action="report", message=message, at=now)
    if closing:
        incident_log(
            incident=incident,
            actor=actor,
            action="status",
            message=_("终报已报送，事件结束。"),
            at=now,
        )

    _after_commit(lambda: _deadlines().deadlines_on_report(report=report, now=now))
    _after_commit(lambda: _score_report(report))
    if closing:
        _after_commit(lambda: _deadlines().deadlines_on_close(incident=incident, now=now))
    return report, True


@transaction.atomic
def report_sign_off(
    *,
    actor: Any,
    report: Report,
    name: str,
    at: datetime | None = None,
    now: datetime | None = None,
) -> Report:
    """Record the unit leader's sign-off (签发) of a report: who and when."""
    now = now or timezone.now()
    _require(actor, Report, "change", report.incident.region)
    errors = _Errors()
    signer = _text({"name": name}, "name", 64, errors)
    if not signer and "name" not in errors:
        errors.add("name", _("请填写签发领导姓名。"))
    when = _datetime(at, "at", errors) if at is not None else now
    if when is not None and when > now + FUTURE_TOLERANCE:
        errors.add("at", _("签发时间不能晚于当前时间。"))
    if when is not None and when < report.submitted_at - timedelta(days=1):
        errors.add("at", _("签发时间不能早于报告时间一天以上。"))
    if report.signed_off_by:
        errors.add("report", _("该报告已由%(name)s签发。") % {"name": report.signed_off_by})
    errors.raise_if_any()
    report.signed_off_by = signer
    report.signed_off_at = when
    save_with_history(report, actor=actor, reason=_("签发"))
    incident_log(
        incident=report.incident,
        actor=actor,
        action="signed_off",
        message=_("%(label)s由%(name)s签发") % {"label": report.label, "name": signer},
        at=now,
    )
    return report


# --- status, severity, merging, events -----------------------------------------------------------
@transaction.atomic
def incident_set_status(
    *,
    actor: Any,
    incident: Incident,
    status: str,
    reason: str = "",
    now: datetime | None = None,
) -> Incident:
    """Move the incident along ``choices.STATUS_TRANSITIONS``.

    False reports and duplicates need a reason; merging has its own service.
    """
    now = now or timezone.now()
    _require(actor, Incident, "change", incident.region)
    errors = _Errors()
    status = _choice(status, IncidentStatus, "status", errors)
    reason = _text({"reason": reason}, "reason", 2000, errors)
    errors.raise_if_any()
    old = incident.status
    if status == IncidentStatus.MERGED:
        raise _fail("status", _("合并请使用“合并”操作，并指定合并到的事件。"))
    if status == old:
        raise _fail("status", _("事件已是该状态。"))
    if status not in STATUS_TRANSITIONS.get(old, ()):
        raise _fail(
            "status",
            _("不能从“%(old)s”改为“%(new)s”。")
            % {"old": IncidentStatus(old).label, "new": IncidentStatus(status).label},
        )
    if status in REASON_REQUIRED and not reason:
        raise _fail("reason", _("认定为不实信息或重复报告时必须说明理由。"))
    incident.status = status
    if status == IncidentStatus.CLOSED:
        incident.closed_at = now
    elif old == IncidentStatus.CLOSED:
        incident.closed_at = None
    label = _("状态由“%(old)s”改为“%(new)s”") % {
        "old": IncidentStatus(old).label,
        "new": IncidentStatus(status).label,
    }
    save_with_history(incident, actor=actor, reason=reason or label)
    incident_log(
        incident=incident,
        actor=actor,
        action="status",
        message=f"{label}：{reason}" if reason else label,
        at=now,
    )

    if status in TERMINAL_STATUSES:
        _after_commit(lambda: _deadlines().deadlines_on_close(incident=incident, now=now))
    else:
        _after_commit(lambda: _deadlines().deadlines_on_incident(incident=incident, now=now))
    return incident


@transaction.atomic
def incident_set_severity(
    *,
    actor: Any,
    incident: Incident,
    severity: int,
    reason: str,
    now: datetime | None = None,
) -> Incident:
    """Change the level with a reason; an upgrade to 较大 or above escalates (S14)."""
    now = now or timezone.now()
    _require(actor, Incident, "change", incident.region)
    errors = _Errors()
    severity = _choice(severity, Severity, "severity", errors)
    reason = _text({"reason": reason}, "reason", 2000, errors)
    if not reason and "reason" not in errors:
        errors.add("reason", _("调整事件级别必须说明理由。"))
    errors.raise_if_any()
    if incident.status in CLOSED_TO_REPORTS:
        raise _fail("incident", _("该事件已合并、重复或不实，不能调整级别。"))
    old = incident.severity
    if severity == old:
        raise _fail("severity", _("事件已是该级别。"))
    incident.severity = severity
    upgraded = severity < old and severity <= ESCALATION_LEVEL
    if upgraded:
        _escalate(incident=incident, actor=actor, now=now)
    save_with_history(incident, actor=actor, reason=reason)
    incident_log(
        incident=incident,
        actor=actor,
        action="severity",
        message=_("级别由%(old)s调整为%(new)s：%(reason)s")
        % {"old": Severity(old).label, "new": Severity(severity).label, "reason": reason},
        at=now,
    )

    _after_commit(lambda: _deadlines().deadlines_on_severity_change(incident=incident, now=now))
    return incident


@transaction.atomic
def incident_set_scene_liaison(
    *, actor: Any, incident: Incident, name: str, phone: str, now: datetime | None = None
) -> Incident:
    """The on-scene liaison (现场联络人) asked for at 较大 and above."""
    now = now or timezone.now()
    _require(actor, Incident, "change", incident.region)
    errors = _Errors()
    name = _text({"name": name}, "name", 64, errors)
    phone = _text({"phone": phone}, "phone", 32, errors)
    if not name and "name" not in errors:
        errors.add("name", _("请填写现场联络人姓名。"))
    if "phone" not in errors and not PHONE_PATTERN.match(phone):
        errors.add("phone", _("请填写有效的联系电话。"))
    errors.raise_if_any()
    incident.scene_contact_name = name
    incident.scene_contact_phone = phone
    save_with_history(incident, actor=actor, reason=_("指定现场联络人"))
    incident_log(
        incident=incident,
        actor=actor,
        action="scene_liaison",
        message=_("现场联络人：%(name)s，%(phone)s") % {"name": name, "phone": phone},
        at=now,
    )
    return incident


@transaction.atomic
def incident_merge(
    *,
    actor: Any,
    source: Incident,
    target: Incident,
    reason: str = "",
    now: datetime | None = None,
) -> Incident:
    """Merge ``source`` into ``target``: source becomes 已合并, its reports stay readable."""
    now = now or timezone.now()
    if actor is not None:
        visible = Incident.objects.restrict(actor, "view").filter(pk__in=[source.pk, target.pk])
        if visible.count() != len({source.pk, target.pk}):
            raise _fail("target", _("对象不存在。"))
    _require(actor, Incident, "change", source.region)
    errors = _Errors()
    reason = _text({"reason": reason}, "reason", 2000, errors)
    errors.raise_if_any()
    if source.pk == target.pk:
        raise _fail("target", _("不能合并到事件本身。"))
    if target.status in CLOSED_TO_REPORTS:
        raise _fail(
            "target",
            _("目标事件状态为“%(status)s”，不能作为合并目标。")
            % {"status": IncidentStatus(target.status).label},
        )
    if IncidentStatus.MERGED not in STATUS_TRANSITIONS.get(source.status, ()):
        raise _fail(
            "incident",
            _("状态为“%(status)s”的事件不能合并。")
            % {"status": IncidentStatus(source.status).label},
        )
    source.status = IncidentStatus.MERGED
    source.merged_into = target
    save_with_history(source, actor=actor, reason=reason or _("合并"))
    # Keep the chain flat: whatever had been merged into the source now points at the target.
    for earlier in Incident.objects.filter(merged_into=source):
        earlier.merged_into = target
        save_with_history(earlier, actor=actor, reason=_("随上级事件合并"))
    incident_log(
        incident=source,
        actor=actor,
        action="merged",
        message=_("合并到 %(number)s %(title)s") % {"number": target.number, "title": target.title}
        + (f"：{reason}" if reason else ""),
        at=now,
    )
    incident_log(
        incident=target,
        actor=actor,
        action="merged_in",
        message=_("%(number)s %(title)s 并入本事件")
        % {"number": source.number, "title": source.title},
        at=now,
    )

    _after_commit(lambda: _deadlines().deadlines_on_close(incident=source, now=now))
    return source


@transaction.atomic
def incident_assign_event(
    *, actor: Any, incident: Incident, event: Event | None, now: datetime | None = None
) -> Incident:
    """Put the incident in an event (a rainstorm day …), or take it out (``event=None``)."""
    now = now or timezone.now()
    _require(actor, Incident, "change", incident.region)
    if event is not None and not _visible(Event, event, actor):
        raise _fail("event", _("对象不存在。"))
    if incident.event_id == (event.pk if event else None):
        return incident
    incident.event = event
    save_with_history(incident, actor=actor, reason=_("归入事件过程"))
    incident_log(
        incident=incident,
        actor=actor,
        action="event",
        message=_("归入事件过程：%(name)s") % {"name": event.name} if event else _("移出事件过程"),
        at=now,
    )
    return incident


@transaction.atomic
def event_create(*, actor: Any, data: dict[str, Any]) -> Event:
    """Open an event (事件过程) that groups incidents."""
    event = Event(**data)
    _require(actor, Event, "add", event.region)
    _check_event(event)
    return save_with_history(event, actor=actor, reason=_("新建事件过程"))


@transaction.atomic
def event_update(*, actor: Any, event: Event, data: dict[str, Any]) -> Event:
    for region in (event.region, data.get("region", event.region)):
        _require(actor, Event, "change", region)
    for name, value in data.items():
        setattr(event, name, value)
    _check_event(event)
    return save_with_history(event, actor=actor, reason=_("修改事件过程"))


def _check_event(event: Event) -> None:
    if event.ended_at is not None and event.ended_at < event.started_at:
        raise _fail("ended_at", _("结束时间不能早于开始时间。"))
    event.full_clean(validate_unique=False)


# --- notifications --------------------------------------------------------------------------------
@transaction.atomic
def notification_mark_read(
    *, actor: Any, notification: Notification, now: datetime | None = None
) -> Notification:
    if notification.recipient_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只能处理自己的通知。"))
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: Any, now: datetime | None = None) -> int:
    count: int = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    return count


# --- attachments ------------------------------------------------------------------------------------
DEFAULT_MAX_MB = {"photo": 20, "video": 200, "document": 50, "audio": 50}

# (kind, MIME type, extension) by detected format.
FORMATS: dict[str, tuple[str, str, str]] = {
    "jpeg": (AttachmentKind.PHOTO, "image/jpeg", "jpg"),
    "png": (AttachmentKind.PHOTO, "image/png", "png"),
    "heic": (AttachmentKind.PHOTO, "image/heic", "heic"),
    "webp": (AttachmentKind.PHOTO, "image/webp", "webp"),
    "mp4": (AttachmentKind.VIDEO, "video/mp4", "mp4"),
    "mov": (AttachmentKind.VIDEO, "video/quicktime", "mov"),
    "pdf": (AttachmentKind.DOCUMENT, "application/pdf", "pdf"),
    "docx": (
        AttachmentKind.DOCUMENT,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "xlsx": (
        AttachmentKind.DOCUMENT,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "m4a": (AttachmentKind.AUDIO, "audio/mp4", "m4a"),
    "amr": (AttachmentKind.AUDIO, "audio/amr", "amr"),
}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}
_MOV_BRANDS = {b"qt  "}
_M4A_BRANDS = {b"M4A ", b"M4B "}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
    b"M4VH", b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"dash", b"MSNV", b"f4v ",
}  # fmt: skip


def max_attachment_bytes(kind: str) -> int:
    limits = {**DEFAULT_MAX_MB, **getattr(settings, "YINGJI_ATTACHMENT_MAX_MB", {})}
    return int(limits.get(kind, 20)) * 1024 * 1024


def sniff(head: bytes, fileobj: Any = None) -> str | None:
    """The format of a file from its first bytes (magic numbers), or None if not allowed.

    ZIP containers are opened to tell a Word document from a workbook; anything else in a
    ZIP is refused. The client's filename and Content-Type are never consulted.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"#!AMR"):
        return "amr"
    if head[4:8] == b"ftyp":
        brands = {head[8:12]}
        size = int.from_bytes(head[0:4], "big")
        compat = head[16 : min(size, len(head))]
        brands |= {compat[i : i + 4] for i in range(0, len(compat) - 3, 4)}
        major = head[8:12]
        if major in _HEIC_BRANDS:
            return "heic"
        if major in _M4A_BRANDS:
            return "m4a"
        if major in _MOV_BRANDS:
            return "mov"
        if major in _MP4_BRANDS or brands & _MP4_BRANDS:
            return "mp4"
        if brands & _HEIC_BRANDS:
            return "heic"
        return None
    if head.startswith(b"PK\x03\x04") and fileobj is not None:
        try:
            fileobj.seek(0)
            with zipfile.ZipFile(fileobj) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            fileobj.seek(0)
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    return None


def _safe_name(name: Any) -> str:
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "upload"


@transaction.atomic
def attachment_add(
    *,
    actor: Any,
    incident: Incident,
    report: Report | None = None,
    upload: Any,
    kind: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> Attachment:
    """Store a photo, video, document or recording for an incident (and a report).

    The type is decided by the file's content; the size limit is per kind
    (``YINGJI_ATTACHMENT_MAX_MB``); the file goes to Django's default storage under its
    SHA-256, never under the client's name.
    """
    _require(actor, Attachment, "add", incident.region)
    if actor is not None and not _visible(Incident, incident, actor):
        raise _fail("incident", _("对象不存在。"))
    errors = _Errors()
    if upload is None or not hasattr(upload, "read"):
        raise _fail("file", _("请选择要上传的文件。"))
    if report is not None and report.incident_id != incident.pk:
        errors.add("report", _("该报告不属于这个事件。"))
    if kind not in (None, "") and kind not in AttachmentKind.values:
        errors.add("kind", _("不是有效的选项。"))
    if (lon is None) != (lat is None):
        errors.add("lat", _("经度和纬度要同时填写。"))
    elif lon is not None and not (-180 <= lon <= 180 and -90 <= float(lat or 0) <= 90):
        errors.add("lon", _("经纬度超出范围。"))
    errors.raise_if_any()
    size = getattr(upload, "size", None)
    if not size:
        raise _fail("file", _("文件是空的。"))
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    fmt = sniff(head, upload)
    if fmt is None:
        raise _fail(
            "file",
            _(
                "不支持的文件类型：只接受 JPEG/PNG/HEIC/WebP 照片、MP4/MOV 视频、PDF/Word/Excel 文档和 M4A/AMR 录音。"
            ),
        )
    detected_kind, content_type, extension = FORMATS[fmt]
    if kind and kind != detected_kind:
        raise _fail(
            "kind",
            _("文件内容是%(actual)s，不是%(claimed)s。")
            % {
                "actual": AttachmentKind(detected_kind).label,
                "claimed": AttachmentKind(kind).label,
            },
        )
    limit = max_attachment_bytes(detected_kind)
    if size > limit:
        raise _fail(
            "file",
            _("%(kind)s不能超过 %(mb)d MB。")
            % {"kind": AttachmentKind(detected_kind).label, "mb": limit // (1024 * 1024)},
        )
    digest = hashlib.sha256()
    for chunk in (
        upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    ):
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        incident=incident,
        report=report,
        kind=detected_kind,
        original_name=_safe_name(getattr(upload, "name", "")),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        lon=lon,
        lat=lat,
    )
    stored = False
    try:
        attachment.file.save(f"{detected_kind}.{extension}", File(upload), save=False)
        stored = True
        save_with_history(attachment, actor=actor, reason=_("上传附件"))
        incident_log(
            incident=incident,
            actor=actor,
            action="attachment",
            message=_("上传%(kind)s：%(name)s")
            % {"kind": AttachmentKind(detected_kind).label, "name": attachment.original_name},
        )
    except Exception:
        if stored:
            attachment.file.delete(save=False)
        raise
    return attachment
