"""Census templates of hazard sources, low-lying road sections and their recorded water
depths, read by the catalogue app.

A water depth row names its road section as people know it: the road name, and its start
(起点) and region code when the road has several low-lying sections.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from yingji.catalogue.census import (
    BOOL,
    CHOICE,
    DATE,
    FK,
    FLOAT,
    INT,
    REGION,
    TEXT,
    CensusSpec,
    Column,
    owner_column,
    point_columns,
    region_column,
    register,
    review_column,
)

from .codes import hazard_code_choices
from .models import HazardSource, LowLyingRoad, WaterDepthRecord
from .services import (
    hazard_create,
    hazard_update,
    road_create,
    road_update,
    water_depth_record,
    water_depth_update,
)

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


def _roads(user: Any) -> Any:
    return LowLyingRoad.objects.restrict(user, "view").select_related("region")


register(
    CensusSpec(
        key="hazards.waterdepthrecord",
        model=WaterDepthRecord,
        title=_("积水记录"),
        intro=_(
            "每行一次积水记录（某日某低洼路段的最大积水深度）；按道路名称找到路段，"
            "同一道路有多个低洼路段时请同时填写起点或行政区划代码。"
        ),
        columns=[
            Column(
                "road",
                _("道路名称"),
                kind=FK,
                required=True,
                related=LowLyingRoad,
                lookups=("road_name",),
                related_queryset=_roads,
                within=(("_section_from", "section_from"), ("_road_region", "region")),
                help=_("平台中已登记的低洼路段的道路名称。"),
                example="经十路",
            ),
            Column(
                "_section_from",
                _("路段起点"),
                kind=TEXT,
                help=_("低洼路段登记的起点；道路只有一个低洼路段时可留空。"),
                export=lambda record: record.road.section_from,
                example="舜耕路",
            ),
            Column(
                "_road_region",
                _("路段所在行政区划代码"),
                kind=REGION,
                help=_("低洼路段登记的区县或街道代码；可留空。"),
                example="370102",
            ),
            Column("observed_on", _("日期"), kind=DATE, required=True, example="2025-07-12"),
            Column(
                "depth_cm",
                _("积水深度（厘米）"),
                kind=INT,
                required=True,
                max_value=2000,
                unit=_("厘米"),
                example=35,
            ),
            Column(
                "rainfall_mm",
                _("降雨量（毫米）"),
                kind=FLOAT,
                min_value=0,
                max_value=2000,
                unit=_("毫米"),
                example=86.5,
            ),
            Column("source", _("来源"), kind=CHOICE, example="人工观测"),
            Column("note", _("说明")),
        ],
        create_via=water_depth_record,
        update_via=water_depth_update,
        natural_key=("road", "observed_on"),
        parent="road",
        bulk=True,  # water_depth_record is registry_create: full_clean + save + history
        select_related=("road", "road__region"),
    )
)
