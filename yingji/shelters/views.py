"""Pages of the shelters: list with filters, sort and export; detail with map."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yingji.core.registry import Column, RegistryPages, registry_mark_reviewed
from yingji.core.registry_forms import RecordForm

from .filtersets import ShelterFilterSet
from .models import Shelter
from .services import shelter_create, shelter_update

SHELTER_PAGES = RegistryPages(
    model=Shelter,
    namespace="shelters",
    slug="shelter",
    title=_("应急避难场所"),
    intro=_("公园、广场、绿地、人防工事和用作室内避难的学校、体育馆：容量、面积、设施和状态。"),
    filterset_class=ShelterFilterSet,
    columns=(
        Column("name"),
        Column("kind"),
        Column("region__name", _("所属区划"), sort=False),
        Column("capacity"),
        Column("area_m2"),
        Column("status"),
        Column("manager_phone", sort=False),
    ),
    detail_fields=(
        "kind",
        "region",
        "owner_unit",
        "address",
        "capacity",
        "area_m2",
        "has_water",
        "has_power",
        "has_toilets",
        "has_medical",
        "has_broadcast",
        "status",
        "manager_name",
        "manager_phone",
        "note",
        "last_reviewed_at",
    ),
    shape_field="boundary",
    form=RecordForm(
        fields=(
            "name",
            "kind",
            "status",
            "capacity",
            "area_m2",
            "has_water",
            "has_power",
            "has_toilets",
            "has_medical",
            "has_broadcast",
            "manager_name",
            "manager_phone",
            "note",
            "owner_unit",
            "review_interval_days",
            "address",
        ),
        create=shelter_create,
        update=shelter_update,
        review=registry_mark_reviewed,
        title=_("避难场所"),
        help_text=_("范围（GeoJSON）通过数据接口或普查导入维护。"),
    ),
)
