"""Writes for information officers, roster filings and direct-report points.

Every function is keyword-only, takes the acting user, checks the rule (role and region
through ``check_scope``), and writes with history naming the actor.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.accounts.choices import Role, UnitKind
from yingji.accounts.models import Unit, User
from yingji.accounts.services import unit_create, user_create
from yingji.core.services import check_scope, save_with_history
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region

from .choices import RosterStatus
from .models import (
    POINT_REGION_LEVELS,
    DirectReportPoint,
    InformationOfficer,
    OfficerTraining,
    RosterFiling,
)
from .validators import normalize_phone

OFFICER_FIELDS = {
    "name",
    "phone",
    "unit",
    "user",
    "post",
    "area_covered",
    "joined_at",
    "is_active",
    "inactive_reason",
    "inactive_since",
    "region",
    "owner_unit",
    "is_synthetic",
    "note",
}


def _refuse_unknown(fields: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError({name: _("不能修改这个字段。") for name in unknown})


def _check_linked_user(officer: InformationOfficer) -> None:
    user = officer.user if officer.user_id else None
    if user is None:
        return
    if user.role != Role.INFO_OFFICER:
        raise ValidationError({"user": _("关联账号的角色须是基层信息员。")})
    scope = user.scope_path or ""
    county = officer.county
    if county is None or not scope.startswith(county.path):
        raise ValidationError({"user": _("关联账号须属于信息员所在县区的单位。")})


# -- information officers ---------------------------------------------------------------
@transaction.atomic
def officer_create(*, actor: User | None, **fields: Any) -> InformationOfficer:
    """Register an information officer in a region the actor may add officers to."""
    _refuse_unknown(fields, OFFICER_FIELDS)
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
    officer = InformationOfficer(**fields)
    if officer.owner_unit_id is None and actor is not None and actor.unit_id:
        officer.owner_unit = actor.unit
    if actor is not None:
        check_scope(
            actor=actor,
            model=InformationOfficer,
            action="add",
            region=officer.region if officer.region_id else None,
        )
    officer.full_clean()
    _check_linked_user(officer)
    return save_with_history(officer, actor=actor, reason=_("登记信息员"))


@transaction.atomic
def officer_update(
    *, actor: User | None, officer: InformationOfficer, **fields: Any
) -> InformationOfficer:
    """Change an officer; both where they are and where they would go must be in scope."""
    _refuse_unknown(fields, OFFICER_FIELDS - {"owner_unit"})
    if actor is not None:
        for region in (officer.region, fields.get("region", officer.region)):
            check_scope(actor=actor, model=InformationOfficer, action="change", region=region)
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
    if fields.get("is_active") is True:
        # Back at work: the old reason no longer applies.
        fields.setdefault("inactive_reason", "")
        fields.setdefault("inactive_since", None)
    for name, value in fields.items():
        setattr(officer, name, value)
    officer.full_clean()
    _check_linked_user(officer)
    return save_with_history(officer, actor=actor, reason=_("修改信息员"))


@transaction.atomic
def officer_deactivate(
    *,
    actor: User | None,
    officer: InformationOfficer,
    reason: str,
    since: date | None = None,
) -> InformationOfficer:
    """Mark an officer as no longer active (离岗), with the reason and the date."""
    if actor is not None:
        check_scope(actor=actor, model=InformationOfficer, action="change", region=officer.region)
    if not (reason or "").strip():
        raise ValidationError({"inactive_reason": _("离岗须填写原因。")})
    officer.is_active = False
    officer.inactive_reason = reason.strip()
    officer.inactive_since = since or timezone.localdate()
    officer.full_clean()
    return save_with_history(officer, actor=actor, reason=_("信息员离岗：%s") % reason.strip())


@transaction.atomic
def officer_training_add(
    *, actor: User | None, officer: InformationOfficer, **fields: Any
) -> OfficerTraining:
    """Record a training the officer attended."""
    _refuse_unknown(fields, {"date", "course", "hours", "passed", "note"})
    if actor is not None:
        check_scope(actor=actor, model=OfficerTraining, action="add", region=officer.region)
    training = OfficerTraining(officer=officer, **fields)
    training.full_clean()
    return save_with_history(training, actor=actor, reason=_("登记培训"))


# -- roster filing ----------------------------------------------------------------------
def _is_city_level(actor: User) -> bool:
    if actor.is_superuser:
        return True
    region = actor.region
    return region is not None and region.level in (RegionLevel.CITY, RegionLevel.PROVINCE)


def roster_snapshot(county: Region) -> list[dict[str, Any]]:
    """The county's officers as plain data, frozen into a filing."""
    officers = (
        InformationOfficer.objects.filter(region__path__startswith=county.path)
        .select_related("region", "unit")
        .prefetch_related("trainings")
        .order_by("region__path", "name", "id")
    )
    rows = []
    for officer in officers:
        trainings = list(officer.trainings.all())
        rows.append(
            {
                "id": officer.pk,
                "name": officer.name,
                "phone": officer.phone,
                "region_code": officer.region.code,
                "region_name": officer.region.name,
                "unit": officer.unit.name if officer.unit else "",
                "post": officer.post,
                "post_label": str(officer.get_post_display()),
                "area_covered": officer.area_covered,
                "joined_at": officer.joined_at.isoformat() if officer.joined_at else None,
                "is_active": officer.is_active,
                "inactive_reason": officer.inactive_reason,
                "trainings": len(trainings),
                "trained": any(t.passed for t in trainings),
            }
        )
    return rows


