"""Emergency supplies reserve (S3): the catalogue, warehouses, stock lots and the ledger.

- :class:`SupplyCategory` and :class:`SupplyItem` are the catalogue, coded by GB/T 38565-2020
  (7 digits: 大类 1 + 中类 2 + 小类 2 + 细类 2). City-wide reference data: every signed-in
  user reads it, the city administrator edits it.
- :class:`Warehouse` is a reserve point (储备库/点) owned by a region and a unit.
- :class:`StockLot` is one batch of one item in one warehouse; its ``quantity`` and
  ``reserved`` are written only by the services in ``services.py``, never by a form.
- :class:`StockMovement` is the append-only ledger (库存台账): every change of a lot's
  quantity or reservation is one row, so the sum of a lot's ``delta`` equals its quantity.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yingji.core.models import (
    RegionScopedModel,
    RestrictedManager,
    RestrictedQuerySet,
    ReviewedModel,
    TimestampedModel,
    permission_name,
)
from yingji.geo.located import LocatedModel

from .choices import LotCondition, LotSource, MovementKind, WarehouseKind

ZERO = Decimal("0")

CATEGORY_CODE = re.compile(r"^[1-9](\d{2}){0,2}$")  # 1, 3 or 5 digits
ITEM_CODE = re.compile(r"^[1-9]\d{6}$")  # 7 digits (细类)


class CatalogueQuerySet(RestrictedQuerySet):
    """The catalogue is city-wide reference data: no region scope.

    Every signed-in, active user may read it (a shelter manager must be able to name what
    it needs); writing needs the role's permission (the city administrator).
    """

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if action == "view" or user.has_perm(permission_name(self.model, action)):
            return self
        return self.none()


class SupplyCategory(TimestampedModel):
    """A class of the GB/T 38565 tree: 大类 (1 digit), 中类 (3 digits) or 小类 (5 digits).

    The three 大类 are the standard's (``is_standard``); lower levels are editable data,
    added locally until checked against the standard's annex.
    """

    code = models.CharField(_("分类代码"), max_length=5, unique=True)
    name = models.CharField(_("分类名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    is_standard = models.BooleanField(
        _("国标类目"), default=False, help_text=_("来自 GB/T 38565-2020；否则为本地补充类目。")
    )
    note = models.CharField(_("说明"), max_length=255, blank=True)

    history = HistoricalRecords()
    objects: ClassVar[Any] = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("物资分类")
        verbose_name_plural = _("物资分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def level(self) -> int:
        """1 大类, 2 中类, 3 小类."""
        return (len(self.code) + 1) // 2

    def clean(self) -> None:
        if not CATEGORY_CODE.match(self.code or ""):
            raise ValidationError({"code": _("分类代码为 1、3 或 5 位数字（大类、中类、小类）。")})
        expected_parent = self.code[:-2] if len(self.code) > 1 else ""
        parent_code = self.parent.code if self.parent_id and self.parent else ""
        if parent_code != expected_parent:
            raise ValidationError(
                {"parent": _("上级分类应为 %(code)s。") % {"code": expected_parent or "—"}}
            )


class SupplyItem(TimestampedModel):
    """A kind of supply (细类, 7 digits): 沙袋, 救生衣, 帐篷 … with its unit of measure."""

    code = models.CharField(_("物资代码"), max_length=7, unique=True)
    name = models.CharField(_("物资名称"), max_length=64)
    category = models.ForeignKey(
        SupplyCategory, verbose_name=_("所属分类"), on_delete=models.PROTECT, related_name="items"
    )
    unit = models.CharField(_("计量单位"), max_length=16)
    specification = models.CharField(_("规格型号"), max_length=128, blank=True)
    shelf_life_days = models.PositiveIntegerField(_("保质期（天）"), null=True, blank=True)
    min_stock_default = models.DecimalField(
        _("默认最低库存"),
        max_digits=14,
        decimal_places=3,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text=_("每个仓库的最低库存，可按仓库另设。"),
    )
    resource_code = models.CharField(
        _("资源代码（43xxx）"),
        max_length=5,
        blank=True,
        help_text=_("应急平台资源代码集 43000 应急物资保障资源中的对应代码。"),
    )
    is_standard = models.BooleanField(_("国标细类"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    history = HistoricalRecords()
    objects: ClassVar[Any] = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("物资品目")
        verbose_name_plural = _("物资品目")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if not ITEM_CODE.match(self.code or ""):
            raise ValidationError({"code": _("物资代码为 7 位数字（GB/T 38565 细类）。")})
        if self.category_id and self.category and not self.code.startswith(self.category.code):
            raise ValidationError(
                {"code": _("物资代码应以所属分类代码 %(c)s 开头。") % {"c": self.category.code}}
            )
        if self.category_id and self.category and len(self.category.code) != 5:
            raise ValidationError({"category": _("物资品目应挂在小类（5 位代码）下。")})


class Warehouse(RegionScopedModel, LocatedModel, ReviewedModel):
    """A reserve point (储备库/储备点): a government depot, an enterprise under a reserve
    agreement, a township's store room, an on-site kit, a donation point."""

    default_review_days: ClassVar[int] = 180

    name = models.CharField(_("仓库名称"), max_length=128)
    kind = models.CharField(_("仓库类型"), max_length=16, choices=WarehouseKind.choices)
    operator = models.CharField(
        _("经营/代储单位"), max_length=128, blank=True, help_text=_("企业协议储备的企业名称。")
    )
    area_m2 = models.DecimalField(
        _("面积（m²）"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    volume_m3 = models.DecimalField(
        _("容积（m³）"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    keeper = models.CharField(_("保管员"), max_length=32, blank=True)
    keeper_phone = models.CharField(_("保管员电话"), max_length=32, blank=True)
    phone_24h = models.CharField(_("24小时值班电话"), max_length=32, blank=True)
    agreement_no = models.CharField(_("储备协议编号"), max_length=64, blank=True)
    agreement_end = models.DateField(_("协议到期日"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    is_synthetic = models.BooleanField(_("合成数据"), default=False)
    note = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("物资仓库")
        verbose_name_plural = _("物资仓库")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"], name="supplies_warehouse_unique_name"
            ),
        ]
        indexes = [models.Index(fields=["kind", "is_active"], name="supplies_wh_kind_active")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.kind == WarehouseKind.ENTERPRISE and not self.agreement_end:
            raise ValidationError({"agreement_end": _("企业协议储备须填写协议到期日。")})

    @property
    def agreement_expired(self) -> bool:
        return bool(self.agreement_end and self.agreement_end < timezone.localdate())


class StockMinimum(TimestampedModel):
    """A warehouse's own minimum for one item (overrides the item's default)."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("仓库"), on_delete=models.CASCADE, related_name="minimums"
    )
    item = models.ForeignKey(SupplyItem, verbose_name=_("物资"), on_delete=models.PROTECT)
    minimum = models.DecimalField(
        _("最低库存"), max_digits=14, decimal_places=3, validators=[MinValueValidator(ZERO)]
    )

    history = HistoricalRecords()
    region_scope: ClassVar[str] = "warehouse__region__path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("最低库存")
        verbose_name_plural = _("最低库存")
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "item"], name="supplies_stockminimum_unique"
            ),
            models.CheckConstraint(
                condition=Q(minimum__gte=0), name="supplies_stockminimum_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse} · {self.item}: {self.minimum}"


class StockLot(TimestampedModel):
    """One batch (批次) of one item in one warehouse.

    ``quantity`` is what is on the shelf, ``reserved`` the part promised to an incident
    and not yet gone; ``available = quantity - reserved``. Both change only through the
    services, which lock the row and write a :class:`StockMovement`; the database refuses a
    negative balance or a reservation above the quantity.
    """

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="lots"
    )
    item = models.ForeignKey(
        SupplyItem, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="lots"
    )
    quantity = models.DecimalField(
        _("库存数量"), max_digits=14, decimal_places=3, default=ZERO, editable=False
    )
    reserved = models.DecimalField(
        _("预留数量"), max_digits=14, decimal_places=3, default=ZERO, editable=False
    )
    batch = models.CharField(_("批次号"), max_length=64, blank=True)
    produced_on = models.DateField(_("生产日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    condition = models.CharField(
        _("状态"), max_length=16, choices=LotCondition.choices, default=LotCondition.GOOD
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=LotSource.choices, default=LotSource.PURCHASE
    )
    note = models.CharField(_("备注"), max_length=255, blank=True)

    # Quantities are kept by the ledger; history records the lot's descriptive fields.
    history = HistoricalRecords(excluded_fields=["quantity", "reserved"])
    region_scope: ClassVar[str] = "warehouse__region__path"
    objects: ClassVar[Any] = RestrictedManager()

    class Meta:
        verbose_name = _("库存批次")
        verbose_name_plural = _("库存批次")
        ordering = ["warehouse_id", "item__code", F("expires_on").asc(nulls_last=True), "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="supplies_stocklot_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="supplies_stocklot_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("quantity")),
                name="supplies_stocklot_reserved_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(produced_on__isnull=True)
                | Q(expires_on__gte=F("produced_on")),
                name="supplies_stocklot_expiry_after_production",
            ),
        ]
        indexes = [
            models.Index(fields=["item", "expires_on"], name="supplies_lot_item_expiry"),
            models.Index(fields=["warehouse", "item"], name="supplies_lot_wh_item"),
            models.Index(fields=["expires_on"], name="supplies_lot_expiry"),
        ]

    def __str__(self) -> str:
        batch = f" {self.batch}" if self.batch else ""
        return f"{self.item.name}{batch} @ {self.warehouse.name}"

    @property
    def available(self) -> Decimal:
        return self.quantity - self.reserved

    def clean(self) -> None:
        if self.produced_on and self.expires_on and self.expires_on < self.produced_on:
            raise ValidationError({"expires_on": _("有效期不能早于生产日期。")})


class StockMovementQuerySet(RestrictedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("the stock ledger is append-only")

    def delete(self) -> Any:
        raise TypeError("the stock ledger is append-only")


class StockMovement(models.Model):
    """One line of the stock ledger (库存台账): append-only.

    ``quantity`` is the amount moved (always positive); ``delta`` its signed effect on the
    lot's quantity and ``reserved_delta`` on its reservation, with the balances after the
    movement. A transfer is two rows (out of one lot, into another) sharing ``operation``;
    a dispatch drawing on several lots is one row per lot, sharing ``operation`` too.
    """

    kind = models.CharField(_("类型"), max_length=16, choices=MovementKind.choices)
    operation = models.UUIDField(_("业务单号"), db_index=True)
    lot = models.ForeignKey(
        StockLot, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="movements"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("仓库"), on_delete=models.PROTECT, related_name="movements"
    )
    item = models.ForeignKey(
        SupplyItem, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="movements"
    )
    quantity = models.DecimalField(_("数量"), max_digits=14, decimal_places=3)
    delta = models.DecimalField(_("库存变化"), max_digits=14, decimal_places=3)
    reserved_delta = models.DecimalField(
        _("预留变化"), max_digits=14, decimal_places=3, default=ZERO
    )
    balance_after = models.DecimalField(_("结存数量"), max_digits=14, decimal_places=3)
    reserved_after = models.DecimalField(
        _("结存预留"), max_digits=14, decimal_places=3, default=ZERO
    )
    reason = models.CharField(_("事由"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("发生时间"), default=timezone.now, db_index=True)
    reference = models.CharField(
        _("关联单据"), max_length=64, blank=True, help_text=_("事件编号、调拨单号等。")
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("关联事件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    destination = models.CharField(_("调往地点"), max_length=255, blank=True)
    counterpart_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("对方仓库"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    region_scope: ClassVar[str] = "warehouse__region__path"
    objects: ClassVar[Any] = models.Manager.from_queryset(StockMovementQuerySet)()

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="supplies_stockmovement_quantity_positive"
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="supplies_stockmovement_reason_required"
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0),
                name="supplies_stockmovement_balance_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "-at"], name="supplies_mv_wh_at"),
            models.Index(fields=["kind", "-at"], name="supplies_mv_kind_at"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.quantity} {self.item_id} ({self.at:%Y-%m-%d %H:%M})"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("the stock ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the stock ledger is append-only")
