"""Equipment and social special vehicles (装备与社会特种车辆).

One row is one machine or vehicle that can be called on in an emergency — a crane of a
construction company, a drainage truck of the water authority, a private owner's boat —
with its owner, capability, base location, availability and requisition agreement
(征用协议).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import RegionScopedModel, RestrictedManager, ReviewedModel
from yingji.geo.located import LocatedModel

from .choices import KIND_CODES, Availability, EquipmentKind, OwnerKind


class Equipment(RegionScopedModel, LocatedModel, ReviewedModel):
    """A machine or special vehicle on call (应急装备、社会特种车辆)."""

    default_review_days: ClassVar[int] = 180

    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类别"), max_length=24, choices=EquipmentKind.choices)
    model_no = models.CharField(_("品牌型号"), max_length=64, blank=True)
    owner_kind = models.CharField(
        _("所有者类型"), max_length=16, choices=OwnerKind.choices, default=OwnerKind.UNIT
    )
    owner_org = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("所有单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("平台登记的单位；企业或个人所有时填写所有者名称。"),
    )
    owner_name = models.CharField(_("所有者名称"), max_length=128, blank=True)
    owner_phone = models.CharField(_("所有者电话"), max_length=32, blank=True)
    capability = models.CharField(
        _("能力描述"), max_length=255, blank=True, help_text=_("如：大流量排水，扬程 15 m。")
    )
    capacity = models.DecimalField(
        _("能力数值"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    capacity_unit = models.CharField(
        _("能力单位"), max_length=16, blank=True, help_text=_("如 m³/h、t、kW、人。")
    )
    plate_no = models.CharField(_("车牌号"), max_length=16, blank=True)
    serial_no = models.CharField(_("出厂编号"), max_length=64, blank=True)
    status = models.CharField(
        _("可用状态"), max_length=16, choices=Availability.choices, default=Availability.AVAILABLE
    )
    agreement_no = models.CharField(_("征用协议编号"), max_length=64, blank=True)
    agreement_valid_until = models.DateField(_("协议有效期至"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("24小时联系电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    is_synthetic = models.BooleanField(_("合成数据"), default=False)
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("装备/特种车辆")
        verbose_name_plural = _("装备/特种车辆")
        ordering = ["region__path", "kind", "name"]
        indexes = [
            models.Index(fields=["kind", "status"], name="equipment_kind_status"),
            models.Index(fields=["agreement_valid_until"], name="equipment_agreement_until"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=0),
                name="equipment_equipment_capacity_not_negative",
            ),
        ]

    def __str__(self) -> str:
        plate = f"（{self.plate_no}）" if self.plate_no else ""
        return f"{self.name}{plate}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.owner_kind == OwnerKind.UNIT and not self.owner_org_id and not self.owner_name:
            errors["owner_org"] = _("请选择所有单位或填写所有者名称。")
        if self.owner_kind in (OwnerKind.PRIVATE, OwnerKind.ENTERPRISE) and not self.owner_name:
            errors["owner_name"] = _("企业或个人所有的装备须填写所有者名称。")
        if self.owner_kind == OwnerKind.PRIVATE and not (self.owner_phone or self.contact_phone):
            errors["owner_phone"] = _("个人所有的装备须留联系电话。")
        if self.capacity is not None and not self.capacity_unit:
            errors["capacity_unit"] = _("填写能力数值时须注明单位。")
        if errors:
            raise ValidationError(errors)

    @property
    def kind_code(self) -> str:
        entry = KIND_CODES.get(self.kind)
        return entry.code if entry else ""

    @property
    def agreement_expired(self) -> bool:
        return bool(
            self.agreement_valid_until and self.agreement_valid_until < timezone.localdate()
        )

    @property
    def owner_display(self) -> str:
        if self.owner_org_id and self.owner_org is not None:
            return str(self.owner_org.name)
        return self.owner_name