@transaction.atomic
def roster_file(*, actor: User, county: Region, now: datetime | None = None) -> RosterFiling:
    """File the county's current roster with the city (名录备案).

    The roster is frozen into the filing. A filing still waiting for the city is replaced
    (marked superseded) by the new one, so the city reviews only the latest list.
    """
    if county.level != RegionLevel.DISTRICT:
        raise ValidationError({"county": _("只能按县区报备信息员名录。")})
    check_scope(actor=actor, model=RosterFiling, action="add", region=county)
    now = now or timezone.now()
    snapshot = roster_snapshot(county)
    pending = RosterFiling.objects.select_for_update().filter(
        region=county, status=RosterStatus.SUBMITTED
    )
    for old in pending:
        old.status = RosterStatus.SUPERSEDED
        save_with_history(old, actor=actor, reason=_("被新的名录报备取代"))
    filing = RosterFiling(
        region=county,
        owner_unit=actor.unit if actor.unit_id else None,
        filed_at=now,
        filed_by=actor,
        officer_count=len(snapshot),
        active_count=sum(1 for row in snapshot if row["is_active"]),
        snapshot=snapshot,
        status=RosterStatus.SUBMITTED,
    )
    return save_with_history(filing, actor=actor, reason=_("报备信息员名录"))


def _review(
    *, actor: User, filing: RosterFiling, status: str, remark: str, now: datetime | None
) -> RosterFiling:
    check_scope(actor=actor, model=RosterFiling, action="change", region=filing.region)
    if not _is_city_level(actor):
        raise PermissionDenied(_("名录备案由市级审核。"))
    filing = RosterFiling.objects.select_for_update().get(pk=filing.pk)
    if filing.status != RosterStatus.SUBMITTED:
        raise ValidationError(
            {"status": _("这份备案的状态是“%s”，不能再审核。") % filing.get_status_display()}
        )
    filing.status = status
    filing.remark = remark.strip()
    filing.reviewed_by = actor
    filing.reviewed_at = now or timezone.now()
    return filing


@transaction.atomic
def roster_accept(
    *, actor: User, filing: RosterFiling, remark: str = "", now: datetime | None = None
) -> RosterFiling:
    """The city accepts a county's filing."""
    filing = _review(
        actor=actor, filing=filing, status=RosterStatus.ACCEPTED, remark=remark, now=now
    )
    return save_with_history(filing, actor=actor, reason=_("接收名录备案"))


@transaction.atomic
def roster_return(
    *, actor: User, filing: RosterFiling, remark: str, now: datetime | None = None
) -> RosterFiling:
    """The city returns a county's filing with the reason (e.g. fewer than 20 officers)."""
    if not (remark or "").strip():
        raise ValidationError({"remark": _("退回须写明意见。")})
    filing = _review(
        actor=actor, filing=filing, status=RosterStatus.RETURNED, remark=remark, now=now
    )
    return save_with_history(filing, actor=actor, reason=_("退回名录备案"))


# -- direct-report points ---------------------------------------------------------------
UNIT_DATA_FIELDS = {"name", "short_name", "kind", "sector", "region", "credit_code", "phone"}
UNIT_DATA_FIELDS |= {"address", "lon", "lat", "parent"}
CONTACT_FIELDS = {"contact_name", "contact_phone", "phone_24h", "facilities", "note"}
POINT_FIELDS = CONTACT_FIELDS | {"unit", "is_active", "owner_unit", "is_synthetic"}


@dataclass(frozen=True)
class PointRegistration:
    """What registering a point made. ``password`` is shown to the caller once and never
    stored or logged in clear."""

    point: DirectReportPoint
    user: User | None
    password: str | None


