"""Choices of the supplies reserve (S3): warehouse types, lot conditions, movement kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WarehouseKind(models.TextChoices):
    """Kinds of reserve point (储备库点类型); the Shenzhen code set DB4403/T 499.3 has a list
    of its own (unseen, standards.md §1.4 note), so these are Yingji's."""

    GOVERNMENT = "government", _("政府储备库")
    ENTERPRISE = "enterprise", _("企业协议储备")
    TOWNSHIP = "township", _("镇街储备点")
    ONSITE = "onsite", _("现场储备（随队/点位物资）")
    DONATION = "donation", _("社会捐赠接收点")
    OTHER = "other", _("其他")


class LotCondition(models.TextChoices):
    GOOD = "good", _("完好")
    NEEDS_REPAIR = "needs_repair", _("待维修")
    SCRAPPED = "scrapped", _("已报废")


class LotSource(models.TextChoices):
    PURCHASE = "purchase", _("采购")
    ALLOCATION = "allocation", _("上级调拨")
    TRANSFER = "transfer", _("库间调拨")
    DONATION = "donation", _("社会捐赠")
    AGREEMENT = "agreement", _("协议储备")
    OTHER = "other", _("其他")


class MovementKind(models.TextChoices):
    """One line of the stock ledger (库存台账)."""

    IN = "in", _("入库")
    OUT = "out", _("出库")
    TRANSFER_OUT = "transfer_out", _("调拨调出")
    TRANSFER_IN = "transfer_in", _("调拨调入")
    ADJUSTMENT = "adjustment", _("盘点调整")
    RESERVATION = "reservation", _("预留")
    RELEASE = "release", _("释放预留")
    DISPATCH = "dispatch", _("统一调配")


#: Colours for the ledger (NetBox-style choice colours).
MOVEMENT_COLOURS = {
    MovementKind.IN: "green",
    MovementKind.OUT: "orange",
    MovementKind.TRANSFER_OUT: "orange",
    MovementKind.TRANSFER_IN: "green",
    MovementKind.ADJUSTMENT: "grey",
    MovementKind.RESERVATION: "blue",
    MovementKind.RELEASE: "blue",
    MovementKind.DISPATCH: "red",
}
