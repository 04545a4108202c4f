"""Census templates of the supplies reserve: warehouses, stock lots (initial stock),
warehouse minimums, and the catalogue (categories and items). Read by the catalogue app.

A stock-lot row is a receipt (入库) into a new lot through ``stock_receive``, so the
ledger starts with the census quantity; re-importing a lot (same warehouse, item, batch
and expiry) with "update existing" changes its description only — quantities change by
movements, never by a census.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    FK,
    INT,
    REGION,
    CensusSpec,
    Column,
    owner_column,
    point_columns,
    region_column,
    register,
    review_column,
)

from .models import StockLot, StockMinimum, SupplyCategory, SupplyItem, Warehouse
from .services import (
    LOT_EDITABLE,
    category_save,
    item_save,
    lot_update,
    minimum_set,
    stock_receive,
    warehouse_create,
    warehouse_update,
)


def _warehouse_update(*, actor: Any, obj: Warehouse, **fields: Any) -> Warehouse:
    return warehouse_update(actor=actor, warehouse=obj, **fields)


# A stock lot and a warehouse's minimum name their item the same way.
ITEM_COLUMN = Column(
    "item",
    _("物资"),
    kind=FK,
    required=True,
    related=SupplyItem,
    lookups=("code", "name"),
    help=_("GB/T 38565 物资代码（7 位）或物资名称。"),
    example="3010102 编织袋",
)


register(
    CensusSpec(
        key="supplies.warehouse",
        model=Warehouse,
        title=_("物资仓库"),
        intro=_("每行一个储备库或储备点；同一行政区划内仓库名称不能重复。"),
        columns=[
            Column("name", _("仓库名称"), required=True, example="历下区应急物资储备库"),
            Column("kind", _("仓库类型"), kind=CHOICE, required=True, example="政府储备库"),
            Column("operator", _("经营/代储单位"), help=_("企业协议储备的企业名称。")),
            Column("area_m2", _("面积（m²）"), kind=DECIMAL, min_value=0, unit="m²", example=1200),
            Column("volume_m3", _("容积（m³）"), kind=DECIMAL, min_value=0, unit="m³"),
            Column("keeper", _("保管员"), example="钱九"),
            Column("keeper_phone", _("保管员电话"), example="13400000000"),
            Column("phone_24h", _("24小时值班电话"), example="0531-86000002"),
            Column("agreement_no", _("储备协议编号")),
            Column(
                "agreement_end",
                _("协议到期日"),
                kind=DATE,
                help=_("企业协议储备必填。"),
                example="2026-12-31",
            ),
            Column("is_active", _("启用"), kind=BOOL, example="是"),
            region_column(),
            *point_columns(),
            owner_column(),
            review_column(),
            Column("note", _("备注")),
        ],
        create_via=warehouse_create,
        update_via=_warehouse_update,
        natural_key=("region", "name"),
        bulk=True,  # warehouse_create: set_point, scope check, full_clean, save with history
        select_related=("region", "owner_unit"),
    )
)


def _lot_create(*, actor: Any, **fields: Any) -> Any:
    fields.pop("region", None)
    quantity = fields.pop("quantity")
    return stock_receive(actor=actor, quantity=quantity, reason=_g("普查导入"), **fields)


def _lot_update(*, actor: Any, obj: StockLot, **fields: Any) -> StockLot:
    quantity = fields.get("quantity")
    if quantity is not None and quantity != obj.quantity:
        raise ValidationError(
            {
                "quantity": [
                    _g("已有批次的库存数量只能通过入库、出库或盘点调整变更，不能由普查覆盖。")
                ]
            }
        )
    editable = {k: v for k, v in fields.items() if k in LOT_EDITABLE}
    return lot_update(actor=actor, lot=obj, **editable)


def _lot_region(fields: dict[str, Any]) -> Any:
    warehouse = fields.get("warehouse")
    return warehouse.region if warehouse is not None else None


def _warehouses(user: Any) -> Any:
    return Warehouse.objects.restrict(user, "view").select_related("region")


register(
    CensusSpec(
        key="supplies.stocklot",
        model=StockLot,
        title=_("库存批次"),
        intro=_("每行一个批次：导入即按数量入库（记入库存台账）。"),
        columns=[
            Column(
                "warehouse",
                _("仓库"),
                kind=FK,
                required=True,
                related=Warehouse,
                lookups=("name",),
                related_queryset=_warehouses,
                example="历下区应急物资储备库",
            ),
            ITEM_COLUMN,
            Column(
                "quantity",
                _("库存数量"),
                kind=DECIMAL,
                required=True,
                min_value=0.001,
                export=lambda lot: lot.quantity,
                example=500,
            ),
            Column("batch", _("批次号"), example="2025-06"),
            Column("produced_on", _("生产日期"), kind=DATE, example="2025-01-10"),
            Column("expires_on", _("有效期至"), kind=DATE, example="2030-01-09"),
            Column("condition", _("状态"), kind=CHOICE, example="完好"),
            Column("source", _("来源"), kind=CHOICE, example="采购"),
            Column("note", _("备注")),
        ],
        create_via=_lot_create,
        update_via=_lot_update,
        natural_key=("warehouse", "item", "batch", "expires_on"),
        region_of=_lot_region,
        select_related=("warehouse", "item"),
        layer_key="supplies.warehouse",
    )
)


def _item_create(*, actor: Any, **fields: Any) -> SupplyItem:
    return item_save(actor=actor, item=SupplyItem(**fields))


def _item_update(*, actor: Any, obj: SupplyItem, **fields: Any) -> SupplyItem:
    for name, value in fields.items():
        setattr(obj, name, value)
    return item_save(actor=actor, item=obj)


register(
    CensusSpec(
        key="supplies.supplyitem",
        model=SupplyItem,
        title=_("物资品目"),
        intro=_("全市统一的物资目录（GB/T 38565），由市级管理员维护。"),
        columns=[
            Column("code", _("物资代码"), required=True, help=_("7 位数字。"), example="3010102"),
            Column("name", _("物资名称"), required=True, example="编织袋"),
            Column(
                "category",
                _("所属分类"),
                kind=FK,
                required=True,
                related=SupplyCategory,
                lookups=("code", "name"),
                help=_("5 位小类代码或名称。"),
                example="30101",
            ),
            Column("unit", _("计量单位"), required=True, example="条"),
            Column("specification", _("规格型号")),
            Column("shelf_life_days", _("保质期（天）"), kind=INT, min_value=1, unit=_("天")),
            Column("min_stock_default", _("默认最低库存"), kind=DECIMAL, min_value=0),
            Column("resource_code", _("资源代码（43xxx）")),
            Column("is_active", _("启用"), kind=BOOL, example="是"),
        ],
        create_via=_item_create,
        update_via=_item_update,
        natural_key=("code",),
        regional=False,
    )
)


def _warehouses_with_region(user: Any) -> Any:
    return Warehouse.objects.restrict(user, "view").select_related("region")


def _minimum_create(*, actor: Any, **fields: Any) -> StockMinimum | None:
    return minimum_set(actor=actor, **fields)


def _minimum_update(*, actor: Any, obj: StockMinimum, **fields: Any) -> StockMinimum | None:
    return minimum_set(
        actor=actor,
        warehouse=obj.warehouse,
        item=obj.item,
        minimum=fields.get("minimum", obj.minimum),
    )


register(
    CensusSpec(
        key="supplies.stockminimum",
        model=StockMinimum,
        title=_("最低库存"),
        intro=_(
            "每行一个仓库对一种物资的最低库存（低于即预警，覆盖物资的默认最低库存）；"
            "仓库按名称查找，重名时请填写仓库所在行政区划代码。"
        ),
        columns=[
            Column(
                "warehouse",
                _("仓库"),
                kind=FK,
                required=True,
                related=Warehouse,
                lookups=("name",),
                related_queryset=_warehouses_with_region,
                within=(("_warehouse_region", "region"),),
                example="历下区应急物资储备库",
            ),
            Column(
                "_warehouse_region",
                _("仓库所在行政区划代码"),
                kind=REGION,
                help=_("仓库登记的区县或街道代码；仓库名称不重复时可留空。"),
                example="370102",
            ),
            ITEM_COLUMN,
            Column(
                "minimum",
                _("最低库存"),
                kind=DECIMAL,
                required=True,
                min_value=0,
                help=_("按物资的计量单位。"),
                example=2000,
            ),
        ],
        create_via=_minimum_create,
        update_via=_minimum_update,
        natural_key=("warehouse", "item"),
        parent="warehouse",
        select_related=("warehouse", "warehouse__region", "item"),
    )
)


def _parent_of(code: str) -> SupplyCategory | None:
    """The category a code hangs under (``101`` → ``1``); None for a 大类 or when missing."""
    if len(code) <= 1:
        return None
    return SupplyCategory.objects.filter(code=code[:-2]).first()


def _category_create(*, actor: Any, **fields: Any) -> SupplyCategory:
    category = SupplyCategory(**fields)
    category.parent = _parent_of(category.code or "")
    return category_save(actor=actor, category=category)


def _category_update(*, actor: Any, obj: SupplyCategory, **fields: Any) -> SupplyCategory:
    if obj.is_standard and "name" in fields and fields["name"] != obj.name:
        raise ValidationError({"name": [_g("国标类目（GB/T 38565）的名称不能修改。")]})
    for name, value in fields.items():
        setattr(obj, name, value)
    return category_save(actor=actor, category=obj)


register(
    CensusSpec(
        key="supplies.supplycategory",
        model=SupplyCategory,
        title=_("物资分类"),
        intro=_(
            "全市统一的物资分类（GB/T 38565：大类 1 位、中类 3 位、小类 5 位代码），由市级管理员维护；"
            "上级分类按代码确定（10101 属于 101），上级须已登记或在本表中排在前面。"
        ),
        columns=[
            Column(
                "code",
                _("分类代码"),
                required=True,
                help=_("1、3 或 5 位数字。"),
                example="20401",
            ),
            Column("name", _("分类名称"), required=True, example="破拆工具"),
            Column("note", _("说明")),
        ],
        create_via=_category_create,
        update_via=_category_update,
        natural_key=("code",),
        regional=False,
    )
)
