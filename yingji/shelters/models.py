"""Emergency shelters (应急避难场所): where people go when they must leave their homes."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.registry import RegistryRecord
from yingji.geo.geometry import POLYGONAL_TYPES, GeoJSONValidator
from yingji.geo.located import LocatedModel

from .choices import INDOOR_KINDS, SHELTER_CODES, ShelterKind, ShelterStatus


class Shelter(RegistryRecord, LocatedModel):
    """One emergency shelter (一处应急避难场所): a park, a square, a school gym, a civil
    air-defence basement… with its capacity, area, facilities and status.

    The point is the entrance or centre; ``boundary`` (optional) is its outline.
    """

    #: Columns of the Excel export (pages and API) and of the census template.
    export_fields: ClassVar[tuple[str, ...]] = (
        "name",
        "kind",
        "region",
        "owner_unit",
        "address",
        "lon",
        "lat",
        "capacity",
        "has_water",
        "has_power",
        "has_toilets",
        "has_medical",
        "has_broadcast",
        "status",
        "manager_name",
        "manager_phone",
        "last_reviewed_at",
    )

    default_review_days: ClassVar[int] = 365
    shape_field: ClassVar[str] = "boundary"

    name = models.CharField(_("场所名称"), max_length=128)
    kind = models.CharField(_("场所类型"), max_length=32, choices=ShelterKind.choices)
    capacity = models.PositiveIntegerField(
        _("容纳人数"), default=0, validators=[MaxValueValidator(10_000_000)]
    )
    area_m2 = models.FloatField(
        _("面积（平方米）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1e9)],
    )
    has_water = models.BooleanField(_("应急供水"), default=False)
    has_power = models.BooleanField(_("应急供电"), default=False)
    has_toilets = models.BooleanField(_("应急厕所"), default=False)
    has_medical = models.BooleanField(_("医疗救护"), default=False)
    has_broadcast = models.BooleanField(_("应急广播"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ShelterStatus.choices, default=ShelterStatus.OPEN
    )
    manager_name = models.CharField(_("管理人"), max_length=64, blank=True)
    manager_phone = models.CharField(_("管理人电话"), max_length=32, blank=True)
    boundary = models.JSONField(
        _("范围（GeoJSON）"),
        null=True,
        blank=True,
        validators=[GeoJSONValidator(POLYGONAL_TYPES)],
    )
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords(excluded_fields=["boundary"])

    class Meta:
        verbose_name = _("应急避难场所")
        verbose_name_plural = _("应急避难场所")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="shelters_shelter_unique_name"),
        ]
        indexes = [models.Index(fields=["kind", "status"], name="shelters_kind_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        """The 47xxx resource code of the kind, or "" (schools, gyms)."""
        return SHELTER_CODES.get(self.kind, "")

    @property
    def is_indoor(self) -> bool:
        return self.kind in INDOOR_KINDS

    @property
    def facilities(self) -> list[str]:
        names = ("has_water", "has_power", "has_toilets", "has_medical", "has_broadcast")
        return [
            str(cast("models.Field[Any, Any]", self._meta.get_field(n)).verbose_name)
            for n in names
            if getattr(self, n)
        ]
