"""Grassroots information officers (基层信息员, S5), their counties' roster filings with the
city, and direct-report points (信息直报点, S6).

The seed (济政办字〔2018〕13号 二(二)) asks every county to keep a database of its
information officers, at least 20 per county, filed with the city platform; and (二(三))
lifeline utilities and high-risk enterprises to report straight to the city.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import RegionScopedModel, RestrictedManager, TimestampedModel
from yingji.geo.choices import RegionLevel

from .choices import OfficerPost, RosterStatus
from .validators import validate_duty_phone, validate_phone

#: Regions an officer may be registered in: the township they cover, or the district
#: itself (or a functional zone) when the county keeps them at county level.
OFFICER_REGION_LEVELS = (RegionLevel.DISTRICT, RegionLevel.ZONE, RegionLevel.TOWNSHIP)

#: Regions a direct-report point may sit in: the city (it reports straight to the city) or
#: one district.
POINT_REGION_LEVELS = (RegionLevel.CITY, RegionLevel.DISTRICT)


class InformationOfficer(RegionScopedModel):
    """A grassroots information officer (基层信息员): a village cadre, grid worker, property
    manager, teacher… who reports incidents in the area they cover.

    ``region`` is the township (or district) they cover, which decides who sees them; the
    county is the district above it. ``user`` is their platform account, when they have
    one (role 基层信息员): reports they submit through it count towards their statistics.
    No identity-card number is kept (privacy): name, phone and post are enough to reach
    and recognise them.
    """

    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=32, validators=[validate_phone])
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("所在单位"),
        on_delete=models.PROTECT,
        related_name="information_officers",
        null=True,
        blank=True,
        help_text=_("信息员所属或挂靠的单位，如镇街办事处、村委会所在镇街。"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("平台账号"),
        on_delete=models.SET_NULL,
        related_name="information_officer",
        null=True,
        blank=True,
    )
    post = models.CharField(_("身份/岗位"), max_length=24, choices=OfficerPost.choices)
    area_covered = models.CharField(
        _("负责区域"), max_length=255, blank=True, help_text=_("如：解放路街道佛山社区1–3网格")
    )
    joined_at = models.DateField(_("聘任日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)
    inactive_reason = models.CharField(_("离岗原因"), max_length=255, blank=True)
    inactive_since = models.DateField(_("离岗日期"), null=True, blank=True)
    is_synthetic = models.BooleanField(
        _("合成数据"), default=False, help_text=_("演示用的合成信息员，不是真实人员。")
    )
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "region__path"

    class Meta:
        verbose_name = _("基层信息员")
        verbose_name_plural = _("基层信息员")
        ordering = ["region__path", "name", "id"]
        indexes = [
            models.Index(fields=["is_active", "region"], name="reporters_officer_active"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_active=True) | ~models.Q(inactive_reason=""),
                name="reporters_officer_inactive_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        region = self.region if self.region_id else None
        if region is not None and region.level not in OFFICER_REGION_LEVELS:
            errors["region"] = _("信息员应登记在镇街或县区。")
        if not self.is_active and not (self.inactive_reason or "").strip():
            errors["inactive_reason"] = _("离岗须填写原因。")
        if self.is_active and (self.inactive_reason or self.inactive_since):
            errors["is_active"] = _("在岗的信息员不应有离岗原因或日期。")
        if self.unit_id and region is not None and self.unit is not None:
            unit_path = self.unit.region.path
            # The unit must be in the same county: above or below the officer's region.
            if not (region.path.startswith(unit_path) or unit_path.startswith(region.path)):
                errors["unit"] = _("单位须在信息员所在区划内。")
        if errors:
            raise ValidationError(errors)

    @property
    def county(self) -> Any:
        """The district (县区) above the officer's region, or None."""
        from yingji.geo.models import Region

        region = self.region
        if region.level in (RegionLevel.DISTRICT, RegionLevel.ZONE):
            return region
        codes = [code for code in region.path.strip("/").split("/") if code]
        return (
            Region.objects.filter(code__in=codes, level=RegionLevel.DISTRICT)
            .order_by("-path")
            .first()
        )


