"""Protection targets (防护目标): the people and places an incident must not reach."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.registry import RegistryRecord
from yingji.geo.geometry import POLYGONAL_TYPES, GeoJSONValidator
from yingji.geo.located import LocatedModel

from .choices import TargetKind
from .codes import TARGET_CODES, validate_target_code


class ProtectionTarget(RegistryRecord, LocatedModel):
    """One protection target (一个防护目标): a school, a kindergarten, a hospital, a nursing
    home, a crowded place, a piece of key infrastructure… with how many people are there.

    ``code`` is its 3xxxx code (standards.md §1.4) when one applies; hospitals and nursing
    homes have none in what was read.
    """

    #: Columns of the Excel export (pages and API) and of the census template.
    export_fields: ClassVar[tuple[str, ...]] = (
        "code",
        "name",
        "kind",
        "population",
        "contact_name",
        "contact_phone",
        "region",
        "owner_unit",
        "address",
        "lon",
        "lat",
        "last_reviewed_at",
    )

    default_review_days: ClassVar[int] = 365
    shape_field: ClassVar[str] = "boundary"

    code = models.CharField(
        _("防护目标代码"),
        max_length=5,
        blank=True,
        validators=[validate_target_code],
        db_index=True,
    )
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("目标类型"), max_length=32, choices=TargetKind.choices)
    population = models.PositiveIntegerField(
        _("容纳或常驻人数"), default=0, validators=[MaxValueValidator(10_000_000)]
    )
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    boundary = models.JSONField(
        _("范围（GeoJSON）"),
        null=True,
        blank=True,
        validators=[GeoJSONValidator(POLYGONAL_TYPES)],
    )
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords(excluded_fields=["boundary"])

    class Meta:
        verbose_name = _("防护目标")
        verbose_name_plural = _("防护目标")
        ordering = ["region__path", "kind", "name"]
        indexes = [models.Index(fields=["kind", "code"], name="targets_kind_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def code_name(self) -> str:
        return TARGET_CODES.name(self.code)
