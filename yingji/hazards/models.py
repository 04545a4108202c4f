"""Hazards (危险源数据库, S4): hazard sources and risk areas, and low-lying road sections."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import RestrictedManager, TimestampedModel
from yingji.core.registry import RegistryRecord
from yingji.geo.geometry import GeoJSONValidator
from yingji.geo.located import LocatedModel

from .choices import DepthSource, HazardLevel
from .codes import HAZARD_CODES, validate_hazard_code


class HazardSource(RegistryRecord, LocatedModel):
    """One hazard source or risk area (危险源/风险隐患区), coded 2xxxx (standards.md §1.4).

    A tank farm, a tailings pond, a landslide zone… with its level, the enterprise or unit
    that runs it, the department responsible for it (``owner_unit``), its point or outline,
    and its last inspection.
    """

    #: Columns of the Excel export (pages and API) and of the census template.
    export_fields: ClassVar[tuple[str, ...]] = (
        "code",
        "name",
        "level",
        "operator_name",
        "contact_name",
        "contact_phone",
        "region",
        "owner_unit",
        "address",
        "lon",
        "lat",
        "last_inspected_on",
        "inspection_findings",
        "last_reviewed_at",
    )

    default_review_days: ClassVar[int] = 180
    shape_field: ClassVar[str] = "geometry"

    code = models.CharField(
        _("危险源代码"), max_length=5, validators=[validate_hazard_code], db_index=True
    )
    name = models.CharField(_("名称"), max_length=128)
    level = models.CharField(
        _("风险等级"), max_length=16, choices=HazardLevel.choices, default=HazardLevel.GENERAL
    )
    operator_name = models.CharField(_("所属企业或单位"), max_length=128, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    geometry = models.JSONField(
        _("范围（GeoJSON）"),
        null=True,
        blank=True,
        validators=[GeoJSONValidator(("Point", "Polygon", "MultiPolygon"))],
    )
    last_inspected_on = models.DateField(_("最近检查日期"), null=True, blank=True)
    inspection_findings = models.TextField(_("检查发现的问题"), blank=True)
    description = models.TextField(_("风险描述"), blank=True)

    history = HistoricalRecords(excluded_fields=["geometry"])

    class Meta:
        verbose_name = _("危险源")
        verbose_name_plural = _("危险源")
        ordering = ["region__path", "code", "name"]
        indexes = [models.Index(fields=["level", "code"], name="hazards_source_level_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def code_name(self) -> str:
        return HAZARD_CODES.name(self.code)


class LowLyingRoad(RegistryRecord, LocatedModel):
    """One low-lying road section (低洼路段): where rain collects, underpasses above all.

    Jinan's signature risk: people drown in flooded underpasses (下穿立交). A section has
    its line or outline plus a representative point, the lowest and surrounding elevation
    (the dip, ``dip_depth_m``, is their difference), drainage capacity, the depth at which
    the road must be closed (``warning_depth_cm``), pumps on site and recorded depths.
    Reviewed every year before the flood season (``default_review_days``).
    """

    #: Columns of the Excel export (pages and API) and of the census template.
    export_fields: ClassVar[tuple[str, ...]] = (
        "road_name",
        "section_from",
        "section_to",
        "region",
        "owner_unit",
        "lon",
        "lat",
        "lowest_elevation_m",
        "surrounding_elevation_m",
        "dip_depth_m",
        "warning_depth_cm",
        "pump_count",
        "is_underpass",
        "last_reviewed_at",
    )

    default_review_days: ClassVar[int] = 365
    shape_field: ClassVar[str] = "geometry"

    road_name = models.CharField(_("道路名称"), max_length=128)
    section_from = models.CharField(_("起点"), max_length=128, blank=True)
    section_to = models.CharField(_("止点"), max_length=128, blank=True)
    description = models.TextField(_("路段描述"), blank=True)
    geometry = models.JSONField(
        _("线位或范围（GeoJSON）"),
        null=True,
        blank=True,
        validators=[GeoJSONValidator(("LineString", "Polygon", "MultiPolygon"))],
    )
    lowest_elevation_m = models.FloatField(
        _("最低点高程（米）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-500), MaxValueValidator(9000)],
    )
    surrounding_elevation_m = models.FloatField(
        _("周边地面高程（米）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-500), MaxValueValidator(9000)],
    )
    dip_depth_m = models.FloatField(
        _("低洼深度（米）"), null=True, blank=True, editable=False, db_index=True
    )
    drainage_capacity_m3h = models.FloatField(
        _("排水能力（立方米/小时）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1e7)],
    )
    warning_depth_cm = models.PositiveIntegerField(
        _("警戒水深（厘米）"),
        default=20,
        validators=[MaxValueValidator(2000)],
        help_text=_("达到此水深即应封闭路段；默认值仅为占位，按路段实际设定。"),
    )
    pump_count = models.PositiveIntegerField(
        _("现场泵站/泵车数量"), default=0, validators=[MaxValueValidator(1000)]
    )
    pump_capacity_m3h = models.FloatField(
        _("泵排能力（立方米/小时）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1e7)],
    )
    is_underpass = models.BooleanField(_("下穿立交"), default=False)
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords(excluded_fields=["geometry"])

    class Meta:
        verbose_name = _("低洼路段")
        verbose_name_plural = _("低洼路段")
        ordering = ["region__path", "road_name", "section_from"]
        indexes = [models.Index(fields=["is_underpass"], name="hazards_road_underpass")]

    def __str__(self) -> str:
        section = "—".join(p for p in (self.section_from, self.section_to) if p)
        return f"{self.road_name}（{section}）" if section else self.road_name

    @property
    def code(self) -> str:
        return "21A02"

    def compute_dip(self) -> float | None:
        if self.lowest_elevation_m is None or self.surrounding_elevation_m is None:
            return None
        return round(self.surrounding_elevation_m - self.lowest_elevation_m, 2)

    def clean(self) -> None:
        dip = self.compute_dip()
        if dip is not None and dip < 0:
            raise ValidationError({"lowest_elevation_m": _("最低点高程不能高于周边地面高程。")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived column kept with the row, for sorting and filtering by the dip.
        self.dip_depth_m = self.compute_dip()
        super().save(*args, **kwargs)


class WaterDepthRecord(TimestampedModel):
    """One recorded water depth at a low-lying road section (积水记录)."""

    road = models.ForeignKey(
        LowLyingRoad,
        verbose_name=_("低洼路段"),
        on_delete=models.CASCADE,
        related_name="depth_records",
    )
    observed_on = models.DateField(_("日期"))
    depth_cm = models.PositiveIntegerField(
        _("积水深度（厘米）"), validators=[MaxValueValidator(2000)]
    )
    rainfall_mm = models.FloatField(
        _("降雨量（毫米）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(2000)],
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=DepthSource.choices, default=DepthSource.MANUAL
    )
    note = models.CharField(_("说明"), max_length=255, blank=True)

    history = HistoricalRecords()

    region_scope: ClassVar[str] = "road__region__path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("积水记录")
        verbose_name_plural = _("积水记录")
        ordering = ["road", "-observed_on"]

    def __str__(self) -> str:
        return f"{self.road} {self.observed_on:%Y-%m-%d} {self.depth_cm}cm"

    @property
    def region(self) -> Any:
        return self.road.region
