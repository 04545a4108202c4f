"""Equipment pages: list (filter, sort, export) and detail with a map."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from yingji.core.exports import export_queryset
from yingji.core.pages import paginate
from yingji.core.registry_forms import FormTarget, RecordForm, create_url, record_actions
from yingji.geo.choices import RegionLevel
from yingji.geo.models import Region
from yingji.geo.views import map_page_config

from .filtersets import EquipmentFilterSet
from .models import Equipment
from .selectors import access_equipment
from .services import equipment_create, equipment_review, equipment_update


def _update(*, actor: Any, obj: Equipment, **fields: Any) -> Equipment:
    return equipment_update(actor=actor, equipment=obj, **fields)


def _review(*, actor: Any, obj: Equipment) -> Equipment:
    return equipment_review(actor=actor, equipment=obj)


EQUIPMENT_FORM = FormTarget(
    Equipment,
    "equipment",
    "equipment",
    RecordForm(
        fields=(
            "name",
            "kind",
            "model_no",
            "status",
            "owner_kind",
            "owner_org",
            "owner_name",
            "owner_phone",
            "capability",
            "capacity",
            "capacity_unit",
            "plate_no",
            "serial_no",
            "agreement_no",
            "agreement_valid_until",
            "contact_name",
            "contact_phone",
            "is_active",
            "note",
            "owner_unit",
            "review_interval_days",
            "address",
        ),
        create=equipment_create,
        update=_update,
        review=_review,
        title=_("装备"),
    ),
)

EXPORT = [
    "name",
    "kind",
    "model_no",
    "region",
    "owner_kind",
    "owner_org",
    "owner_name",
    "owner_phone",
    "capability",
    "capacity",
    "capacity_unit",
    "plate_no",
    "status",
    "address",
    "lon",
    "lat",
    "agreement_no",
    "agreement_valid_until",
    "contact_name",
    "contact_phone",
    "is_synthetic",
]
SORTS = {"name", "kind", "status", "capacity", "agreement_valid_until", "region__code"}


@login_required
def equipment_list(request: HttpRequest) -> HttpResponse:
    base = Equipment.objects.restrict(request.user, "view").select_related(
        "region", "owner_org", "owner_unit"
    )
    filterset = EquipmentFilterSet(request.GET, queryset=base)
    queryset = filterset.qs
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in SORTS:
        queryset = queryset.order_by(sort, "pk")
    if request.GET.get("export") == "xlsx":
        return export_queryset(queryset, EXPORT, "装备与特种车辆", "equipment")
    districts = Region.objects.restrict(request.user, "view").filter(level=RegionLevel.DISTRICT)
    return render(
        request,
        "equipment/equipment_list.html",
        {
            "filter": filterset,
            "page": paginate(request, queryset),
            "sort": sort,
            "districts": districts.order_by("code"),
            "create_url": create_url(request, EQUIPMENT_FORM),
        },
    )


@login_required
def equipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = access_equipment(user=request.user, pk=pk)
    point = (
        {"type": "Point", "coordinates": [equipment.lon, equipment.lat]}
        if equipment.has_point
        else None
    )
    return render(
        request,
        "equipment/equipment_detail.html",
        {
            "equipment": equipment,
            "point": point,
            "map_config": map_page_config(),
            **record_actions(request, EQUIPMENT_FORM, equipment),
        },
    )
