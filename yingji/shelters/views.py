"""Pages of the shelters: list with filters, sort and export; detail with map."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yingji.core.registry import Column, RegistryPages

from .filtersets import ShelterFilterSet
from .models import Shelter

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
)