def _check_point_unit(unit: Unit) -> None:
    if unit.kind not in (UnitKind.UTILITY, UnitKind.ENTERPRISE):
        raise ValidationError({"kind": _("直报单位须是公用事业单位或企业。")})
    if not unit.sector:
        raise ValidationError({"sector": _("请选择行业（供水、供电、供气、供热、公交、危化等）。")})
    if unit.region.level not in POINT_REGION_LEVELS:
        raise ValidationError({"region": _("直报单位须在市级或县区登记。")})


@transaction.atomic
def direct_report_point_create(
    *, actor: User | None, unit: Unit, **fields: Any
) -> DirectReportPoint:
    """Make an existing utility or enterprise unit a direct-report point."""
    _refuse_unknown(fields, POINT_FIELDS - {"unit"})
    for name in ("contact_phone", "phone_24h"):
        if name in fields:
            fields[name] = normalize_phone(fields[name])
    point = DirectReportPoint(unit=unit, region=unit.region, **fields)
    if actor is not None:
        check_scope(actor=actor, model=DirectReportPoint, action="add", region=unit.region)
        if point.owner_unit_id is None and actor.unit_id:
            point.owner_unit = actor.unit
    _check_point_unit(unit)
    if DirectReportPoint.objects.filter(unit=unit).exists():
        raise ValidationError({"unit": _("这个单位已经是信息直报点。")})
    point.full_clean()
    return save_with_history(point, actor=actor, reason=_("登记信息直报点"))


@transaction.atomic
def direct_report_point_update(
    *, actor: User | None, point: DirectReportPoint, **fields: Any
) -> DirectReportPoint:
    _refuse_unknown(fields, POINT_FIELDS - {"owner_unit"})
    unit = fields.get("unit", point.unit)
    if actor is not None:
        for region in (point.region, unit.region):
            check_scope(actor=actor, model=DirectReportPoint, action="change", region=region)
    for name in ("contact_phone", "phone_24h"):
        if name in fields:
            fields[name] = normalize_phone(fields[name])
    if unit.pk != point.unit_id:
        _check_point_unit(unit)
        if DirectReportPoint.objects.filter(unit=unit).exclude(pk=point.pk).exists():
            raise ValidationError({"unit": _("这个单位已经是信息直报点。")})
    for name, value in fields.items():
        setattr(point, name, value)
    point.region = unit.region
    point.full_clean()
    return save_with_history(point, actor=actor, reason=_("修改信息直报点"))


def _account_username(unit: Unit) -> str:
    base = f"zhibao{unit.pk:04d}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def one_time_password() -> str:
    """A random password for a new account, handed over once (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def direct_report_point_register(
    *,
    actor: User | None,
    unit_data: dict[str, Any],
    contact: dict[str, Any],
    create_account: bool,
    username: str | None = None,
    password: str | None = None,
) -> PointRegistration:
    """Register a new direct-report point: its unit, the point and, optionally, an account.

    The account has the role 信息直报点 in the new unit; its password is random and is
    returned once, in ``PointRegistration.password`` (never stored in clear, never logged).
    Only the city administrator may create accounts. ``password`` is for the demo loader,
    whose accounts share the documented demo password.
    """
    _refuse_unknown(unit_data, UNIT_DATA_FIELDS)
    _refuse_unknown(contact, CONTACT_FIELDS)
    data = dict(unit_data)
    if data.get("kind") not in (UnitKind.UTILITY, UnitKind.ENTERPRISE):
        raise ValidationError({"kind": _("直报单位须是公用事业单位或企业。")})
    if not data.get("sector"):
        raise ValidationError({"sector": _("请选择行业（供水、供电、供气、供热、公交、危化等）。")})
    region = data.get("region")
    if not isinstance(region, Region):
        raise ValidationError({"region": _("请选择所属区划。")})
    if region.level not in POINT_REGION_LEVELS:
        raise ValidationError({"region": _("直报单位须在市级或县区登记。")})
    if actor is not None:
        check_scope(actor=actor, model=DirectReportPoint, action="add", region=region)
        if create_account and not actor.has_perm("accounts.add_user"):
            raise PermissionDenied(_("只有市级管理员可以创建账号。"))
    if Unit.objects.filter(region=region, name=data.get("name", "")).exists():
        raise ValidationError({"name": _("这个区划已有同名单位。")})
    unit = unit_create(actor=actor, **data)
    point = direct_report_point_create(actor=actor, unit=unit, **contact)
    user = None
    secret = None
    if create_account:
        secret = password or one_time_password()
        user = user_create(
            actor=actor,
            username=username or _account_username(unit),
            password=secret,
            role=Role.DIRECT_REPORT,
            unit=unit,
            full_name=point.contact_name,
            phone=point.contact_phone,
        )
    return PointRegistration(point=point, user=user, password=secret)
