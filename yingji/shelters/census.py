"""Census template of emergency shelters (应急避难场所普查表), read by the catalogue app."""

from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    CensusSpec,
    Column,
    owner_column,
    point_columns,
    region_column,
    register,
    review_column,
)

from .models import Shelter
from .services import shelter_create, shelter_update

register(
    CensusSpec(
        key="shelters.shelter",
        model=Shelter,
        title=_("应急避难场所"),
        intro=_("每行一处避难场所；同一行政区划内场所名称不能重复。"),
        columns=[
            Column("name", _("场所名称"), required=True, example="泉城广场应急避难场所"),
            Column("kind", _("场所类型"), kind=CHOICE, required=True, example="广场"),
            Column(
                "capacity",
                _("容纳人数"),
                kind=INT,
                required=True,
                max_value=10_000_000,
                unit=_("人"),
                example=20000,
            ),
            Column(
                "area_m2",
                _("面积（平方米）"),
                kind=FLOAT,
                min_value=0,
                unit=_("平方米"),
                example=42000,
            ),
            Column("has_water", _("应急供水"), kind=BOOL, example="是"),
            Column("has_power", _("应急供电"), kind=BOOL, example="是"),
            Column("has_toilets", _("应急厕所"), kind=BOOL, example="是"),
            Column("has_medical", _("医疗救护"), kind=BOOL, example="否"),
            Column("has_broadcast", _("应急广播"), kind=BOOL, example="是"),
            Column("status", _("状态"), kind=CHOICE, example="可启用"),
            Column("manager_name", _("管理人"), example="李四"),
            Column("manager_phone", _("管理人电话"), example="0531-86000000"),
            region_column(),
            *point_columns(),
            owner_column(),
            review_column(),
            Column("note", _("备注")),
        ],
        create_via=shelter_create,
        update_via=shelter_update,
        natural_key=("region", "name"),
        bulk=True,  # shelter_create is registry_create: full_clean + save + history
        select_related=("region", "owner_unit"),
    )
)
