"""Administrative regions (行政区划): the spine of permissions by region."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import RestrictedManager, TimestampedModel

from .choices import RegionLevel


class Region(TimestampedModel):
    """A province, city, district/county, functional zone, township or village.

    ``code`` is the GB/T 2260 code (6 digits for districts, 9 for townships, 12 for
    villages); functional zones (高新区 …) have internal codes. ``path`` lists the codes
    from the top down (``/370100/370102/``) so that "this region and below" is a prefix
    match. Geometry is GeoJSON in WGS84 (DESIGN D3).
    """

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    path = models.CharField(_("区划路径"), max_length=255, unique=True, editable=False)
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    min_lon = models.FloatField(_("最小经度"), null=True, blank=True)
    min_lat = models.FloatField(_("最小纬度"), null=True, blank=True)
    max_lon = models.FloatField(_("最大经度"), null=True, blank=True)
    max_lat = models.FloatField(_("最大纬度"), null=True, blank=True)
    label_lon = models.FloatField(_("标注点经度"), null=True, blank=True)
    label_lat = models.FloatField(_("标注点纬度"), null=True, blank=True)
    seat_lon = models.FloatField(_("政府驻地经度"), null=True, blank=True)
    seat_lat = models.FloatField(_("政府驻地纬度"), null=True, blank=True)
    is_synthetic = models.BooleanField(
        _("合成数据"), default=False, help_text=_("演示用的合成区划，不是官方数据。")
    )
    source = models.CharField(_("数据来源"), max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    history = HistoricalRecords(excluded_fields=["boundary"])

    region_scope: ClassVar[str] = "path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "code"], name="geo_region_level_code")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def build_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else "/"
        return f"{prefix}{self.code}/"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The path is derived data, kept with the row so prefix queries need no joins.
        self.path = self.build_path()
        super().save(*args, **kwargs)