class OfficerTraining(TimestampedModel):
    """One training an officer attended (信息报送培训): when, what, how long, passed or not."""

    officer = models.ForeignKey(
        InformationOfficer,
        verbose_name=_("信息员"),
        on_delete=models.CASCADE,
        related_name="trainings",
    )
    date = models.DateField(_("培训日期"))
    course = models.CharField(_("培训内容"), max_length=200)
    hours = models.DecimalField(
        _("学时"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(999)],
    )
    passed = models.BooleanField(_("考核合格"), default=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "officer__region__path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("信息员培训记录")
        verbose_name_plural = _("信息员培训记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gte=0), name="reporters_training_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} {self.date:%Y-%m-%d} {self.course}"


class RosterFiling(RegionScopedModel):
    """A county's roster of information officers as filed with the city (名录备案).

    The roster is frozen at filing time (``snapshot``: one entry per officer) so that
    what the city accepted stays readable after the county edits its registry. ``region``
    is the county (district).
    """

    filed_at = models.DateTimeField(_("报备时间"), db_index=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报备人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    officer_count = models.PositiveIntegerField(_("信息员总数"), default=0)
    active_count = models.PositiveIntegerField(_("在岗人数"), default=0)
    snapshot = models.JSONField(_("名录快照"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=RosterStatus.choices, default=RosterStatus.SUBMITTED
    )
    remark = models.TextField(_("市级意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["snapshot"])

    region_scope: ClassVar[str] = "region__path"

    class Meta:
        verbose_name = _("信息员名录备案")
        verbose_name_plural = _("信息员名录备案")
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        from django.utils import timezone

        when = timezone.localtime(self.filed_at).strftime("%Y-%m-%d") if self.filed_at else ""
        return f"{self.region.name} {when}"


class DirectReportPoint(RegionScopedModel):
    """A direct-report point (信息直报点): a lifeline utility or high-risk enterprise that
    reports incidents straight to the city platform (water, power, gas, heating, bus,
    chemical…).

    The point is its ``unit`` (kind utility or enterprise, with its sector); its users have
    the role 信息直报点 and report through the same incident pipeline as everyone else.
    ``region`` is the unit's region: the city, or the district the enterprise sits in.
    """

    unit = models.OneToOneField(
        "accounts.Unit",
        verbose_name=_("直报单位"),
        on_delete=models.PROTECT,
        related_name="direct_report_point",
    )
    facilities = models.TextField(
        _("覆盖设施/区域"), blank=True, help_text=_("如：全市供水管网、12座水厂")
    )
    contact_name = models.CharField(_("联系人"), max_length=64)
    contact_phone = models.CharField(_("联系人电话"), max_length=32, validators=[validate_phone])
    phone_24h = models.CharField(
        _("24小时值班电话"), max_length=32, validators=[validate_duty_phone]
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_synthetic = models.BooleanField(_("合成数据"), default=False)
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "region__path"

    class Meta:
        verbose_name = _("信息直报点")
        verbose_name_plural = _("信息直报点")
        ordering = ["region__path", "unit__name"]

    def __str__(self) -> str:
        return str(self.unit)

    def clean(self) -> None:
        from yingji.accounts.choices import UnitKind

        errors: dict[str, Any] = {}
        unit = self.unit if self.unit_id else None
        if unit is not None:
            if unit.kind not in (UnitKind.UTILITY, UnitKind.ENTERPRISE):
                errors["unit"] = _("直报单位须是公用事业单位或企业。")
            elif not unit.sector:
                errors["unit"] = _("直报单位须填写行业（供水、供电、供气、供热、公交、危化等）。")
            elif unit.region.level not in POINT_REGION_LEVELS:
                errors["unit"] = _("直报单位须在市级或县区登记。")
        if errors:
            raise ValidationError(errors)
