"""Pages of the hazard database (S4): hazard sources, low-lying roads, overdue reviews."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yingji.core.registry import Column, RegistryPages, registry_mark_reviewed
from yingji.core.registry_forms import FormTarget, RecordForm, create_url

from .codes import HAZARD_CODES
from .filtersets import HazardSourceFilterSet, LowLyingRoadFilterSet
from .models import HazardSource, LowLyingRoad, WaterDepthRecord
from .selectors import with_depth_stats
from .services import (
    hazard_create,
    hazard_update,
    road_create,
    road_update,
    water_depth_record,
    water_depth_update,
)

OVERDUE_LINK = ((_("核查逾期"), "hazards:overdue_reviews"),)


SHAPE_HELP = _("范围（GeoJSON）通过数据接口或普查导入维护。")

DEPTH_FORM = FormTarget(
    WaterDepthRecord,
    "hazards",
    "depth",
    RecordForm(
        fields=("observed_on", "depth_cm", "rainfall_mm", "source", "note"),
        create=water_depth_record,
        update=water_depth_update,
        parent="road",
        parent_detail="hazards:road_detail",
        title=_("积水记录"),
    ),
)


def _road_context(request: HttpRequest, road: LowLyingRoad) -> dict[str, Any]:
    writable = LowLyingRoad.objects.restrict(request.user, "change").filter(pk=road.pk).exists()
    return {
        "records": road.depth_records.restrict(request.user, "view")[:100],
        "depth_create_url": create_url(request, DEPTH_FORM, parent=road),
        "depth_editable": writable,
    }


HAZARD_PAGES = RegistryPages(
    model=HazardSource,
    namespace="hazards",
    slug="hazard",
    title=_("危险源和风险隐患区"),
    intro=_("按 2xxxx 代码登记的危险源和风险隐患区：等级、所属企业、责任部门、范围和最近检查。"),
    filterset_class=HazardSourceFilterSet,
    columns=(
        Column("name"),
        Column("code"),
        Column("level"),
        Column("operator_name"),
        Column("region__name", _("所属区划"), sort=False),
        Column("last_inspected_on"),
        Column("owner_unit__name", _("责任单位"), sort=False),
    ),
    detail_fields=(
        "code",
        (_("代码名称"), "code_name"),
        "level",
        "operator_name",
        "contact_name",
        "contact_phone",
        "region",
        "owner_unit",
        "address",
        "last_inspected_on",
        "inspection_findings",
        "description",
        "last_reviewed_at",
    ),
    shape_field="geometry",
    extra_links=OVERDUE_LINK,
    form=RecordForm(
        fields=(
            "name",
            "code",
            "level",
            "operator_name",
            "contact_name",
            "contact_phone",
            "last_inspected_on",
            "inspection_findings",
            "description",
            "owner_unit",
            "review_interval_days",
            "address",
        ),
        create=hazard_create,
        update=hazard_update,
        review=registry_mark_reviewed,
        choices={"code": HAZARD_CODES.choices},
        title=_("危险源"),
        help_text=SHAPE_HELP,
    ),
)

ROAD_PAGES = RegistryPages(
    model=LowLyingRoad,
    namespace="hazards",
    slug="road",
    title=_("低洼路段"),
    intro=_("低洼路段和下穿立交：高程、低洼深度、排水和泵排能力、警戒水深和历次积水记录。"),
    filterset_class=LowLyingRoadFilterSet,
    columns=(
        Column("road_name"),
        Column("section_from"),
        Column("region__name", _("所属区划"), sort=False),
        Column("is_underpass"),
        Column("dip_depth_m"),
        Column("warning_depth_cm"),
        Column("max_depth_cm", _("最大积水（厘米）")),
        Column("pump_count"),
    ),
    detail_fields=(
        "section_from",
        "section_to",
        "description",
        "region",
        "owner_unit",
        "is_underpass",
        "lowest_elevation_m",
        "surrounding_elevation_m",
        "dip_depth_m",
        "drainage_capacity_m3h",
        "warning_depth_cm",
        "pump_count",
        "pump_capacity_m3h",
        "note",
        "last_reviewed_at",
    ),
    shape_field="geometry",
    annotate=with_depth_stats,
    detail_template="hazards/road_detail.html",
    detail_context=_road_context,
    extra_links=OVERDUE_LINK,
    form=RecordForm(
        fields=(
            "road_name",
            "section_from",
            "section_to",
            "is_underpass",
            "description",
            "lowest_elevation_m",
            "surrounding_elevation_m",
            "drainage_capacity_m3h",
            "warning_depth_cm",
            "pump_count",
            "pump_capacity_m3h",
            "note",
            "owner_unit",
            "review_interval_days",
            "address",
        ),
        create=road_create,
        update=road_update,
        review=registry_mark_reviewed,
        title=_("低洼路段"),
        help_text=SHAPE_HELP,
    ),
)
