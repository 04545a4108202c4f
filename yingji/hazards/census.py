"""Census templates of hazard sources and low-lying road sections, read by the catalogue app."""

from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    BOOL,
    CHOICE,
    DATE,
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

from .codes import hazard_code_choices
from .models import HazardSource, LowLyingRoad
from .services import hazard_create, hazard_update, road_create, road_update

register(
    CensusSpec(
        key="hazards.hazardsource",
        model=HazardSource,
        title=_("危险源"),
        intro=_("每行一处危险源或风险隐患区，按 2xxxx 代码分类。"),
        columns=[
            Column(
                "code",
                _("危险源代码"),
                kind=CHOICE,
                required=True,
                choices=hazard_code_choices,
                example="21A02",
            ),
            Column("name", _("名称"), required=True, example="某化工企业储罐区"),
            Column("level", _("风险等级"), kind=CHOICE, example="较大"),
            Column("operator_name", _("所属企业或单位"), example="济南某化工有限公司"),
            Column("contact_name", _("联系人"), example="赵六"),
            Column("contact_phone", _("联系电话"), example="13900000000"),
            Column("last_inspected_on", _("最近检查日期"), kind=DATE, example="2025-05-20"),
            Column("inspection_findings", _("检查发现的问题")),
            Column("description", _("风险描述")),
            region_column(),
            *point_columns(),
            owner_column(),
            review_column(),
        ],
        create_via=hazard_create,
        update_via=hazard_update,
        natural_key=("region", "code", "name"),
        bulk=True,  # hazard_create is registry_create: full_clean + save + history
        select_related=("region", "owner_unit"),
    )
)


def _road_dip(road: LowLyingRoad) -> None:
    road.dip_depth_m = road.compute_dip()  # what LowLyingRoad.save() derives


register(
    CensusSpec(
        key="hazards.lowlyingroad",
        model=LowLyingRoad,
        title=_("低洼路段"),
        intro=_("每行一个低洼路段（下穿立交、易积水路段）；点位取最低点或路段中点。"),
        columns=[
            Column("road_name", _("道路名称"), required=True, example="经十路"),
            Column("section_from", _("起点"), example="舜耕路"),
            Column("section_to", _("止点"), example="历山路"),
            Column("is_underpass", _("下穿立交"), kind=BOOL, example="是"),
            Column(
                "lowest_elevation_m",
                _("最低点高程（米）"),
                kind=FLOAT,
                min_value=-500,
                max_value=9000,
                unit=_("米"),
                example=28.5,
            ),
            Column(
                "surrounding_elevation_m",
                _("周边地面高程（米）"),
                kind=FLOAT,
                min_value=-500,
                max_value=9000,
                unit=_("米"),
                example=31.2,
            ),
            Column(
                "drainage_capacity_m3h",
                _("排水能力（立方米/小时）"),
                kind=FLOAT,
                min_value=0,
                unit=_("立方米/小时"),
            ),
            Column(
                "warning_depth_cm",
                _("警戒水深（厘米）"),
                kind=INT,
                max_value=2000,
                unit=_("厘米"),
                example=20,
            ),
            Column(
                "pump_count",
                _("现场泵站/泵车数量"),
                kind=INT,
                max_value=1000,
                unit=_("台"),
                example=2,
            ),
            Column(
                "pump_capacity_m3h",
                _("泵排能力（立方米/小时）"),
                kind=FLOAT,
                min_value=0,
                unit=_("立方米/小时"),
            ),
            Column("description", _("路段描述")),
            region_column(),
            *point_columns(),
            owner_column(),
            review_column(),
            Column("note", _("备注")),
        ],
        create_via=road_create,
        update_via=road_update,
        natural_key=("region", "road_name", "section_from", "section_to"),
        bulk=True,  # road_create is registry_create; the dip is derived by ``prepare``
        prepare=_road_dip,
        select_related=("region", "owner_unit"),
    )
)
