"""Census template of equipment and social special vehicles, read by the catalogue app."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    CHOICE,
    DATE,
    DECIMAL,
    FK,
    CensusSpec,
    Column,
    owner_column,
    point_columns,
    region_column,
    register,
    review_column,
)

from .models import Equipment
from .services import equipment_create, equipment_update


def _update(*, actor: Any, obj: Equipment, **fields: Any) -> Equipment:
    return equipment_update(actor=actor, equipment=obj, **fields)


def _unit() -> Any:
    from yingji.accounts.models import Unit

    return Unit


register(
    CensusSpec(
        key="equipment.equipment",
        model=Equipment,
        title=_("装备/特种车辆"),
        intro=_("每行一台装备或一辆特种车辆；有车牌号的按车牌号区分。"),
        columns=[
            Column("name", _("名称"), required=True, example="大流量排水抢险车"),
            Column("kind", _("类别"), kind=CHOICE, required=True, example="排水抢险车"),
            Column("model_no", _("品牌型号"), example="某型 3000 m³/h"),
            Column("plate_no", _("车牌号"), example="鲁A12345"),
            Column("serial_no", _("出厂编号")),
            Column("owner_kind", _("所有者类型"), kind=CHOICE, example="企业"),
            Column(
                "owner_org",
                _("所有单位"),
                kind=FK,
                related=_unit(),
                lookups=("name", "short_name"),
                help=_("平台中登记的单位名称；企业或个人所有时填写“所有者名称”。"),
            ),
            Column("owner_name", _("所有者名称"), example="济南某工程机械有限公司"),
            Column("owner_phone", _("所有者电话"), example="13600000000"),
            Column("capability", _("能力描述"), example="大流量排水，扬程 15 m"),
            Column("capacity", _("能力数值"), kind=DECIMAL, min_value=0, example=3000),
            Column("capacity_unit", _("能力单位"), example="m³/h"),
            Column("status", _("可用状态"), kind=CHOICE, example="可调用"),
            Column("agreement_no", _("征用协议编号")),
            Column("agreement_valid_until", _("协议有效期至"), kind=DATE, example="2026-12-31"),
            Column("contact_name", _("联系人"), example="周八"),
            Column("contact_phone", _("24小时联系电话"), example="13500000000"),
            region_column(),
            *point_columns(_("停放地址")),
            owner_column(),
            review_column(),
            Column("note", _("备注")),
        ],
        create_via=equipment_create,
        update_via=_update,
        natural_key=("region", "name", "plate_no"),
        bulk=True,  # equipment_create: set_point, scope check, full_clean, save with history
        select_related=("region", "owner_unit", "owner_org"),
    )
)
